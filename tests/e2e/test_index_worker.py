"""The index worker on a real broker and search server: bulk, archive, dead letters, durability."""

import json

import pytest

from pipeline import bus
from pipeline.index.archive import Archive, replay
from pipeline.index.client import make_client
from pipeline.index.setup import setup_indices
from pipeline.schemas import DeadLetter, EnrichedArticle, Location, dump, load
from pipeline.settings import Settings
from pipeline.stack import Stack, free_port, start_servers
from pipeline.workers import index_worker
from tests.helpers import consume_all, produce_raw

pytestmark = pytest.mark.e2e


def article(i: int) -> EnrichedArticle:
    return EnrichedArticle(
        id=f"art-{i}", url=f"http://example.com/{i}", title=f"Gunmen attack convoy number {i}",
        body="Gunmen attacked a police convoy near the town.", violent=True, event_type="Battles",
        sub_event_type="Armed clash", confidence=0.9,
        location=Location(name="Madera", country_code="MX", admin1="Chihuahua", lat=29.19, lon=-108.14, geonameid=3996387),
    )


def test_index_worker_indexes_archives_and_dead_letters(radar_settings: Settings):
    s = radar_settings
    bus.ensure_topics(s)
    good = [(a.id, dump(a)) for a in (article(i) for i in range(5))]
    bad = [("bad-json", b"{not json"), ("bad-schema", json.dumps({"id": "x", "title": "t", "event_type": "Picnic"}).encode())]
    produce_raw(s, s.topic_enriched, good[:3] + bad + good[3:] + [good[0]])
    stats = index_worker(s).run(max_records=8, idle_exit_s=30)
    assert stats.records == 8 and stats.failures == 2

    es = make_client(s)
    es.indices.refresh(index=s.articles_alias)
    assert es.count(index=s.articles_alias)["count"] == 5
    doc = es.get(index=s.articles_alias, id="art-3")["_source"]
    assert doc["geo"] == {"lat": 29.19, "lon": -108.14} and doc["location"]["admin1"] == "Chihuahua"

    letters = [load(DeadLetter, r.value) for r in consume_all(s, s.topic_dlq, 2)]
    assert sorted(dl.key for dl in letters) == ["bad-json", "bad-schema"]
    by_key = {dl.key: dl for dl in letters}
    assert "invalid EnrichedArticle" in by_key["bad-json"].error and by_key["bad-json"].payload == "{not json"
    assert "Picnic" in by_key["bad-schema"].error and by_key["bad-schema"].source_topic == s.topic_enriched

    assert set(Archive("articles", s).latest()) == {f"art-{i}" for i in range(5)}


def test_restart_refills_search_from_archive(tmp_path):
    kafka_port, es_port = free_port(), free_port()
    s = Settings(data_dir=tmp_path / "data", embedded_kafka_port=kafka_port, embedded_es_port=es_port,
                 kafka_bootstrap=f"127.0.0.1:{kafka_port}", es_url=f"http://127.0.0.1:{es_port}")
    stack = Stack(s)
    try:
        start_servers(stack)
        produce_raw(s, s.topic_enriched, [(a.id, dump(a)) for a in (article(i) for i in range(4))])
        index_worker(s).run(max_records=4, idle_exit_s=30)
    finally:
        stack.stop()

    stack = Stack(s)
    try:
        start_servers(stack)
        es = make_client(s)
        hits = es.search(index=s.articles_alias, query={"match": {"title": "convoy"}}, size=10)["hits"]["hits"]
        assert sorted(h["_id"] for h in hits) == [f"art-{i}" for i in range(4)]
    finally:
        stack.stop()


def test_replay_keeps_latest_version_and_skips_torn_line(radar_settings: Settings):
    s = radar_settings
    archive = Archive("articles", s)
    archive.append([{"id": "a", "title": "old"}, {"id": "b", "title": "bee"}])
    archive.append([{"id": "a", "title": "new"}])
    with archive.files()[0].open("a") as fh:
        fh.write('{"id": "c", "tit')
    es = make_client(s)
    setup_indices(es, s)
    assert replay(es, archive, s.articles_alias) == 2
    assert es.get(index=s.articles_alias, id="a")["_source"]["title"] == "new"
