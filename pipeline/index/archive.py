"""Append-only archive of indexed documents on local disk.

The embedded search server keeps everything in memory. Each indexer appends what it indexed to
JSON-lines files under ``<data_dir>/archive/<kind>/``; at start-up :func:`replay` fills a fresh
server from them (the last version of each id wins), so a restart loses nothing.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers

from pipeline.search import FACET_KEYS_FIELD, facet_keys
from pipeline.settings import Settings, get_settings

log = logging.getLogger(__name__)


class Archive:
    """JSON-lines archive for one kind of document (``articles``, ``incidents``, ...)."""

    def __init__(self, kind: str, s: Settings | None = None) -> None:
        self.s = s or get_settings()
        self.kind = kind
        self.dir = self.s.archive_dir / kind

    def append(self, docs: Iterable[dict[str, Any]]) -> int:
        """Append documents (each with an ``id``) durably (flock + fsync); return how many."""
        lines = [json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n" for d in docs]
        if not lines:
            return 0
        self.dir.mkdir(parents=True, exist_ok=True)
        day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        path = self.dir / f"{self.kind}-{day}.jsonl"
        data = "".join(lines).encode("utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return len(lines)

    def files(self) -> list[Path]:
        """Archive files, oldest first."""
        return sorted(self.dir.glob(f"{self.kind}-*.jsonl")) if self.dir.is_dir() else []

    def read(self) -> Iterator[dict[str, Any]]:
        """Every archived document, in write order; a torn last line (crash mid-write) is skipped."""
        for path in self.files():
            with path.open(encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        log.warning("archive %s:%d is not valid JSON; skipped", path, n)

    def latest(self) -> dict[str, dict[str, Any]]:
        """The last archived version of each document id."""
        return {doc["id"]: doc for doc in self.read() if "id" in doc}


def replay(es: Elasticsearch, archive: Archive, index: str, chunk_size: int = 500) -> int:
    """Bulk-index the archive's latest documents into ``index``; return how many. Articles get their
    ``facet_keys`` computed again, so documents archived by an older version gain new facets."""
    docs = archive.latest()
    if not docs:
        return 0
    if archive.kind == "articles":
        for doc in docs.values():
            doc[FACET_KEYS_FIELD] = facet_keys(doc)
    actions = ({"_index": index, "_id": doc_id, "_source": doc} for doc_id, doc in docs.items())
    ok, errors = helpers.bulk(es, actions, chunk_size=chunk_size, raise_on_error=False, refresh="wait_for")
    if errors:
        log.warning("replay of %s: %d documents failed, first: %s", archive.kind, len(errors), errors[0])
    log.info("replayed %d %s from %s", ok, archive.kind, archive.dir)
    return ok
