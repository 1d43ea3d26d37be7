"""Ingestion's own durable seen-set: the ids of articles Kafka acknowledged, in SQLite on local disk.

Ingestion sends an article once, when Kafka (acks=all) has it; from there the pipeline's topics
and consumer groups are responsible for it. It never asks the search index what to send, so a
backlog or a search outage does not make it re-send whole feeds. Ids older than
``ingest_seen_days`` are forgotten (a feed that still lists them would send them once more).

With the embedded broker (``RADAR_EMBEDDED``, memory only), ingestion also journals each sent
article in the ``raw`` archive, so the embedded launcher can re-produce what the articles archive
lacks after a broker restart (:func:`pipeline.stack.recover_raw`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from pipeline.schemas import utcnow
from pipeline.settings import Settings, get_settings


class SeenSet:
    """Ids ingestion already sent (one SQLite file, safe for several feed tasks at once)."""

    def __init__(self, s: Settings | None = None) -> None:
        self.s = s or get_settings()
        self.path: Path = self.s.data_dir / "ingest" / "seen.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=self.s.ingest_seen_lock_timeout_s)
        self._setup()

    def _setup(self) -> None:
        """WAL mode and the table. Two feed tasks opening a new file at once can get "database is
        locked" from the journal-mode switch, which SQLite's busy timeout does not cover: retry it
        until the lock timeout."""
        deadline = time.monotonic() + self.s.ingest_seen_lock_timeout_s
        while True:
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, feed TEXT, sent_at TEXT)")

    def unseen(self, ids: Iterable[str]) -> list[str]:
        """The ids not sent before, in the given order."""
        wanted = list(dict.fromkeys(ids))
        known: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            rows = self.db.execute(f"SELECT id FROM seen WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            known.update(r[0] for r in rows)
        return [i for i in wanted if i not in known]

    def add(self, ids: Iterable[str], feed: str) -> None:
        """Remember ``ids`` as sent (call only after Kafka acknowledged them)."""
        now = utcnow().isoformat()
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", [(i, feed, now) for i in ids])

    def prune(self) -> int:
        """Forget ids sent more than ``ingest_seen_days`` ago; return how many."""
        cutoff = (utcnow() - timedelta(days=self.s.ingest_seen_days)).isoformat()
        with self.db:
            return self.db.execute("DELETE FROM seen WHERE sent_at < ?", (cutoff,)).rowcount

    def close(self) -> None:
        """Close the database."""
        self.db.close()
