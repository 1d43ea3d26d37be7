"""Fetch one feed entry's article page politely and safely, and turn it into the full-text article
(or the teaser fallback, with the reason)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from pipeline.fetch.extract import extract_article
from pipeline.fetch.politeness import HostGate, RobotsCache
from pipeline.ingest.guard import Guard
from pipeline.ingest.http import FetchFailed, Limits, SafeClient
from pipeline.ingest.normalize import canonical_url, is_web_link
from pipeline.schemas import RawArticle, utcnow
from pipeline.settings import Settings

PAGE_CONTENT_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class Outcome:
    """What fetching one entry gave: the article to publish and the canonical URLs it claims."""

    article: RawArticle
    canonical: list[str]

    @property
    def status(self) -> str:
        """``article`` (full text) or ``feed`` (teaser fallback)."""
        return self.article.text_source


def page_limits(s: Settings) -> Limits:
    """Limits of an article page request."""
    return Limits("RADAR_FETCH", s.fetch_deadline_s, s.fetch_connect_timeout_s, s.fetch_read_timeout_s,
                  s.fetch_max_bytes, s.fetch_max_redirects, s.fetch_retries, s.fetch_backoff_s,
                  s.fetch_max_retry_after_s, PAGE_CONTENT_TYPES)


def robots_limits(s: Settings) -> Limits:
    """Limits of a robots.txt request (no retries, any content type, small)."""
    return Limits("RADAR_FETCH_ROBOTS", s.fetch_deadline_s, s.fetch_connect_timeout_s, s.fetch_read_timeout_s,
                  s.fetch_robots_max_bytes, s.fetch_max_redirects)


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


class ArticleFetcher:
    """Thread-safe: robots.txt cache, per-host delays and one guarded connection pool for a worker."""

    def __init__(self, s: Settings) -> None:
        self.s = s
        self.client = SafeClient(Guard.from_settings(s), s.fetch_user_agent, max_connections=s.fetch_concurrency * 2)
        self.gate = HostGate(s.fetch_per_host_delay_s)
        self.robots = RobotsCache(self.client, robots_limits(s), s.fetch_user_agent, s.fetch_robots_ttl_s,
                                  before_request=self.gate.wait)
        self.limits = page_limits(s)

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def _before_request(self, url: str) -> None:
        self.robots.check(url)
        delay = self.robots.crawl_delay(url)
        self.gate.wait(url, min(delay, self.s.fetch_max_crawl_delay_s) if delay else None)

    def fetch(self, entry: RawArticle) -> Outcome:
        """The full-text article for ``entry``, or ``entry`` with its teaser and ``fetch_error``."""
        teaser = entry.summary or entry.body
        if not is_web_link(entry.url):
            return self._fallback(entry, teaser, f"blocked: {entry.url!r} is not an http(s) URL")
        try:
            resp = self.client.get(entry.url or "", self.limits, {"Accept": "text/html,application/xhtml+xml"},
                                   before_request=self._before_request)
        except FetchFailed as exc:
            return self._fallback(entry, teaser, str(exc))
        page = extract_article(resp.content, resp.url)
        if page is None:
            return self._fallback(entry, teaser, f"extraction: no HTML document at {resp.url}")
        # a paywalled page that shows a lede only is not the article; nor is a text shorter than the teaser
        if len(page.text) < max(self.s.fetch_min_text_chars, len(teaser) * (3 if page.paywall else 1)):
            why = "paywall" if page.paywall else "too short (paywall, consent wall or JavaScript-only page?)"
            return self._fallback(entry, teaser, f"extraction: {len(page.text)} characters of main text at "
                                                 f"{resp.url}: {why}")
        canonical = canonical_url(page.canonical_url) if is_web_link(page.canonical_url) else canonical_url(resp.url)
        article = entry.model_copy(update={
            "url": canonical,
            "source": urlsplit(canonical).hostname,
            "title": entry.title or (page.title or "")[:2_000],
            "body": page.text[: self.s.article_max_body_chars],
            "summary": teaser,
            "text_source": "article",
            "fetch_error": None,
            "published_at": entry.published_at or _date(page.date),
            "language": page.language or entry.language,
            "fetched_at": utcnow(),
        })
        claims = list(dict.fromkeys(u for u in (canonical, entry.url) if u))
        return Outcome(article, claims)

    def _fallback(self, entry: RawArticle, teaser: str, error: str) -> Outcome:
        article = entry.model_copy(update={"body": teaser, "summary": teaser, "text_source": "feed",
                                           "fetch_error": error[:1_000], "fetched_at": utcnow()})
        return Outcome(article, [entry.url] if entry.url else [])
