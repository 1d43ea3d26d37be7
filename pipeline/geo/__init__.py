"""Geoparsing: find toponyms in English news text and resolve them to GeoNames places."""

from pipeline.geo.parser import Geoparser, Toponym, get_geoparser

__all__ = ["Geoparser", "Toponym", "get_geoparser"]
