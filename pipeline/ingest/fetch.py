"""HTTP fetching of feeds: timeouts, a size cap, a User-Agent and conditional GET."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

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


def fetch(
    feed: str,
    url: str,
    etag: str | None = None,
    last_modified: str | None = None,
    s: Settings | None = None,
) -> FetchResult:
    """GET ``url`` with conditional headers; raise :class:`FeedError` on timeout, HTTP error or size."""
    s = s or get_settings()
    headers = {"User-Agent": s.feed_user_agent, "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(s.feed_timeout_s)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=5) as client:
            with client.stream("GET", url, headers=headers) as resp:
                if resp.status_code == 304:
                    return FetchResult(304, b"", etag, last_modified, str(resp.url), None)
                if resp.status_code >= 400:
                    raise FeedError(feed, "http", f"HTTP {resp.status_code} from {url}")
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > s.feed_max_bytes:
                    raise FeedError(feed, "size", f"{declared} bytes > limit {s.feed_max_bytes} (RADAR_FEED_MAX_BYTES)")
                chunks: list[bytes] = []
                total = 0
                for chunk in resp.iter_bytes():
                    total += len(chunk)
                    if total > s.feed_max_bytes:
                        raise FeedError(feed, "size", f"more than {s.feed_max_bytes} bytes (RADAR_FEED_MAX_BYTES)")
                    chunks.append(chunk)
                return FetchResult(
                    resp.status_code,
                    b"".join(chunks),
                    resp.headers.get("etag"),
                    resp.headers.get("last-modified"),
                    str(resp.url),
                    resp.headers.get("content-type"),
                )
    except httpx.TimeoutException as exc:
        raise FeedError(feed, "timeout", f"no answer from {url} within {s.feed_timeout_s}s (RADAR_FEED_TIMEOUT_S)") from exc
    except httpx.HTTPError as exc:
        raise FeedError(feed, "network", f"{type(exc).__name__}: {exc}") from exc
