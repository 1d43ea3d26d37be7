"""HTTP fetching of feeds: conditional GET through the safe client (guard, deadline, size cap)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.ingest.guard import Guard
from pipeline.ingest.http import FetchFailed, Limits, SafeClient
from pipeline.settings import Settings, get_settings


class FeedError(RuntimeError):
    """A feed could not be fetched or parsed; ``kind`` says why (timeout, http, size, xml, ...)."""

    def __init__(self, feed: str, kind: str, message: str) -> None:
        super().__init__(f"feed {feed}: {kind}: {message}")
        self.feed = feed
        self.kind = kind


@dataclass
class FetchResult:
    """The outcome of one conditional GET."""

    status: int
    content: bytes
    etag: str | None
    last_modified: str | None
    url: str
    content_type: str | None

    @property
    def not_modified(self) -> bool:
        """True for 304 Not Modified."""
        return self.status == 304


FEED_CONTENT_TYPES = ("application/rss", "application/atom", "application/rdf", "application/xml",
                      "application/x-rss", "application/x-atom", "application/feed", "text/",
                      "application/octet-stream")


def feed_limits(s: Settings) -> Limits:
    """Limits of a feed download (per-read timeout, total deadline, size, redirects, content types)."""
    return Limits("RADAR_FEED", s.feed_deadline_s, s.feed_timeout_s, s.feed_timeout_s, s.feed_max_bytes,
                  s.feed_max_redirects, s.fetch_retries, s.fetch_backoff_s, s.fetch_max_retry_after_s,
                  FEED_CONTENT_TYPES)


def fetch(
    feed: str,
    url: str,
    etag: str | None = None,
    last_modified: str | None = None,
    s: Settings | None = None,
) -> FetchResult:
    """GET ``url`` with conditional headers through the SSRF guard; raise :class:`FeedError` otherwise."""
    s = s or get_settings()
    headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with SafeClient(Guard.from_settings(s), s.feed_user_agent) as client:
            resp = client.get(url, feed_limits(s), headers)
    except FetchFailed as exc:
        raise FeedError(feed, exc.kind, str(exc).split(": ", 1)[1]) from exc
    if resp.status == 304:
        return FetchResult(304, b"", etag, last_modified, resp.url, None)
    return FetchResult(resp.status, resp.content, resp.headers.get("etag"), resp.headers.get("last-modified"),
                       resp.url, resp.headers.get("content-type"))
