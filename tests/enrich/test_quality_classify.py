"""Riots vs Protests and crowd violence, equipment words, natural forces (sentences written for these tests)."""

from __future__ import annotations

from pipeline.enrich.classify import decide, find_event_triggers
from pipeline.nlp import get_nlp


def _classify(text: str, title_sents: int = 1) -> tuple[bool, str | None, str | None]:
    doc = get_nlp()(text)
    d = decide(find_event_triggers(doc, title_sents, 2026))
    return d.violent, d.event_type, d.sub_event_type


def test_protesters_throwing_rocks_and_burning_cars_is_a_riot() -> None:
    text = ("Protesters clash with police in port city.\n\n"
            "Hundreds of protesters threw bricks and bottles at police outside the town hall on Monday and set two "
            "police vans on fire during a demonstration against fuel prices. Police fired tear gas to disperse them.")
    assert _classify(text)[1:] == ("Riots", "Violent demonstration")


def test_burning_tyres_at_a_roadblock_stays_a_protest() -> None:
    text = ("Police disperse fuel protest.\n\n"
            "Police fired tear gas to disperse residents who blocked a highway to protest against fuel shortages. "
            "The protesters burned tyres before officers moved in.")
    assert _classify(text)[1:] == ("Protests", "Protest with intervention")


def test_riot_police_is_not_a_riot() -> None:
    text = ("Riot police disperse sit-in.\n\n"
            "Riot police used water cannon to disperse a sit-in by students outside the education ministry, and "
            "detained 15 people. The students had protested peacefully for a week.")
    assert _classify(text)[1:] == ("Protests", "Protest with intervention")


def test_crowd_violence_without_a_protest_is_mob_violence() -> None:
    text = ("Villagers clash over land.\n\n"
            "Hundreds of villagers from two neighbouring communities clashed with sticks and iron bars over a "
            "disputed field on Sunday, injuring 15 people, police said.")
    assert _classify(text)[1:] == ("Riots", "Mob violence")


def test_students_ramming_a_gate_at_a_demonstration_is_a_riot() -> None:
    text = ("Students ram ministry gate.\n\n"
            "Students demanding the release of detained classmates rammed a bus through the gate of the interior "
            "ministry and threw stones at the building on Friday. No injuries were reported.")
    violent, etype, sub = _classify(text)
    assert violent and (etype, sub) == ("Riots", "Violent demonstration")


def test_stun_grenades_used_by_police_are_not_a_grenade_attack() -> None:
    text = ("Police clear protest camp.\n\n"
            "Police used stun grenades and tear gas to clear a protest camp outside parliament, and 20 protesters "
            "were detained.")
    assert _classify(text)[2] != "Grenade"


def test_earthquake_strike_is_not_an_air_strike() -> None:
    text = ("Quake hits mountain villages.\n\n"
            "A strong earthquake struck mountain villages in the north on Tuesday, killing nine people and "
            "destroying hundreds of homes, officials said.")
    assert _classify(text) == (False, None, None)


def test_gerund_subject_fighting_is_a_battle_trigger() -> None:
    text = ("Nine dead as rival militias fight over river crossing.\n\n"
            "Fighting between two rival militias near the river crossing killed nine people on Tuesday, "
            "after a dispute over a stolen cattle herd.")
    doc = get_nlp()(text)
    phrases = {t.phrase.lower(): (t.event_type, t.sub_event_type) for t in find_event_triggers(doc, 1, 2026)}
    assert phrases.get("fighting") == ("Battles", "Armed clash")
    assert _classify(text)[1:] == ("Battles", "Armed clash")


def test_armed_groups_clashing_near_villagers_is_a_battle_not_mob_violence() -> None:
    text = ("Villagers killed as armed groups clash in hill district.\n\n"
            "Two villagers died when two armed groups exchanged fire near a hill village on Friday, officials said.")
    assert _classify(text)[1:] == ("Battles", "Armed clash")
    text = ("Villagers clash with police over land seizure.\n\n"
            "Hundreds of villagers clashed with police outside the district office on Friday and threw stones "
            "at officers, injuring four.")
    assert _classify(text)[1] == "Riots"
