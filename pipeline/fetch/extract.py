"""Main text and metadata of an article page with trafilatura (dates by htmldate)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura
from trafilatura.utils import load_html

_PAYWALL = re.compile(rb'"isAccessibleForFree"\s*:\s*"?false|class="[^"]*paywall', re.I)
_LANG = re.compile(r"^[a-zA-Z]{2,3}")


@dataclass
class Extracted:
    """What the extractor found on a page."""

    text: str
    title: str | None
    date: str | None
    language: str | None
    canonical_url: str | None
    paywall: bool = False


def extract_article(html: bytes, url: str) -> Extracted | None:
    """Main text (boilerplate, navigation, related links, cookie banners, comments removed), title,
    publication date, language (``<html lang>``) and canonical URL (``rel=canonical``/``og:url``);
    None when the page has no parsable HTML."""
    tree = load_html(html)
    if tree is None:
        return None
    lang = _LANG.match((tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip())
    doc = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=False, include_images=False,
        deduplicate=False, date_extraction_params={"extensive_search": False, "original_date": True},
    )
    paywall = bool(_PAYWALL.search(html[:500_000]))
    if doc is None:
        return Extracted("", None, None, lang.group(0).lower() if lang else None, None, paywall)
    text = doc.text or ""
    lines = text.split("\n")
    if doc.title and lines and lines[0].strip() == doc.title.strip():
        text = "\n".join(lines[1:])
    canonical = doc.url if doc.url and doc.url.startswith(("http://", "https://")) else None
    return Extracted(text.strip(), doc.title, doc.date, lang.group(0).lower() if lang else None, canonical, paywall)
