"""Feed parsing (RSS 0.9x/1.0/2.0, Atom) with feedparser, after a hostile-XML check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from xml.etree.ElementTree import ParseError

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring

from pipeline.ingest.fetch import FeedError


@dataclass
class Entry:
    """A feed entry, before normalisation."""

    link: str | None
    title: str
    html: str
    published: datetime | None
    guid: str | None = None
    tags: list[str] = field(default_factory=list)


def check_xml_safety(feed: str, content: bytes) -> None:
    """Reject entity declarations (billion laughs, external entities) before any real parsing."""
    try:
        safe_fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(feed, "hostile-xml", f"refused: {type(exc).__name__} ({exc})") from exc
    except (ParseError, ValueError):
        pass
    except LookupError as exc:
        raise FeedError(feed, "encoding", f"unknown declared encoding ({exc})") from exc


def _when(entry: feedparser.FeedParserDict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime(*value[:6], tzinfo=timezone.utc)
    return None


def _html(entry: feedparser.FeedParserDict) -> str:
    contents = entry.get("content") or []
    best = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or ""
    return best if len(best) >= len(summary) else summary


def parse_feed(feed: str, content: bytes, max_entries: int) -> list[Entry]:
    """Parse feed bytes into entries; raise :class:`FeedError` for hostile, malformed or undecodable feeds."""
    check_xml_safety(feed, content)
    try:
        parsed = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=False)
    except LookupError as exc:
        raise FeedError(feed, "encoding", f"unknown declared encoding ({exc})") from exc
    except Exception as exc:  # noqa: BLE001 - any parser crash fails this feed alone, with its reason
        raise FeedError(feed, "parse", f"{type(exc).__name__}: {exc}") from exc
    entries = parsed.get("entries", [])
    if parsed.get("bozo") and not entries:
        exc = parsed.get("bozo_exception")
        kind = "encoding" if "encoding" in type(exc).__name__.lower() else "malformed-xml"
        raise FeedError(feed, kind, f"{type(exc).__name__}: {exc}")
    if not parsed.get("version") and not entries:
        raise FeedError(feed, "not-a-feed", "no RSS or Atom document found")
    return [
        Entry(
            link=e.get("link"),
            title=e.get("title", "") or "",
            html=_html(e),
            published=_when(e),
            guid=e.get("id"),
            tags=[t.get("term", "") for t in e.get("tags", []) if t.get("term")],
        )
        for e in entries[:max_entries]
    ]
