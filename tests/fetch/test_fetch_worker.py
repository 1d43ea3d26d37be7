"""The fetch stage's handler and worker: duplicates by canonical URL, no second fetch of a re-delivered
entry (also after a crash before the commit), a slow host delays no other, per-host concurrency."""

from __future__ import annotations

import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipeline import bus
from pipeline.fetch.article import ArticleFetcher
from pipeline.fetch.ledger import FetchLedger
from pipeline.fetch.worker import make_fetch_handler
from pipeline.ingest.normalize import article_id, canonical_url
from pipeline.schemas import RawArticle, dump, load
from pipeline.settings import Settings
from pipeline.workers import fetch_worker
from tests.fetch.site import CANONICAL, DEEP_SENTENCE, TEASER, Site
from tests.helpers import consume_all, produce_raw

Record = namedtuple("Record", "topic partition offset key value")


@pytest.fixture
def sites():
    a, b = Site(), Site()
    yield a, b
    a.stop()
    b.stop()


def entry(url: str) -> RawArticle:
    canon = canonical_url(url)
    return RawArticle(id=article_id(canon), url=canon, title="Story", body=TEASER, summary=TEASER)


def records(entries: list[RawArticle]) -> list[Record]:
    return [Record("entries", 0, i, e.id.encode(), dump(e)) for i, e in enumerate(entries)]


def handler(tmp_path, **kw):
    s = Settings(**{"fetch_allow_private_networks": True, "fetch_per_host_delay_s": 0.0, "data_dir": tmp_path, **kw})
    ledger = FetchLedger(tmp_path / "ledger.sqlite3")
    return s, make_fetch_handler(s, ArticleFetcher(s), ledger, ThreadPoolExecutor(8)), ledger


def test_redelivered_entries_are_not_fetched_again_even_after_a_crash(sites, tmp_path):
    site, _ = sites
    s, handle, _ = handler(tmp_path)
    batch = records([entry(f"{site.base}/article"), entry(f"{site.base}/missing")])
    first = handle(batch)
    assert [load(RawArticle, o.value).text_source for o in first.outputs] == ["article", "feed"]
    hits = dict(site.hits)
    # crash before the commit: after_commit never ran; the re-delivered batch re-publishes from the ledger
    again = handle(batch)
    assert [o.value for o in again.outputs] == [o.value for o in first.outputs] and dict(site.hits) == hits
    for callback in again.after_commit:
        callback()
    # committed: a third delivery (e.g. ingestion re-sending) publishes nothing and fetches nothing
    assert handle(batch).outputs == [] and dict(site.hits) == hits
    # the ledger is on disk: a new process (new handler, same data dir) knows it too
    assert handler(tmp_path)[1](batch).outputs == [] and dict(site.hits) == hits


def test_two_urls_with_one_canonical_url_are_one_article(sites, tmp_path):
    site, _ = sites
    s, handle, _ = handler(tmp_path)
    first, alias = entry(f"{site.base}/article?from=rss"), entry(f"{site.base}/alias")
    result = handle(records([first, alias]))
    (out,) = [load(RawArticle, o.value) for o in result.outputs]
    assert out.url == CANONICAL and out.id in {first.id, alias.id} and DEEP_SENTENCE in out.body
    for callback in result.after_commit:
        callback()
    later = entry(f"{site.base}/article?edition=late")  # found in another feed an hour later
    assert handle(records([later])).outputs == []


def test_a_slow_host_delays_no_other_and_keeps_its_concurrency(sites, tmp_path):
    slow, fast = sites
    s, handle, _ = handler(tmp_path, fetch_deadline_s=1.0, fetch_read_timeout_s=1.0, fetch_batch_deadline_s=1.5,
                           fetch_per_host_concurrency=2)
    slow_entries = [entry(f"{slow.base}/trickle?n={i}") for i in range(8)]
    fast_entries = [entry(f"{fast.base}/story/{i}") for i in range(4)]
    started = time.monotonic()
    result = handle(records(slow_entries + fast_entries))
    took = time.monotonic() - started
    raw = {o.key: load(RawArticle, o.value) for o in result.outputs if o.topic == s.topic_raw}
    deferred = [o.key for o in result.outputs if o.topic == s.topic_entries]
    assert all(raw[e.id].text_source == "article" for e in fast_entries)
    assert deferred and set(deferred) <= {e.id for e in slow_entries}  # back to the topic, not lost
    assert len(deferred) + sum(e.id in raw for e in slow_entries) == len(slow_entries)
    # two lanes for the slow host: a third request starts only when one of the first two hit the deadline
    starts = sorted(t for p, t in slow.times if p.startswith("/trickle"))
    assert all(later - first >= 0.9 for first, later in zip(starts, starts[2:])), starts
    assert took < 1.5 + 1.0 + 1.5, took


@pytest.mark.e2e
def test_fetch_worker_on_kafka(radar_settings, sites):
    site, _ = sites
    s = radar_settings
    bus.ensure_topics(s)
    entries = [entry(f"{site.base}/article"), entry(f"{site.base}/amp"), entry(f"{site.base}/paywall")]
    produce_raw(s, s.topic_entries, [(e.id, dump(e)) for e in entries])
    assert fetch_worker(s).run(max_records=3, idle_exit_s=40).records == 3
    got = {a.id: a for a in (load(RawArticle, r.value) for r in consume_all(s, s.topic_raw, 3))}
    assert [got[e.id].text_source for e in entries] == ["article", "article", "feed"]
    assert "paywall" in got[entries[2].id].fetch_error
    hits = sum(site.hits.values())
    produce_raw(s, s.topic_entries, [(e.id, dump(e)) for e in entries])  # re-delivered
    assert fetch_worker(s).run(max_records=3, idle_exit_s=30).outputs == 0
    assert sum(site.hits.values()) == hits
