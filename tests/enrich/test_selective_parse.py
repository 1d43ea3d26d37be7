"""Selective parsing: tagger/parser only on title, lead and cue sentences; NER on every sentence that can hold a name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from spacy.tokens import Doc

from pipeline.enrich import COMPONENTS, Enricher, build_pipeline
from pipeline.enrich.parse import analysis_mask
from pipeline.enrich.sents import sentences
from pipeline.nlp import PARSED_TOKENS_KEY
from pipeline.settings import get_settings
from tests.enrich.conftest import article

FILLER = [
    "The regional council met on a sunny afternoon to discuss the new library budget for Lagos.",
    "Several members asked for more reading rooms and longer opening hours in the evenings.",
    "A committee in Abuja will publish its recommendations about the museum next spring.",
    "Local bakers praised the market renovation, which added shaded stalls and fresh paint.",
    "Tourism officials expect more visitors during the harvest festival in Enugu this year.",
]
TITLE = "News from northern Nigeria"
VIOLENT = "Gunmen killed five villagers and wounded three others in an attack near Kaduna."


def _long_body() -> str:
    return " ".join(FILLER * 4 + [VIOLENT] + FILLER * 2)


@pytest.fixture
def selective(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("RADAR_ENRICH_SELECTIVE_PARSE", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _parsed(title: str, body: str, selective: bool, monkeypatch: pytest.MonkeyPatch) -> Doc:
    monkeypatch.setenv("RADAR_ENRICH_SELECTIVE_PARSE", "true" if selective else "false")
    get_settings.cache_clear()
    try:
        return Enricher(build_pipeline(COMPONENTS[:2])).run(article(title, body))  # language, parse
    finally:
        get_settings.cache_clear()


def test_text_and_entities_match_the_full_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    sel = _parsed(TITLE, _long_body(), True, monkeypatch)
    full = _parsed(TITLE, _long_body(), False, monkeypatch)
    assert sel.text == sel._.text == full.text
    assert [(e.start_char, e.end_char, e.label_) for e in sel.ents] == \
        [(e.start_char, e.end_char, e.label_) for e in full.ents]
    violent_at = sel.text.index(VIOLENT)
    assert any(e.text == "Lagos" and e.start_char > violent_at for e in sel.ents)  # NER covers it all
    assert sel.user_data[PARSED_TOKENS_KEY] < len(sel)
    assert sel._.title_sents == full._.title_sents == 1


def test_analysis_sentences_are_parsed_others_are_neutral(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _parsed(TITLE, _long_body(), True, monkeypatch)
    sents = sentences(doc)
    cue = next(s for s in sents if s.text == VIOLENT)
    assert {t.dep_ for t in cue} - {"dep", "ROOT"}  # real dependency labels
    killed = next(t for t in cue if t.text == "killed")
    assert killed.lemma_ == "kill" and killed.pos_ == "VERB"
    assert next(t for t in killed.children if t.dep_ == "nsubj").text == "Gunmen"
    background = [s for s in sents[6:] if s.text == FILLER[3]][0]
    assert {t.pos_ for t in background} == {"X"}
    assert all(t.head.i == background.start for t in background)
    assert [t.lemma_ for t in background] == [t.lower_ for t in background]


def test_full_parse_when_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _parsed(TITLE, _long_body(), False, monkeypatch)
    assert "X" not in {t.pos_ for t in doc if not t.is_space}
    assert PARSED_TOKENS_KEY not in doc.user_data


def test_violent_sentence_deep_in_a_long_article_is_found(selective: None) -> None:
    out = Enricher()(article(TITLE, _long_body()))
    assert get_settings().enrich_selective_parse
    assert out.violent
    assert out.fatalities == 5 and out.injured == 3
    assert out.location is not None and out.location.name == "Kaduna"


def test_mask_keeps_title_lead_cues_and_the_next_sentence() -> None:
    texts = ["title", "lead one", "lead two", "quiet", "quiet", "troops shelled the town", "after",
             "quiet", "the protesters marched", "quiet", "they fought back"]
    mask = analysis_mask(texts, title_sents=1, lead=2)
    assert mask == [True, True, True, False, False, True, True, False, True, True, True]


def test_ner_skips_only_sentences_without_possible_entities(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = "The crowd waited quietly for news about the missing hikers."
    body = " ".join([VIOLENT, plain, FILLER[0], "Kaduna remained calm on the second day."])
    sel = _parsed(TITLE, body, True, monkeypatch)
    ents = [(e.start_char, e.end_char, e.label_) for e in sel.ents]
    assert any(sel.text[s:e] == "Lagos" for s, e, _ in ents)
    assert any(sel.text[s:e] == "Kaduna" and s > sel.text.index(FILLER[0]) for s, e, _ in ents)  # first-word place
    skipped = sel.text.index(plain)
    assert all(not (skipped <= t.idx < skipped + len(plain)) or t.ent_iob_ == "O" for t in sel)
