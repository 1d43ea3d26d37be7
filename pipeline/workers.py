"""The pipeline's workers, each a handler (plain function, testable without a broker) run by
:class:`pipeline.stream.StreamWorker` in its own consumer group."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from pipeline.index.archive import Archive
from pipeline.index.client import make_client
from pipeline.index.indexer import make_index_handler
from pipeline.index.setup import setup_indices, wait_for_search
from pipeline.schemas import RawArticle, SchemaError, dump, load, region_key
from pipeline.settings import Settings, get_settings
from pipeline.stream import BatchResult, Handler, Output, StreamWorker

log = logging.getLogger(__name__)

def make_enrich_handler(s: Settings) -> Handler:
    """Handler for ``articles.raw`` → ``articles.enriched`` (keyed by region, see
    :func:`~pipeline.schemas.region_key`); invalid or failing articles go to the DLQ."""
    from pipeline.enrich import get_enricher

    enricher = get_enricher()

    def handle(records: Sequence[Any]) -> BatchResult:
        result = BatchResult()
        valid: list[tuple[Any, RawArticle]] = []
        for record in records:
            try:
                valid.append((record, load(RawArticle, record.value)))
            except SchemaError as exc:
                result.failures.append((record, str(exc)))
        enriched = list(enricher.pipe([raw for _, raw in valid]))
        for (record, raw), doc in zip(valid, enriched, strict=True):
            data = dump(doc)
            if len(data) > s.kafka_max_message_bytes:
                result.failures.append((record, f"enriched article is {len(data)} bytes > limit "
                                                f"{s.kafka_max_message_bytes} (RADAR_KAFKA_MAX_MESSAGE_BYTES)"))
            else:
                result.outputs.append(Output(s.topic_enriched, region_key(doc), data, record))
        return result

    return handle


def enrich_worker(s: Settings | None = None) -> StreamWorker:
    """The enrich worker (consumer group ``enrich``)."""
    s = s or get_settings()
    return StreamWorker("enrich", s.consumer_group("enrich"), [s.topic_raw], make_enrich_handler(s), s)


def index_worker(s: Settings | None = None) -> StreamWorker:
    """The index worker (consumer group ``index``): bulk into the articles alias, then archive."""
    s = s or get_settings()
    es = make_client(s)
    wait_for_search(es, s.startup_timeout_s)
    setup_indices(es, s)
    archive = Archive("articles", s) if s.archive_enabled else None
    return StreamWorker("index", s.consumer_group("index"), [s.topic_enriched],
                        make_index_handler(es, s.articles_alias, archive), s)


def alert_worker(s: Settings | None = None) -> StreamWorker:
    """The incident tracker and alerter (consumer group ``alert``)."""
    from pipeline.alert.worker import alert_worker as build

    return build(s or get_settings())


def fetch_worker(s: Settings | None = None) -> StreamWorker:
    """The article fetcher (consumer group ``fetch``): feed entries → full text → ``articles.raw``."""
    from pipeline.fetch.worker import fetch_worker as build

    return build(s or get_settings())


WORKERS = {"fetch": fetch_worker, "enrich": enrich_worker, "index": index_worker, "alert": alert_worker}
