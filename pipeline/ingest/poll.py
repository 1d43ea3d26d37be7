"""Poll several feeds at once (``radar ingest``, ``radar up --no-airflow``): a slow or broken feed
fails alone, with its reason, and never stops or delays the others beyond its own deadline."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from kafka.errors import KafkaError

from pipeline.ingest.feeds import FeedConfig
from pipeline.ingest.fetch import FeedError
from pipeline.ingest.run import IngestReport, ingest_feed
from pipeline.settings import Settings

log = logging.getLogger(__name__)


def poll_one(feed: FeedConfig, s: Settings) -> IngestReport:
    """Ingest one feed; any error becomes a ``failed`` report instead of an exception."""
    try:
        return ingest_feed(feed, s)
    except FeedError as exc:
        return IngestReport(feed.name, "failed", error=str(exc))
    except KafkaError as exc:  # the broker is down or unreachable: nothing was marked seen, the next poll resends
        log.warning("feed %s: broker unavailable: %s", feed.name, exc)
        return IngestReport(feed.name, "failed", error=f"feed {feed.name}: broker unavailable: {exc}")
    except Exception as exc:  # noqa: BLE001 - one feed's bug must not stop the other feeds
        log.exception("feed %s: unexpected error", feed.name)
        return IngestReport(feed.name, "failed", error=f"feed {feed.name}: {type(exc).__name__}: {exc}")


def poll_feeds(feeds: list[FeedConfig], s: Settings) -> list[IngestReport]:
    """Ingest ``feeds`` in parallel (``ingest_parallel_feeds`` at a time); one report per feed, in order."""
    if not feeds:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(s.ingest_parallel_feeds, len(feeds))),
                            thread_name_prefix="ingest") as pool:
        return list(pool.map(lambda f: poll_one(f, s), feeds))
