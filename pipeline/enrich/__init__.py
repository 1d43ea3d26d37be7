"""The enricher package. The pipeline and its API live in :mod:`pipeline.enrich.enricher`.

The names below are re-exported lazily, so importing one rule module (``pipeline.enrich.numbers``)
does not load the whole pipeline.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = ("COMPONENTS", "ENRICHER_VERSION", "Enricher", "build_pipeline", "enrich", "get_enricher", "to_article")


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        from pipeline.enrich import enricher

        return getattr(enricher, name)
    raise AttributeError(f"module 'pipeline.enrich' has no attribute {name!r}")


__all__ = list(_EXPORTS)
