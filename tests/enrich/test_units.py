"""Unit tests of pure helpers: numbers, dates, text cleaning, component declarations, data tables, eval matching."""

from __future__ import annotations

import re
from datetime import date

import pytest

from pipeline.enrich import COMPONENTS, build_pipeline
from pipeline.enrich import tables as tb
from pipeline.enrich.dates import find_dates, resolve, _PATTERNS
from pipeline.enrich.numbers import word_value
from pipeline.enrich.text import clean_text, detect_language
from pipeline.evaluation.devset import names_match
from pipeline.geo.distance import haversine_km


@pytest.mark.parametrize(
    "text,value",
    [("32", 32), ("1,200", 1200), ("two", 2), ("twenty-two", 22), ("a dozen", 12), ("two dozen", 24),
     ("one hundred", 100), ("three hundred and five", 305), ("banana", None)],
)
def test_word_value(text: str, value: int | None) -> None:
    assert word_value(text) == value


def _resolve(kind: str, text: str, pub: date | None):  # noqa: ANN202
    pattern = dict(_PATTERNS)[kind]
    return resolve(kind, pattern.search(text), pub)


def test_weekday_resolves_to_most_recent_day() -> None:
    tuesday = date(2026, 3, 24)
    assert _resolve("weekday", "on Sunday", tuesday) == (date(2026, 3, 22), "day")
    assert _resolve("weekday", "on Tuesday", tuesday) == (date(2026, 3, 24), "day")
    assert _resolve("weekday", "last Tuesday", tuesday) == (date(2026, 3, 17), "day")


def test_relative_and_absolute_dates() -> None:
    pub = date(2026, 1, 5)
    assert _resolve("yesterday", "yesterday", pub) == (date(2026, 1, 4), "day")
    assert _resolve("lastweek", "last week", pub) == (date(2025, 12, 29), "week")
    assert _resolve("lastmonth", "last month", pub) == (date(2025, 12, 1), "month")
    # a month-day later than publication belongs to the previous year
    assert _resolve("mdy", "December 30", pub) == (date(2025, 12, 30), "day")
    assert _resolve("dmy", "23 March 2024", pub) == (date(2024, 3, 23), "day")


def test_dates_without_publication_time() -> None:
    assert _resolve("weekday", "on Sunday", None) is None
    assert _resolve("mdy", "March 23, 2025", None) == (date(2025, 3, 23), "day")
    mentions = find_dates("It happened on Sunday. The report of May 2, 2024 said so.", [0, 23], None)
    assert [(m.date, m.sent) for m in mentions] == [("2024-05-02", 1)]


def test_said_on_weekday_is_not_preferred_over_event_day() -> None:
    pub = date(2026, 1, 20)
    mentions = find_dates("Clashes over the weekend killed 12, officials said on Tuesday.", [0], pub)
    assert mentions[0].date == "2026-01-17"


def test_clean_text_strips_html_and_boilerplate() -> None:
    text = clean_text("<p>Gunmen attacked a bus.</p><script>x()</script><p>Advertisement</p><p>Two died &amp; more.</p>")
    assert "<" not in text and "Advertisement" not in text and "x()" not in text
    assert "Gunmen attacked a bus." in text and "Two died & more." in text


def test_language_detection() -> None:
    assert detect_language("Hombres armados atacaron a la policía en el centro de la ciudad el domingo.") == "es"
    assert detect_language("Des hommes armés ont attaqué un poste de police dimanche soir dans la ville.") == "fr"
    assert detect_language("Gunmen attacked a police post in the city centre on Sunday evening.") == "en"
    assert detect_language("ok", hint="de") == "de"


def test_foreign_place_names_do_not_make_an_english_headline_foreign() -> None:
    """Names are left out of the judgement, and English wins a close call on a short headline."""
    assert detect_language("Gangs kill 9 in Cite Soleil") == "en"
    assert detect_language("Gang violence in Port-au-Prince's Cite Soleil kills 9") == "en"
    assert detect_language("Clashes in Saint-Étienne leave two dead") == "en"
    assert detect_language("Violencia en Ciudad Juárez deja cinco muertos") == "es"
    assert detect_language("Explosion à Gao, deux morts") == "fr"
    assert detect_language("Bei einem Anschlag in Berlin wurden drei Menschen getötet") == "de"


def test_components_are_registered_declared_and_ordered() -> None:
    nlp = build_pipeline()
    assert nlp.pipe_names == list(COMPONENTS)
    problems = nlp.analyze_pipes(pretty=False)["problems"]
    assert problems == {name: [] for name in COMPONENTS}
    assert "doc._.events" in nlp.get_pipe_meta("radar_events").assigns
    with pytest.raises(ValueError):
        build_pipeline(("radar_language", "radar_language"))  # names are unique


@pytest.fixture
def data_dir(tmp_path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    monkeypatch.setattr(tb, "DATA_DIR", tmp_path)
    tb._yaml.cache_clear()
    yield tmp_path
    tb._yaml.cache_clear()


def test_data_tables_are_validated_with_file_and_line(data_dir) -> None:  # noqa: ANN001
    (data_dir / "t.yaml").write_text("good: [a, b]\nfine: {x: 1}\ntwice:\n  - a\n  - a\nbad: [a, 3]\n")
    assert tb.words("t", "good") == frozenset({"a", "b"}) and tb.mapping("t", "fine") == {"x": 1}
    with pytest.raises(tb.TableError, match=r"t\.yaml:3: 'a' is listed twice"):
        tb.words("t", "twice")
    with pytest.raises(tb.TableError, match=r"t\.yaml:6: 3 is not a non-empty string"):
        tb.words("t", "bad")
    with pytest.raises(tb.TableError, match="no table 'missing'"):
        tb.words("t", "missing")
    (data_dir / "broken.yaml").write_text("a: [b\n")
    with pytest.raises(tb.TableError, match=r"broken\.yaml:2: not valid YAML"):
        tb.words("broken", "a")
    (data_dir / "r.jsonl").write_text('{"phrase": "x", "weight": 1}\n{"phrase": "y", "weight": "heavy"}\n')
    fields = {"phrase": (str,), "weight": (int, float)}
    with pytest.raises(tb.TableError, match=r"r\.jsonl:2: field 'weight' has a value of the wrong type"):
        tb.rows("r", fields, ("phrase",))
    (data_dir / "r.jsonl").write_text('{"phrase": "x"}\n{"weight": 2}\n')
    with pytest.raises(tb.TableError, match=r"r\.jsonl:2: missing field\(s\) phrase"):
        tb.rows("r", fields, ("phrase",))


def test_shipped_data_files_load() -> None:
    from pipeline.enrich import lexicon as lx

    assert len(lx.TRIGGERS) > 200 and len(lx.KNOWN_GROUPS) > 80
    assert tb.number_words("en")["twelve"] == 12 and tb.number_words("es")["dos"] == 2
    assert sorted(p.name for p in tb.DATA_DIR.iterdir()) == [
        "actors.yaml", "classify.yaml", "dates.yaml", "known_groups.jsonl", "lexicon.yaml", "locate.yaml",
        "multilingual.yaml", "multilingual_families.jsonl", "numbers.yaml", "parse.yaml", "triggers.jsonl"]


def test_eval_name_matching_and_distance() -> None:
    assert names_match("Islamic State West Africa Province", "Islamic State West Africa Province (ISWAP)")
    assert names_match("ISWAP", "Islamic State West Africa Province (ISWAP)")
    assert names_match("Military", "US military")
    assert names_match("Unidentified gunmen", "Unidentified gunman")
    assert not names_match("Police", "Military")
    assert re.match(r"^\d+$", str(round(haversine_km(29.19, -108.14, 36.96, -120.06))))
    assert 1300 < haversine_km(29.19, -108.14, 36.96, -120.06) < 1500
