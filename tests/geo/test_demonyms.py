"""Demonyms set the country context and, when no place is named, the event's country; they never
become places. Plus a regression set of short articles written for these tests."""

from __future__ import annotations

import re

import pytest

from pipeline.enrich import get_enricher
from pipeline.geo import get_geoparser
from pipeline.geo.gazetteer import read_demonyms
from pipeline.schemas import EnrichedArticle, RawArticle


def _enrich(title: str, body: str = "") -> EnrichedArticle:
    return get_enricher()(RawArticle(id="t", title=title, body=body))


def test_demonym_file_maps_to_current_country_codes() -> None:
    table = read_demonyms()
    assert (table["Serbian"], table["Montenegrin"], table["Saudi"], table["Libyan"]) == ("RS", "ME", "SA", "LY")
    assert all(re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", code) for code in table.values())
    gaz = get_geoparser().g
    assert gaz.cc[gaz.demonyms["Afghans"]] == "AF"
    assert all(demonym in gaz.demonyms for demonym in table), "a code the gazetteer does not know"


def test_a_regional_demonym_names_its_state_or_province() -> None:
    """'Chechen', 'Ontarians': the state or province, still never a place of ``locations``."""
    found = {t.text: t for t in get_geoparser().parse("Chechen fighters and Ontarians were named in the report.")}
    assert found["Chechen"].location.precision == "admin1" and found["Chechen"].location.country_code == "RU"
    assert found["Ontarians"].location.admin1 == "Ontario" and found["Ontarians"].demonym
    art = _enrich("Chechen fighters attack checkpoint", "Chechen fighters attacked a checkpoint, killing two guards.")
    assert art.location is not None and art.location.country_code == "RU" and art.location.precision == "admin1"
    assert not art.locations or all(loc.precision != "admin1" for loc in art.locations)


def test_demonym_sets_the_sense_of_an_ambiguous_place() -> None:
    gp = get_geoparser()
    found = {t.text: t.location for t in gp.parse("Lebanese troops deployed to Tripoli after the clashes.") if t.location}
    assert found["Tripoli"].country_code == "LB"


@pytest.mark.slow
@pytest.mark.parametrize(("title", "body", "cc"), [
    ("Libyan forces clash with militants", "Libyan forces clashed with militants on Sunday, killing three fighters.",
     "LY"),
    ("Russian drone strike kills two on highway", "A Russian drone hit a car, killing two people, officials said.", "RU"),
])
def test_demonym_gives_the_event_country_when_no_place_is_named(title: str, body: str, cc: str) -> None:
    art = _enrich(title, body)
    assert art.location is not None and art.location.country_code == cc
    assert art.location.precision == "country"
    assert art.locations == []


@pytest.mark.slow
def test_named_place_beats_the_demonym() -> None:
    art = _enrich("Russian shelling kills three in Kharkiv", "Russian artillery hit a market in Kharkiv on Monday, "
                  "killing three people, the regional governor said.")
    assert art.location.country_code == "UA" and art.location.precision == "city"
    assert all(loc.mentions != ["Russian"] for loc in art.locations)


@pytest.mark.slow
def test_headline_place_and_body_place() -> None:
    art = _enrich("Bomb blast in Nigeria's Borno state kills six",
                  "A bomb hidden in a market stall exploded in Konduga on Thursday, killing six traders, "
                  "police in Maiduguri said.")
    assert art.location.country_code == "NG" and art.location.name == "Konduga"


@pytest.mark.slow
def test_event_place_beside_background_places() -> None:
    art = _enrich("Gunmen kill four at a bar in Tixtla",
                  "Gunmen killed four men at a bar in Tixtla, in Guerrero state, late on Saturday. The attack "
                  "follows a summit in Mexico City where officials from Washington and Ottawa discussed security.")
    assert art.location.name.startswith("Tixtla") and art.location.country_code == "MX"
    assert art.location.precision == "city"
