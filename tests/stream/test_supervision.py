"""`radar up`'s supervisor: every process is restarted with exponential backoff and never given up on;
after a `kill -9` of the broker or the search server the stack replays (topics, search index from
the archive, articles the broker lost) and no article is lost or indexed twice."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from pipeline.demo import FeedServer, write_site
from pipeline.fetch.ledger import FetchLedger, fetch_ledger_path
from pipeline.index.archive import Archive
from pipeline.index.client import make_client
from pipeline.ingest.feeds import load_feeds
from pipeline.ingest.poll import poll_feeds
from pipeline.schemas import RawArticle, utcnow
from pipeline.settings import Settings
from pipeline.stack import Service, Stack, free_port, read_stack_state, start_servers, start_workers
from pipeline.status import format_processes

WAIT_S = 300.0


def test_a_crashing_process_is_restarted_with_doubling_backoff_and_never_given_up(tmp_path):
    s = Settings(data_dir=tmp_path, supervise_backoff_s=0.05, supervise_max_backoff_s=0.2,
                 supervise_reset_after_s=30.0)
    stack = Stack(s)
    svc = stack.start(Service("crasher", [sys.executable, "-c", "raise SystemExit(3)"], restart=True))
    backoffs: list[float] = []
    deadline = time.monotonic() + 60
    try:
        while svc.restarts < 8 and time.monotonic() < deadline:
            if stack.supervise_once():
                backoffs.append(svc.backoff_s)
            time.sleep(0.01)
    finally:
        stack.stop()
    assert svc.restarts >= 8, "the supervisor gave up on a crashing process"
    assert backoffs[:4] == [0.05, 0.1, 0.2, 0.2], backoffs
    state = read_stack_state(s)
    assert state is not None and state["services"][0]["name"] == "crasher"
    assert state["services"][0]["restarts"] == svc.restarts and state["services"][0]["last_exit"] == 3
    assert "restarts" in format_processes(state)[1]


def test_backoff_starts_over_after_a_healthy_run(tmp_path):
    s = Settings(data_dir=tmp_path, supervise_backoff_s=0.05, supervise_max_backoff_s=5.0, supervise_reset_after_s=0.5)
    stack = Stack(s)
    flag = tmp_path / "crash-now"
    code = f"import os, time\nwhile not os.path.exists({str(flag)!r}): time.sleep(0.02)\nraise SystemExit(1)"
    svc = stack.start(Service("flaky", [sys.executable, "-c", code], restart=True))
    try:
        seen = _crash_and_collect(stack, svc, flag, crashes=3, healthy_s=0.0)
        assert seen == [0.05, 0.1, 0.2], seen
        assert _crash_and_collect(stack, svc, flag, crashes=1, healthy_s=0.8) == [0.05]
    finally:
        stack.stop()


def _crash_and_collect(stack: Stack, svc: Service, flag: Path, crashes: int, healthy_s: float) -> list[float]:
    """Let ``svc`` run ``healthy_s``, then make it crash ``crashes`` times; the backoffs chosen."""
    time.sleep(healthy_s)
    out: list[float] = []
    deadline = time.monotonic() + 30
    while len(out) < crashes and time.monotonic() < deadline:
        flag.touch()
        if stack.supervise_once():
            out.append(svc.backoff_s)
            flag.unlink()
            while not svc.running and time.monotonic() < deadline:
                stack.supervise_once()
                time.sleep(0.01)
        time.sleep(0.01)
    return out


def _articles(tag: str, n: int) -> list[RawArticle]:
    return [RawArticle(id=f"{tag}-{i}", url=f"http://unused/{tag}/{i}", source="supervision.test",
                       title=f"Storm damages harbour wall number {i} in test town {tag}",
                       body=(f"A winter storm damaged harbour wall number {i} in the test town on Monday. "
                             "Workers inspected the quay and said repairs would take two weeks. "
                             "The harbour master said ferries would keep running on the usual timetable."),
                       published_at=utcnow()) for i in range(n)]


@pytest.fixture
def live_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Stack, Callable[[str, int], None]]]:
    """A running stack (broker, search server, fetch, enrich and index workers) on free ports, and a
    function that publishes ``n`` new articles in a feed and ingests them."""
    kp, ep = free_port(), free_port()
    www = tmp_path / "www"
    www.mkdir()
    site = FeedServer(www)
    site.serve()
    feeds_file = tmp_path / "feeds.yaml"
    feeds: list[dict[str, str]] = []
    monkeypatch.setenv("RADAR_FETCH_PER_HOST_DELAY_S", "0")
    monkeypatch.setenv("RADAR_WORKER_SHUTDOWN_GRACE_S", "5")
    s = Settings(data_dir=tmp_path / "data", embedded_kafka_port=kp, embedded_es_port=ep,
                 kafka_bootstrap=f"127.0.0.1:{kp}", es_url=f"http://127.0.0.1:{ep}", feeds_file=feeds_file,
                 fetch_allow_private_networks=True, supervise_backoff_s=0.5, worker_shutdown_grace_s=5.0)
    stack = Stack(s)

    def publish(tag: str, n: int) -> None:
        feeds.append({"name": tag, "url": write_site(www, site.base_url, tag, _articles(tag, n))})
        feeds_file.write_text(yaml.safe_dump({"feeds": feeds}), encoding="utf-8")
        reports = poll_feeds(load_feeds(feeds_file, s), s)
        assert all(r.status == "ok" or r.status == "not-modified" for r in reports), [str(r) for r in reports]

    try:
        start_servers(stack)
        start_workers(stack, {"fetch": 1, "enrich": 1, "index": 1})
        yield stack, publish
    finally:
        stack.stop()
        site.stop()


def _searchable_urls(s: Settings) -> list[str]:
    es = make_client(s)
    try:
        es.indices.refresh(index=s.articles_alias)
        hits = es.search(index=s.articles_alias, size=1000, source=["url"], query={"match_all": {}})["hits"]["hits"]
        return [h["_source"]["url"] for h in hits]
    except Exception:  # noqa: BLE001 - the search server may be restarting
        return []
    finally:
        es.close()


def _supervise_until(stack: Stack, want: int) -> list[str]:
    """Run the supervisor until ``want`` articles are searchable (or the bounded wait ends)."""
    deadline = time.monotonic() + WAIT_S
    urls: list[str] = []
    while time.monotonic() < deadline:
        stack.supervise_once()
        urls = _searchable_urls(stack.settings)
        if len(urls) >= want and all(svc.running for svc in stack.services):
            break
        time.sleep(1)
    return urls


def _published_by_fetch(s: Settings, tag: str) -> int:
    """Wait (bounded) until the fetch stage has published every entry of feed ``tag``; how many it has."""
    ids = [doc["id"] for doc in Archive("raw", s).latest().values() if doc.get("feed") == tag]
    ledger = FetchLedger(fetch_ledger_path(s))
    deadline = time.monotonic() + WAIT_S
    try:
        while True:
            done = [i for i in ids if (entry := ledger.get(i)) is not None and entry.published]
            if len(done) == len(ids) or time.monotonic() > deadline:
                return len(done)
            time.sleep(0.5)
    finally:
        ledger.close()


def _service(stack: Stack, name: str) -> Service:
    return next(svc for svc in stack.services if svc.name == name)


@pytest.mark.e2e
def test_kill_9_of_search_server_and_broker_loses_no_article(live_stack):
    stack, publish = live_stack
    publish("first", 8)
    assert len(_supervise_until(stack, 8)) == 8

    search = _service(stack, "search")
    os.kill(search.proc.pid, signal.SIGKILL)
    urls = _supervise_until(stack, 8)
    assert search.restarts == 1 and search.running
    assert sorted(urls) == sorted(set(urls)) and len(urls) == 8, "the archive did not refill the new search server"

    # the second batch is fetched and published to articles.raw, where only the broker's memory holds it
    enrich = _service(stack, "worker-enrich-1")
    os.kill(enrich.proc.pid, signal.SIGSTOP)
    publish("second", 8)
    assert _published_by_fetch(stack.settings, "second") == 8
    kafka = _service(stack, "kafka")
    os.kill(kafka.proc.pid, signal.SIGKILL)
    urls = _supervise_until(stack, 16)
    assert kafka.restarts == 1 and kafka.running
    assert len(urls) == len(set(urls)) == 16, f"{len(urls)} documents, {len(set(urls))} distinct, want 16"
    assert {u.rsplit("/", 2)[-2] for u in urls} == {"first", "second"}
    workers = [svc for svc in stack.services if svc.name.startswith("worker-")]
    assert all(svc.restarts == 2 for svc in workers), [(svc.name, svc.restarts) for svc in workers]
    state = json.loads(stack.state_path.read_text())
    assert {d["name"]: d["restarts"] for d in state["services"]}["kafka"] == 1
