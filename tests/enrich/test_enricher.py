"""Hard cases for the whole enricher (spaCy + gazetteer, no servers). All texts written for these tests."""

from __future__ import annotations

import pytest

from pipeline.enrich import COMPONENTS, ENRICHER_VERSION, Enricher, build_pipeline, enrich
from pipeline.enrich.classify import classify_component
from pipeline.schemas import EVENT_TYPES, ACTOR_CATEGORIES, EnrichedArticle
from tests.enrich.conftest import article

MADERA_MX = article(
    "Gunmen kill three police officers in ambush near Madera, Chihuahua",
    "Three state police officers were killed on Sunday when gunmen from La Línea ambushed their patrol on a "
    "dirt road outside Madera, in the Chihuahua highlands, the state attorney general's office said. The officers "
    "returned fire during a gun battle that lasted forty minutes. Two other officers were wounded and taken to a "
    "hospital in Chihuahua city. Investigators collected 150 shell casings at the scene. The governor said in "
    "Mexico City on Monday that reinforcements would be sent.",
)


def test_madera_chihuahua_story(enricher: Enricher) -> None:
    out = enricher(MADERA_MX)
    assert isinstance(out, EnrichedArticle)
    assert out.violent and out.event_type == "Battles" and out.sub_event_type == "Armed clash"
    assert 0.5 <= out.confidence <= 1.0
    assert out.location is not None and out.location.name == "Madera" and out.location.country_code == "MX"
    assert out.location.is_event_location
    assert any(loc.is_event_location for loc in out.locations)
    assert out.fatalities == 3 and out.injured == 2
    assert out.event_date == "2026-03-22" and out.event_date_precision == "day"
    names = {a.name: a for a in out.actors}
    assert "Juárez Cartel" in names and names["Juárez Cartel"].category == "Criminal groups"
    assert names["Juárez Cartel"].role == "initiator"
    assert "Police" in names and names["Police"].category == "State forces"
    assert out.enricher_version == ENRICHER_VERSION
    assert len(out.events) == 1 and out.events[0].event_type == out.event_type


def test_madera_california_resolves_to_california(enricher: Enricher) -> None:
    out = enricher(article(
        "Man shot dead outside bar in Madera, California",
        "A man was shot dead outside a bar in Madera, California, early on Saturday, the county sheriff's "
        "office said. Deputies are searching for the shooter, who fled in a pickup truck toward Fresno.",
    ))
    assert out.violent and out.event_type == "Violence against civilians"
    assert out.location is not None and out.location.country_code == "US"
    assert out.fatalities == 1


@pytest.mark.parametrize(
    "title,body",
    [
        ("Rovers win derby battle as striker scores twice",
         "United were killed on the counter-attack as the visitors' striker scored twice in a fierce battle at "
         "the stadium on Saturday. The coach said his team fought to the end of the match."),
        ("Hackers attack city council servers",
         "Hackers launched a ransomware attack on the city council's servers on Monday, taking its website "
         "offline. Officials said no personal data had been stolen in the breach."),
        ("Tech stocks suffer bloodbath as investors flee",
         "Shares in chip makers were slaughtered on Wednesday in a market bloodbath that wiped billions off the "
         "Nasdaq index, as investors dumped stocks after weak earnings."),
        ("Startup unveils killer app for photographers",
         "The company said its new app would kill off rivals and shoot to the top of the download charts."),
        ("Town marks 20 years since school massacre",
         "Hundreds gathered on Sunday for a memorial service marking the anniversary of the 2006 shooting in "
         "which eleven pupils were killed. Wreaths were laid at the school gates."),
        ("Group threatens to attack tourists",
         "A militant group threatened to attack tourist resorts along the coast, the interior ministry said. "
         "Security was stepped up but no attack has taken place."),
        ("Bus crash kills nine on mountain highway",
         "Nine passengers were killed and 20 injured when a bus collided with a truck on a mountain highway on "
         "Friday, traffic police said."),
        ("Senators attack spending plan in heated debate",
         "Opposition senators attacked the government's spending plan in a heated debate, accusing ministers "
         "of killing the budget for schools."),
    ],
)
def test_metaphors_threats_accidents_and_commemorations_are_not_violent(enricher: Enricher, title: str, body: str) -> None:
    out = enricher(article(title, body))
    assert not out.violent, (out.event_type, out.sub_event_type)


def test_negation_no_one_hurt(enricher: Enricher) -> None:
    out = enricher(article(
        "Gunmen torch trucks on highway, no one hurt",
        "Armed men set fire to four trucks on a highway near the city on Tuesday. No one was hurt, police said.",
    ))
    assert not out.violent
    assert out.event_type == "Strategic developments" and out.sub_event_type == "Looting/property destruction"
    assert out.injured in (0, None) and not out.fatalities


def test_two_journalists_killed_and_at_least_32(enricher: Enricher) -> None:
    out = enricher(article(
        "Two journalists killed in attack on radio station",
        "Gunmen stormed a radio station and killed two journalists on Thursday, the press union said. "
        "The station's director, 54, said the attackers fired more than 30 rounds.",
    ))
    assert out.violent and out.event_type == "Violence against civilians"
    assert out.fatalities == 2
    out = enricher(article(
        "At least 32 killed in suicide bombing at market",
        "A suicide bomber blew himself up in a crowded market on Friday, killing at least 32 people and wounding "
        "dozens more, officials said. It was the deadliest attack since 2019.",
    ))
    assert out.event_type == "Explosions/Remote violence" and out.sub_event_type == "Suicide bomb"
    assert out.fatalities == 32


def test_explosion_and_air_strike_types(enricher: Enricher) -> None:
    out = enricher(article(
        "Drone strike kills four fighters",
        "A drone strike hit a vehicle carrying four fighters near the border on Monday, killing all of them.",
    ))
    assert out.sub_event_type == "Air/drone strike"
    out = enricher(article(
        "Roadside bomb hits army convoy",
        "A roadside bomb exploded as an army convoy passed on Wednesday, wounding five soldiers.",
    ))
    assert out.sub_event_type == "Remote explosive/landmine/IED" and out.injured == 5


def test_peaceful_protest_and_arrests_are_not_violent(enricher: Enricher) -> None:
    out = enricher(article(
        "Teachers march for higher pay",
        "Thousands of teachers marched peacefully through the capital on Monday to demand higher pay. "
        "The protest ended without incident.",
    ))
    assert not out.violent and out.event_type == "Protests" and out.sub_event_type == "Peaceful protest"
    out = enricher(article(
        "Police arrest cartel leader in dawn operation",
        "Federal police arrested a regional leader of the Gulf Cartel at his home on Tuesday. No shots were fired.",
    ))
    assert not out.violent and out.sub_event_type == "Arrests"


def test_multi_event_article(enricher: Enricher) -> None:
    out = enricher(article(
        "Soldiers killed in gun battle in Culiacán; journalist shot dead in Tijuana",
        "Four soldiers were killed in a gun battle with cartel gunmen in Culiacán, Sinaloa, on Saturday, the army "
        "said. The firefight lasted two hours.\n\nIn a separate attack on Sunday, gunmen shot dead a journalist "
        "outside his home in Tijuana, Baja California, press groups said. He was the third reporter murdered in "
        "the country this year.",
    ))
    assert len(out.events) == 2
    first, second = out.events
    assert first.event_type == "Battles" and first.location is not None and first.location.name == "Culiacán"
    assert first.fatalities == 4 and first.event_date == "2026-03-21"
    assert second.event_type == "Violence against civilians" and second.location is not None
    assert second.location.name == "Tijuana" and second.fatalities == 1 and second.event_date == "2026-03-22"
    assert out.event_type == first.event_type and out.location == first.location


def test_non_english_is_marked_and_skipped(enricher: Enricher) -> None:
    out = enricher(article(
        "Hombres armados atacan a policías en Culiacán",
        "Un grupo de hombres armados atacó a agentes de la policía estatal el domingo en Culiacán, Sinaloa.",
    ))
    assert out.language == "es"
    assert not out.violent and out.event_type is None and out.confidence == 0.0 and out.events == []


def test_missing_published_at(enricher: Enricher) -> None:
    out = enricher(article("Bomb kills two soldiers", "A bomb killed two soldiers on Sunday.", published=None))
    assert out.violent and out.event_date is None
    out = enricher(article("Bomb kills two soldiers", "A bomb killed two soldiers on March 3, 2025.", published=None))
    assert out.event_date == "2025-03-03"


def test_pipe_matches_call_and_output_is_valid(enricher: Enricher) -> None:
    raws = [MADERA_MX, article("Teachers march for higher pay", "Teachers marched peacefully on Monday.", id="t-2")]
    piped = list(enricher.pipe(raws, batch_size=2))
    single = [enrich(r) for r in raws]
    for a, b in zip(piped, single):
        assert a.model_dump(exclude={"enriched_at"}) == b.model_dump(exclude={"enriched_at"})
        assert a.event_type is None or a.event_type in EVENT_TYPES
        assert a.sub_event_type is None or a.sub_event_type in EVENT_TYPES[a.event_type]
        assert all(x.category in ACTOR_CATEGORIES for x in a.actors)


def test_classify_component_runs_alone(enricher: Enricher) -> None:
    parsed = Enricher(build_pipeline(COMPONENTS[:2]))  # language, parse
    doc = classify_component(parsed.run(article("Rebels overrun army base", "Rebels overran an army "
                                               "base on Friday after heavy fighting, killing six soldiers.")))
    assert doc._.rule_decision.violent and doc._.rule_decision.event_type == "Battles"
    assert doc._.rule_decision.sub_event_type == "Non-state actor overtakes territory"
    assert doc.cats["violent"] == 1.0 and doc.cats["type:Battles"] > 0
    assert doc._.triggers and all(t.weight > 0 for t in doc._.triggers)
    assert [s.label_ for s in doc.spans["triggers"]] == [t.sub_event_type for t in doc._.triggers]


def test_pipeline_components_declare_what_they_need(enricher: Enricher) -> None:
    """Every component's requires is assigned by an earlier one; the span groups are written."""
    nlp = enricher.nlp
    assert nlp.pipe_names == list(COMPONENTS)
    analysis = nlp.analyze_pipes(pretty=False)
    assert all(problems == [] for problems in analysis["problems"].values()), analysis["problems"]
    doc = enricher.run(MADERA_MX)
    assert {"triggers", "toponyms", "actors", "numbers", "dates"} <= set(doc.spans)
    assert "Madera" in {s.text for s in doc.spans["toponyms"]}
    assert doc._.events and doc._.events[0].event_type == doc._.decision.event_type


def test_event_location_ignores_places_of_other_events(enricher: Enricher) -> None:
    out = enricher(article(
        "Rebels capture Uvira after a week of fighting",
        "Rebel fighters took control of Uvira on Saturday after a week of fighting, residents said. Officials in "
        "Kinshasa called it a violation of the ceasefire agreed in Doha.", id="loc-1"))
    assert out.violent and out.location is not None
    assert (out.location.name, out.location.country_code) == ("Uvira", "CD")


def test_dateline_is_not_an_event_location(enricher: Enricher) -> None:
    from pipeline.enrich.locate import dateline_end

    for text, dateline in [("KYIV — Drones hit", "KYIV — "), ("EL PASO, Texas — Gunmen", "EL PASO, Texas — "),
                           ("BEIRUT (Reuters) - A strike", "BEIRUT (Reuters) - "), ("US - China talks", ""),
                           ("Gunmen stormed a bar", "")]:
        assert text[:dateline_end(text, 0)] == dateline
    out = enricher(article(
        "Gunmen kill four at a bar in Ciudad Juárez",
        "EL PASO, Texas — Gunmen stormed a bar in Ciudad Juárez, across the river from El Paso, on Friday night "
        "and killed four men, prosecutors said. Two other customers were wounded.", id="dl-1"))
    assert out.location is not None and out.location.name == "Ciudad Juárez"
    assert len(out.events) == 1


def test_headline_incident_retold_in_a_town_of_the_same_region_is_one_event(enricher: Enricher) -> None:
    out = enricher(article(
        "Shelling kills two in Donetsk region",
        "Artillery shells hit a school in the city of Kramatorsk in Ukraine's Donetsk region on Tuesday, killing "
        "two teachers and wounding five pupils, officials said.", id="ta-1"))
    assert len(out.events) == 1
    assert (out.fatalities, out.injured) == (2, 5)
