"""The index stage: enriched articles → Elasticsearch (bulk, ``_id`` = article id) → archive."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from pipeline.index.archive import Archive
from pipeline.schemas import EnrichedArticle, SchemaError, load, utcnow
from pipeline.search import facet_keys
from pipeline.stream import BatchResult, RetryableError

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {429, 502, 503, 504}


def search_document(article: EnrichedArticle) -> dict[str, Any]:
    """The document stored in the index: the enriched article plus a ``geo`` point, its ``facet_keys``
    and ``indexed_at``."""
    doc = article.model_dump(mode="json")
    loc = article.location
    doc["geo"] = {"lat": loc.lat, "lon": loc.lon} if loc and loc.lat is not None and loc.lon is not None else None
    doc["facet_keys"] = facet_keys(doc)
    doc["indexed_at"] = utcnow().isoformat()
    return doc


def bulk_index(es: Elasticsearch, index: str, docs: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """Index ``docs`` in one bulk request; return (position, error) of documents rejected for good.

    Raises :class:`RetryableError` when the server is unavailable or throttles.
    """
    if not docs:
        return []
    operations: list[dict[str, Any]] = []
    for doc in docs:
        operations.append({"index": {"_index": index, "_id": doc["id"]}})
        operations.append(doc)
    try:
        resp = es.bulk(operations=operations)
    except TransportError as exc:
        raise RetryableError(f"bulk request failed: {exc}") from exc
    except ApiError as exc:
        if exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500:
            raise RetryableError(f"bulk request failed: {exc}") from exc
        raise
    rejected: list[tuple[int, str]] = []
    retry = False
    for pos, item in enumerate(resp.get("items", [])):
        result = next(iter(item.values()))
        status = int(result.get("status", 500))
        if status >= 300:
            if status in RETRYABLE_STATUS or status >= 500:
                retry = True
            else:
                rejected.append((pos, f"search server rejected document: {result.get('error')}"))
    if retry:
        raise RetryableError("some bulk items were throttled or failed on the server side")
    return rejected


def make_index_handler(es: Elasticsearch, index: str, archive: Archive | None):
    """Handler for the index worker: validate, bulk-index, archive; bad records fail alone."""

    def handle(records: Sequence[Any]) -> BatchResult:
        result = BatchResult()
        latest: dict[str, tuple[Any, dict[str, Any]]] = {}
        for record in records:
            try:
                article = load(EnrichedArticle, record.value)
            except SchemaError as exc:
                result.failures.append((record, str(exc)))
                continue
            latest[article.id] = (record, search_document(article))
        pairs = list(latest.values())
        rejected = bulk_index(es, index, [doc for _, doc in pairs])
        bad = {pos for pos, _ in rejected}
        result.failures.extend((pairs[pos][0], error) for pos, error in rejected)
        if archive is not None:
            archive.append(doc for pos, (_, doc) in enumerate(pairs) if pos not in bad)
        return result

    return handle
