"""`radar enrich IN.jsonl -o OUT.jsonl`: batch enrichment without servers."""

import json
import subprocess
import sys

from pipeline.settings import PROJECT_ROOT

CONTRACT = {"id", "url", "source", "title", "body", "published_at", "language", "violent", "event_type",
            "sub_event_type", "confidence", "location", "locations", "actors", "fatalities"}


def test_radar_enrich_writes_contract_fields_and_reports_bad_lines(tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [
        {"id": "m1", "title": "Police officers in Mexico caught in gun battle with cartel",
         "body": "Police officers were caught in a gun battle with gunmen of La Línea, the armed wing of the Juárez "
                 "Cartel, in Madera, Chihuahua, on Sunday. Three officers were killed.",
         "url": "http://example.com/madera", "published": "2026-03-24T10:00:00Z"},
        {"title": "Markets suffer a bloodbath", "body": "Stocks fell sharply on Monday as investors fled."},
    ]
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "enrich", str(src), "-o", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT)
    assert proc.returncode == 1 and "line 3: not JSON" in proc.stderr
    docs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == 2
    assert CONTRACT <= set(docs[0])
    madera, markets = docs
    assert madera["violent"] is True and madera["event_type"] == "Battles"
    assert madera["published_at"].startswith("2026-03-24")
    assert markets["violent"] is False and markets["event_type"] is None
    assert len(markets["id"]) == 32
