"""Normalisation: canonical URLs, stable ids, clean text, UTC timestamps."""

from __future__ import annotations

import hashlib
import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipeline.ingest.feeds import FeedConfig
from pipeline.ingest.parse import Entry
from pipeline.schemas import RawArticle

TRACKING_PARAMS = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|at_medium|at_campaign|ref|src)$", re.I)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANKS = re.compile(r"\n\s*\n+")


def canonical_url(url: str) -> str:
    """Lower-case scheme/host, drop default ports, fragments and tracking parameters, sort the query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k))
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def article_id(canonical: str) -> str:
    """Stable id of an article: the first 32 hex digits of SHA-256 of its canonical URL."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


class _TextExtractor(HTMLParser):
    BLOCK = {"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "section", "article"}
    SKIP = {"script", "style", "noscript", "iframe", "svg", "figure", "figcaption"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags, scripts and styles removed, whitespace tidied."""
    if "<" not in markup:
        text = html.unescape(markup)
    else:
        parser = _TextExtractor()
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\xa0", " ").split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def is_web_link(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host (not file:, javascript:, data:, ftp:, ...)."""
    if not url:
        return False
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def entry_link(entry: Entry) -> str | None:
    """The entry's link, or its guid when that is a URL; None when neither is given."""
    return entry.link or (entry.guid if entry.guid and entry.guid.startswith("http") else None)


def normalize_entry(entry: Entry, feed: FeedConfig, max_body_chars: int) -> RawArticle | None:
    """Turn a feed entry into a :class:`RawArticle`; None when it has no http(s) link or no text.

    The feed's teaser is both ``summary`` and (until the fetch stage replaces it) ``body``."""
    link = entry_link(entry)
    if not is_web_link(link):
        return None
    canon = canonical_url(link)
    title = html_to_text(entry.title)
    body = html_to_text(entry.html)[:max_body_chars]
    if not title and not body:
        return None
    return RawArticle(
        id=article_id(canon),
        url=canon,
        source=urlsplit(canon).hostname,
        feed=feed.name,
        title=title[:2_000],
        body=body,
        summary=body,
        text_source="feed",
        published_at=entry.published,
        language=feed.language,
        region=feed.region,
        tags=sorted(set(feed.tags) | {t for t in entry.tags if len(t) < 64}),
    )
