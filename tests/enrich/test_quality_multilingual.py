"""The es/fr/pt rule layer: violence cues, negation, casualties, dates and places."""

from datetime import date, datetime, timezone

from pipeline.enrich import Enricher, build_pipeline
from pipeline.enrich.multilingual import casualties, classify_text, event_date, multilingual_component, resolve_places
from pipeline.schemas import RawArticle


def test_spanish_clash_with_word_numbers():
    res = classify_text("Un enfrentamiento entre soldados y pistoleros dejó tres muertos y dos heridos.", "es")
    assert res.violent and res.event_type == "Battles" and res.sub_event_type == "Armed clash"
    assert (res.fatalities, res.injured) == (3, 2)
    assert res.confidence <= 0.5


def test_negated_and_hypothetical_cues_are_not_violence():
    assert not classify_text("La banda amenazó con un tiroteo en la plaza, pero nadie actuó.", "es").violent
    assert not classify_text("Il n'y a eu aucun affrontement pendant la nuit.", "fr").violent
    assert not classify_text("O time venceu o confronto da final do campeonato de futebol.", "pt").violent


def test_french_and_portuguese_casualty_patterns():
    assert casualties("L'attaque a fait au moins douze morts et 7 blessés.", "fr") == (12, 7)
    assert casualties("Morreram 4 pessoas; não houve feridos.", "pt") == (4, 0)
    assert casualties("Un hombre de 45 años fue asesinado en 2024.", "es") == (None, None)


def test_abduction_and_explosive_types():
    assert classify_text("Hombres armados secuestraron a cinco comerciantes.", "es").sub_event_type == \
        "Abduction/forced disappearance"
    assert classify_text("Une bombe artisanale a explosé au passage d'un camion.", "fr").event_type == \
        "Explosions/Remote violence"


def test_relative_dates():
    pub = date(2026, 3, 18)  # a Wednesday
    assert event_date("El ataque ocurrió ayer por la tarde.", "es", pub) == ("2026-03-17", "day")
    assert event_date("Les tirs ont commencé dimanche soir.", "fr", pub) == ("2026-03-15", "day")
    assert event_date("Sem indicação de data.", "pt", pub) == ("2026-03-18", "day")


def test_places_use_region_context():
    places = [loc for _, loc in resolve_places("Disparos en Córdoba, Veracruz, según la fiscalía de México.")]
    cordoba = [p for p in places if p.name.startswith("C")][0]
    assert cordoba.country_code == "MX"


def test_component_fills_event_for_spanish_article_and_skips_english():
    raw = RawArticle(id="t1", title="Emboscada deja cuatro muertos en Culiacán",
                     body="Pistoleros atacaron una patrulla el lunes en Culiacán, Sinaloa; murieron cuatro policías.",
                     published_at=datetime(2026, 3, 18, 9, tzinfo=timezone.utc))
    enricher = Enricher(build_pipeline(("radar_language", "radar_multilingual", "radar_decision", "radar_events")))
    doc = enricher.run(raw)
    assert doc._.language == "es" and doc._.decision.violent and doc._.decision.event_type == "Battles"
    assert doc.cats["type:Battles"] <= 0.5
    assert doc._.fatalities == 4 and doc._.event_date == "2026-03-16"
    assert doc._.location is not None and doc._.location.country_code == "MX"
    assert len(doc._.events) == 1
    english = enricher.make_doc(RawArticle(id="t2", title="", body="Gunmen killed four."))
    english._.language, english._.english = "en", True
    assert multilingual_component(english)._.rule_decision is None
