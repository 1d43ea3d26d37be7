"""End to end on real components: loopback RSS → ingest_feeds (Airflow dag.test) → Kafka → fetch
worker (article pages from the same loopback server) → enrich worker → index worker → `radar search`."""

import json
import subprocess
import sys
import threading
import time

import pytest

from pipeline import bus
from pipeline.demo import DemoFeedServer
from pipeline.schemas import DeadLetter, EnrichedArticle, RawArticle, dump, load
from pipeline.settings import PROJECT_ROOT, get_settings
from pipeline.workers import enrich_worker, fetch_worker, index_worker
from tests.helpers import consume_all, produce_raw

pytestmark = pytest.mark.e2e


def radar(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=PROJECT_ROOT)


def search_json(*args: str) -> dict:
    out = radar("search", *args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_feed_to_search_for_the_madera_gun_battle(airflow_db, radar_settings, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    demo = DemoFeedServer(0)
    feeds_file = demo.start(tmp_path / "demo")
    monkeypatch.setenv("RADAR_FEEDS_FILE", str(feeds_file))
    get_settings.cache_clear()
    s = get_settings()
    bus.ensure_topics(s)
    n_articles = 12  # 5 + 4 + 3 entries in the bundled demo feeds
    try:
        DagBag(dag_folder=str(PROJECT_ROOT / "dags")).get_dag("ingest_feeds").test()
        assert fetch_worker(s).run(max_records=n_articles, idle_exit_s=60).records == n_articles
    finally:
        demo.stop()
    fetched = [load(RawArticle, r.value) for r in consume_all(s, s.topic_raw, n_articles)]
    assert [a.fetch_error for a in fetched if a.text_source != "article"] == []

    assert enrich_worker(s).run(max_records=n_articles, idle_exit_s=60).records == n_articles
    assert index_worker(s).run(max_records=n_articles, idle_exit_s=60).records == n_articles

    result = search_json("police gun battle cartel")
    assert result["total"] >= 1
    top = result["hits"][0]
    assert top["title"] == "Police officers in Mexico caught in gun battle with cartel gunmen"
    assert top["url"] == "http://demo.world-wire.example/2026/mexico-madera-gun-battle"  # the page's canonical URL
    assert top["text_source"] == "article" and "Two of the attackers were also killed" not in top["summary"]
    assert top["highlight"]["title"]
    assert top["violent"] is True
    assert (top["event_type"], top["sub_event_type"]) == ("Battles", "Armed clash")
    loc = top["location"]
    assert (loc["name"], loc["admin1"], loc["country_code"]) == ("Madera", "Chihuahua", "MX")
    assert abs(loc["lat"] - 29.19) < 0.3 and abs(loc["lon"] + 108.14) < 0.3
    actors = {a["name"]: (a["category"], a["role"]) for a in top["actors"]}
    # the Sinaloa Cartel is named only as the Juárez Cartel's long-time rival: context, not a participant
    assert actors == {"Police": ("State forces", "target"), "Juárez Cartel": ("Criminal groups", "initiator")}, actors
    assert "La Línea" in next(a["mentions"] for a in top["actors"] if a["name"] == "Juárez Cartel")

    assert search_json("gun battle", "--country", "MX", "--type", "Battles")["total"] >= 1
    assert search_json("gun battle", "--country", "US")["total"] == 0
    near = search_json("--near", "29.19,-108.14,50")
    assert [h["title"] for h in near["hits"]] == [top["title"]]
    assert all(h["violent"] is False for h in search_json("penalty shootout")["hits"][:1])

    text = radar("search", "gun battle", "--since", "7d")
    assert text.returncode == 0 and "Madera" in text.stdout and "Battles" in text.stdout
    bad = radar("search", "x", "--near", "nowhere")
    assert bad.returncode == 2 and "LAT,LON,KM" in bad.stderr

    status = radar("status", "--json")
    assert status.returncode == 0
    report = json.loads(status.stdout)
    assert report["indices"][s.articles_alias] == n_articles
    assert report["consumers"]["enrich"]["partitions"] == s.topic_partitions, report["consumers"]
    assert report["consumers"]["index"]["lag"] == 0
    assert report["feeds"]["demo-world-wire"]["last_status"] == "ok"


def test_enrich_worker_dead_letters_bad_input_and_keeps_going(radar_settings):
    s = radar_settings
    bus.ensure_topics(s)
    good = RawArticle(id="ok-1", title="Gunmen kill two police officers in Culiacán",
                      body="Gunmen shot dead two police officers in Culiacán, Sinaloa, on Monday, officials said.")
    produce_raw(s, s.topic_raw, [("bad", b"\xff\xfe not json"), ("empty", json.dumps({"id": "e"}).encode()),
                                 (good.id, dump(good))])
    stats = enrich_worker(s).run(max_records=3, idle_exit_s=40)
    assert (stats.records, stats.failures, stats.outputs) == (3, 2, 1)
    (out,) = consume_all(s, s.topic_enriched, 1)
    assert load(EnrichedArticle, out.value).violent is True
    letters = {dl.key: dl for dl in (load(DeadLetter, r.value) for r in consume_all(s, s.topic_dlq, 2))}
    assert set(letters) == {"bad", "empty"}
    assert "neither title nor body" in letters["empty"].error
    assert letters["bad"].stage == "enrich" and letters["bad"].payload.startswith("\\xff\\xfe")


def test_two_enrich_workers_share_three_partitions(radar_settings):
    s = radar_settings
    bus.ensure_topics(s)
    workers = [enrich_worker(s), enrich_worker(s)]
    threads = [threading.Thread(target=w.run, kwargs={"idle_exit_s": 25}) for w in workers]
    for t in threads:
        t.start()
        time.sleep(1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(w.consumer is not None and w.consumer.assignment() for w in workers):
            break
        time.sleep(0.5)
    assignments = [set(w.consumer.assignment()) for w in workers]
    assert all(assignments) and not (assignments[0] & assignments[1])
    assert len(assignments[0] | assignments[1]) == s.topic_partitions

    articles = [RawArticle(id=f"scale-{i}", title=f"Clash number {i}", body="Soldiers clashed with rebels.") for i in range(30)]
    produce_raw(s, s.topic_raw, [(a.id, dump(a)) for a in articles])
    for t in threads:
        t.join(timeout=120)
    assert all(w.stats.records > 0 for w in workers), [w.stats for w in workers]
    assert sum(w.stats.records for w in workers) >= 30
    ids = {load(EnrichedArticle, r.value).id for r in consume_all(s, s.topic_enriched, 30)}
    assert ids == {a.id for a in articles}
