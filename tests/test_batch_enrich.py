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


def test_progress_lines_give_done_rate_and_time_left():
    import io

    from pipeline.progress import progress_line, track

    assert progress_line("radar enrich", 100, 400, 10.0) == "radar enrich: 100/400 articles, 10.0/s, 30 s left"
    assert progress_line("radar enrich", 5, None, 1.0) == "radar enrich: 5 articles, 5.0/s"
    out = io.StringIO()
    assert list(track(range(3), 3, "radar eval dev", stream=out, interval_s=0.0)) == [0, 1, 2]
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("radar eval dev: 1/3 articles") and lines[-1].startswith("radar eval dev: 3/3 articles")
    quiet = io.StringIO()
    list(track(range(3), 3, "short", stream=quiet))  # shorter than the interval: nothing printed
    assert quiet.getvalue() == ""
