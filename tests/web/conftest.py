"""A live pipeline for the web tests: the demo feeds ingested into real local Kafka and search servers,
enrich/index/alert workers running in threads (so articles produced later flow through too), and the web
app served by uvicorn on a free loopback port."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from pipeline.alert.worker import alert_worker, ensure_alert_topics
from pipeline.demo import DemoFeedServer
from pipeline.index.client import make_client
from pipeline.index.setup import alias_name
from pipeline.ingest.feeds import load_feeds
from pipeline.ingest.run import ingest_feed
from pipeline.schemas import RawArticle, dump
from pipeline.settings import Settings
from pipeline.stack import free_port, wait_port
from pipeline.web.app import create_app
from pipeline.workers import enrich_worker, fetch_worker, index_worker
from tests.helpers import produce_raw

DEMO_ARTICLES = 12  # 5 + 4 + 3 entries in the bundled demo feeds
ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts"


@dataclass
class LivePipeline:
    """Settings of the running pipeline and the URL of its web page."""

    s: Settings
    url: str

    def produce(self, article: RawArticle) -> None:
        """Send a new article to the raw topic, as ingestion does."""
        produce_raw(self.s, self.s.topic_raw, [(article.id, dump(article))])

    def count(self, kind: str, query: dict | None = None) -> int:
        es = make_client(self.s)
        try:
            alias = alias_name(kind, self.s)
            es.indices.refresh(index=alias)
            return es.count(index=alias, query=query or {"match_all": {}})["count"]
        finally:
            es.close()

    def wait_for(self, kind: str, at_least: int, query: dict | None = None, timeout_s: float = 120.0) -> int:
        deadline = time.monotonic() + timeout_s
        while (n := self.count(kind, query)) < at_least:
            if time.monotonic() > deadline:
                raise AssertionError(f"{kind}: {n} document(s) after {timeout_s}s, wanted {at_least}")
            time.sleep(0.3)
        return n


def _settings(servers: dict[str, str], data: Path, feeds_file: Path) -> Settings:
    tag = "w" + uuid.uuid4().hex[:8]
    return Settings(kafka_bootstrap=servers["kafka_bootstrap"], es_url=servers["es_url"], data_dir=data,
                    index_prefix=tag, topic_entries=f"{tag}.articles.entries", topic_raw=f"{tag}.articles.raw",
                    topic_enriched=f"{tag}.articles.enriched",
                    topic_dlq=f"{tag}.articles.dlq", extra_topics=[f"{tag}.incidents", f"{tag}.alerts"],
                    topic_incidents=f"{tag}.incidents", topic_alerts=f"{tag}.alerts",
                    consumer_group_prefix=f"{tag}.", feeds_file=feeds_file, web_port=free_port())


@pytest.fixture(scope="module")
def live(servers: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePipeline]:
    """The demo articles indexed, with incidents and alerts, and the web app serving them."""
    tmp = tmp_path_factory.mktemp("web")
    demo = DemoFeedServer(0)
    s = _settings(servers, tmp / "data", demo.start(tmp / "demo"))
    ensure_alert_topics(s)
    workers = [fetch_worker(s), enrich_worker(s), index_worker(s), alert_worker(s)]
    threads = [threading.Thread(target=w.run, daemon=True, name=f"test-{w.name}") for w in workers]
    for t in threads:
        t.start()
    server = uvicorn.Server(uvicorn.Config(create_app(s), host="127.0.0.1", port=s.web_port, log_level="warning"))
    web = threading.Thread(target=server.run, daemon=True, name="test-web")
    web.start()
    try:
        wait_port(s.web_port, 30, name="web")
        for feed in load_feeds(s.feeds_file, s=s):
            ingest_feed(feed, s)
        pipeline = LivePipeline(s, f"http://127.0.0.1:{s.web_port}")
        pipeline.wait_for("articles", DEMO_ARTICLES)
        pipeline.wait_for("alerts", 1)
        yield pipeline
    finally:
        demo.stop()
        server.should_exit = True
        for w in workers:
            w.stop()
        for t in [*threads, web]:
            t.join(timeout=30)


@pytest.fixture
def api(live: LivePipeline) -> Iterator[httpx.Client]:
    """An HTTP client for the live web app."""
    with httpx.Client(base_url=live.url, timeout=30) as client:
        yield client
