"""The dev-set evaluation command on a tiny labelled file written here."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.evaluation.devset import evaluate, main


def _write(tmp_path: Path) -> Path:
    rows = [
        {"id": "e1", "title": "Suicide bomber kills 12 at market in Kabul",
         "body": "A suicide bomber blew himself up at a busy market in Kabul on Monday, killing 12 people, police said.",
         "published": "2026-03-24T10:00:00Z",
         "label": {"violent": True, "event_type": "Explosions/Remote violence", "sub_event_type": "Suicide bomb",
                   "location": {"name": "Kabul", "country_code": "AF", "lat": 34.53, "lon": 69.17},
                   "actors": [{"name": "Civilians", "category": "Civilians", "role": "target"}],
                   "fatalities": 12, "injured": None, "event_date": "2026-03-23", "event_date_precision": "day",
                   "events": 1, "language": "en"}},
        {"id": "e2", "title": "City wins title after penalty shootout",
         "body": "The home side won the cup final in a penalty shootout on Saturday, sparking celebrations.",
         "published": "2026-03-24T10:00:00Z",
         "label": {"violent": False, "event_type": None, "sub_event_type": None, "location": None, "actors": [],
                   "fatalities": None, "injured": None, "event_date": None, "events": 1, "language": "en"}},
    ]
    path = tmp_path / "dev.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_evaluate_reports_all_metrics(tmp_path: Path) -> None:
    m = evaluate(_write(tmp_path))
    assert m["n"] == 2
    assert m["violent"]["accuracy"] == 1.0
    assert m["event_type"]["per_class"]["Explosions/Remote violence"]["f1"] == 1.0
    assert m["sub_event_type"]["accuracy"] == 1.0
    assert m["location"]["accuracy_161km"] == 1.0 and m["location"]["country_accuracy"] == 1.0
    assert m["fatalities"]["accuracy"] == 1.0 and m["event_date"]["accuracy"] == 1.0
    assert m["actors"]["recall"] == 1.0
    assert m["throughput"]["articles_per_s"] > 0


def test_main_prints_table_and_json(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    path = _write(tmp_path)
    assert main(["--file", str(path), "--show-errors", "3"]) == 0
    out = capsys.readouterr().out
    assert "violent" in out and "macro-F1" in out and "articles/s" in out
    assert main(["--file", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 2
