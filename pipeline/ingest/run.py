"""The ingest stage: one feed → fetch → parse → normalise → skip seen → produce to ``articles.entries``
(the fetch stage adds the article's full text and passes it on to ``articles.raw``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kafka import KafkaProducer

from pipeline import bus
from pipeline.index.archive import Archive
from pipeline.ingest.feeds import FeedConfig
from pipeline.ingest.fetch import FeedError, fetch
from pipeline.ingest.normalize import entry_link, is_web_link, normalize_entry
from pipeline.ingest.parse import parse_feed
from pipeline.ingest.seen import SeenSet
from pipeline.ingest.state import FeedState, load_state, save_state
from pipeline.schemas import RawArticle, dump, utcnow
from pipeline.settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What one poll of one feed did."""

    feed: str
    status: str
    entries: int = 0
    already_sent: int = 0
    sent: int = 0
    bad_links: list[str] = field(default_factory=list)
    error: str | None = None

    def __str__(self) -> str:
        if self.error:
            return f"{self.feed}: {self.status}: {self.error}"
        refused = (f", {len(self.bad_links)} non-http(s) link(s) refused ({', '.join(self.bad_links[:3])[:200]})"
                   if self.bad_links else "")
        return (f"{self.feed}: {self.status}, {self.entries} entries, "
                f"{self.already_sent} already sent, {self.sent} sent{refused}")


def is_due(feed: FeedConfig, s: Settings | None = None, now: datetime | None = None) -> bool:
    """True when the feed's poll interval has passed since its last run (or it never ran)."""
    state = load_state(feed.name, s)
    if state.last_run is None:
        return True
    return (now or utcnow()) - state.last_run >= timedelta(minutes=feed.poll_minutes) - timedelta(seconds=30)


def produce_articles(producer: KafkaProducer, articles: list[RawArticle], s: Settings) -> int:
    """Send articles keyed by id (acks=all) and wait for every acknowledgement."""
    futures = [bus.send(producer, s.topic_entries, a.id, dump(a), s) for a in articles]
    producer.flush(timeout=s.kafka_request_timeout_ms / 1000)
    for fut in futures:
        fut.get(timeout=s.kafka_request_timeout_ms / 1000)
    return len(futures)


def ingest_feed(
    feed: FeedConfig,
    s: Settings | None = None,
    producer: KafkaProducer | None = None,
) -> IngestReport:
    """Poll one feed and send its new articles to Kafka; record the outcome in the feed state.

    Raises :class:`FeedError` (after saving the error) when the feed cannot be fetched or parsed.
    """
    s = s or get_settings()
    state = load_state(feed.name, s)
    state.last_run = utcnow()
    seen = SeenSet(s)
    try:
        result = fetch(feed.name, feed.url, state.etag, state.last_modified, s)
        if result.not_modified:
            report = IngestReport(feed.name, "not-modified")
        else:
            report = _send_new(feed, result.content, state, s, producer, seen)
            state.etag, state.last_modified = result.etag, result.last_modified
    except FeedError as exc:
        state.last_status, state.last_error = exc.kind, str(exc)
        save_state(feed.name, state, s)
        raise
    except Exception as exc:
        state.last_status, state.last_error = "error", f"{type(exc).__name__}: {exc}"
        save_state(feed.name, state, s)
        raise
    finally:
        seen.prune()
        seen.close()
    state.last_status, state.last_error, state.last_success = report.status, None, utcnow()
    save_state(feed.name, state, s)
    log.info("%s", report)
    return report


def _send_new(
    feed: FeedConfig,
    content: bytes,
    state: FeedState,
    s: Settings,
    producer: KafkaProducer | None,
    seen: SeenSet,
) -> IngestReport:
    entries = parse_feed(feed.name, content, s.feed_max_entries)
    articles: dict[str, RawArticle] = {}
    for entry in entries:
        article = normalize_entry(entry, feed, s.article_max_body_chars)
        if article is not None:
            articles.setdefault(article.id, article)
    new = [articles[i] for i in seen.unseen(articles)]
    if new and s.embedded:
        Archive("raw", s).append(a.model_dump(mode="json") for a in new)  # for the embedded broker's recovery
    own_producer = producer is None
    producer = producer or bus.make_producer(s)
    try:
        sent = produce_articles(producer, new, s) if new else 0
    finally:
        if own_producer:
            producer.close()
    seen.add((a.id for a in new), feed.name)
    state.last_entries, state.last_sent = len(entries), sent
    state.total_sent += sent
    bad = [repr(link[:60]) for e in entries if (link := entry_link(e)) and not is_web_link(link)]
    return IngestReport(feed.name, "ok", len(entries), len(articles) - len(new), sent, bad)
