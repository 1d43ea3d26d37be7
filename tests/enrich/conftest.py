"""Fixtures for enricher tests: one process-wide enricher and a helper to build articles."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pipeline.enrich import Enricher, get_enricher
from pipeline.schemas import RawArticle


@pytest.fixture(scope="session")
def enricher() -> Enricher:
    """The shared enricher (spaCy and the gazetteer load once for the session)."""
    return get_enricher()


def article(title: str, body: str = "", published: str | None = "2026-03-24T10:00:00Z", **kw) -> RawArticle:  # noqa: ANN003
    """A RawArticle for tests; ``published`` is an ISO timestamp or None."""
    pub = datetime.fromisoformat(published.replace("Z", "+00:00")) if published else None
    return RawArticle(id=kw.pop("id", "t-1"), title=title, body=body, published_at=pub, **kw)


UTC = timezone.utc
