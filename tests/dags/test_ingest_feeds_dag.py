"""The ingest_feeds DAG: imports cleanly, and dag.test() polls loopback feeds into Kafka; each bad feed
fails only its own mapped task."""

from pathlib import Path

import pytest
import yaml

from pipeline.demo import DemoFeedServer, FeedServer
from pipeline.ingest.state import load_state
from pipeline.schemas import RawArticle, load
from pipeline.settings import PROJECT_ROOT, Settings, get_settings
from tests.helpers import consume_all

pytestmark = pytest.mark.e2e

HOSTILE = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>"""
UNKNOWN_ENCODING = b"""<?xml version="1.0" encoding="x-unknown"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title><link>http://e.com/a</link></item></channel></rss>"""


def test_dag_folder_imports_without_errors(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    assert bag.import_errors == {}
    dag = bag.get_dag("ingest_feeds")
    assert dag is not None
    assert {t.task_id for t in dag.tasks} == {"list_feeds", "ingest"}


def _feeds_file(tmp_path: Path, s: Settings) -> tuple[Path, DemoFeedServer, FeedServer]:
    demo = DemoFeedServer(0)
    demo_feeds = yaml.safe_load(demo.start(tmp_path / "demo").read_text())["feeds"]
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    (bad_dir / "broken.xml").write_bytes(b"<rss><channel><title>oops</channel")
    (bad_dir / "hostile.xml").write_bytes(HOSTILE)
    (bad_dir / "encoding.xml").write_bytes(UNKNOWN_ENCODING)
    bad = FeedServer(bad_dir)
    base = bad.serve()
    feeds = demo_feeds + [
        {"name": "broken", "url": f"{base}/broken.xml"},
        {"name": "hostile", "url": f"{base}/hostile.xml"},
        {"name": "missing", "url": f"{base}/missing.xml"},
        {"name": "encoding", "url": f"{base}/encoding.xml"},
        {"name": "disabled", "url": f"{base}/missing.xml", "enabled": False},
    ]
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump({"feeds": feeds}))
    return path, demo, bad


def test_dag_run_ingests_good_feeds_and_isolates_bad_ones(airflow_db, radar_settings, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    feeds_file, demo, bad = _feeds_file(tmp_path, radar_settings)
    monkeypatch.setenv("RADAR_FEEDS_FILE", str(feeds_file))
    get_settings.cache_clear()
    s = get_settings()
    from pipeline.bus import ensure_topics

    ensure_topics(s)
    try:
        dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags")).get_dag("ingest_feeds")
        run = dag.test()
    finally:
        demo.stop()
        bad.stop()
    states = {ti.map_index: ti.state for ti in run.get_task_instances() if ti.task_id == "ingest"}
    assert len(states) == 7
    assert sorted(str(v) for v in states.values()).count("success") == 3
    assert sorted(str(v) for v in states.values()).count("failed") == 4

    records = consume_all(s, s.topic_entries, 12)
    articles = [load(RawArticle, r.value) for r in records]
    assert len(articles) == 12 and len({a.id for a in articles}) == 12
    assert all(r.key.decode() == a.id for r, a in zip(records, articles))
    assert any("Madera" in a.body for a in articles)
    assert all(a.text_source == "feed" and a.summary == a.body for a in articles)  # teasers, for the fetch stage

    assert load_state("hostile", s).last_status == "hostile-xml"
    assert load_state("broken", s).last_status in {"malformed-xml", "not-a-feed"}
    assert "404" in (load_state("missing", s).last_error or "")
    assert load_state("encoding", s).last_status == "encoding"
    assert "x-unknown" in (load_state("encoding", s).last_error or "")
    assert load_state("demo-world-wire", s).last_sent == 5
