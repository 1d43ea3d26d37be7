"""Incident Radar: news feeds -> Kafka -> enrichment -> Elasticsearch -> search and alerts."""

__version__ = "0.1.0"
