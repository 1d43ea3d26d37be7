"""Ingestion's own seen-set: it sends each article once whatever the index says, and the embedded
launcher re-produces what the memory-only broker lost."""

from __future__ import annotations

import pytest

from pipeline import bus
from pipeline.demo import DemoFeedServer
from pipeline.index.archive import Archive
from pipeline.ingest.feeds import load_feeds
from pipeline.ingest.run import ingest_feed
from pipeline.ingest.seen import SeenSet
from pipeline.schemas import RawArticle, load
from pipeline.stack import recover_raw
from tests.helpers import consume_all

pytestmark = pytest.mark.e2e


def test_seen_set_is_durable_and_ordered(tmp_path):
    from pipeline.settings import Settings

    s = Settings(data_dir=tmp_path)
    seen = SeenSet(s)
    seen.add(["a", "b"], "feed")
    seen.close()
    again = SeenSet(s)
    assert again.unseen(["c", "a", "d", "c", "b"]) == ["c", "d"]
    assert again.prune() == 0


def test_feed_sent_once_with_the_search_server_down_and_recovered_after_a_broker_loss(radar_settings, tmp_path):
    s = radar_settings.model_copy(update={"es_url": "http://127.0.0.1:9", "embedded": True})  # no search server
    bus.ensure_topics(s)
    demo = DemoFeedServer(0)
    try:
        feed = next(f for f in load_feeds(demo.start(tmp_path / "demo"), s) if f.name == "demo-world-wire")
        first = ingest_feed(feed, s)
        (s.feed_state_dir / f"{feed.name}.json").unlink()  # forget the ETag: the whole feed comes back
        second = ingest_feed(feed, s)
    finally:
        demo.stop()
    assert (first.sent, second.sent, second.already_sent) == (5, 0, 5)
    sent = [load(RawArticle, r.value) for r in consume_all(s, s.topic_entries, 6, timeout_s=15)]
    assert len(sent) == 5

    # the broker forgot everything; two of the five were indexed (archived) before
    indexed = sorted(a.id for a in sent)[:2]
    Archive("articles", s).append([{"id": i} for i in indexed])
    fresh = s.model_copy(update={"topic_entries": s.topic_entries + ".fresh",
                                 "extra_topics": [*s.extra_topics, s.topic_entries + ".fresh"]})
    bus.ensure_topics(fresh)
    assert recover_raw(fresh) == 3
    again = {load(RawArticle, r.value).id for r in consume_all(fresh, fresh.topic_entries, 4, timeout_s=15)}
    assert again == {a.id for a in sent} - set(indexed)
