"""The fetch ledger: what the fetch stage did with each feed entry, durable on local disk (SQLite).

* A re-delivered entry whose page was fetched is never fetched again: if its result was already
  published it is skipped, otherwise the stored result is published (a crash between fetching and
  publishing loses nothing and costs no second request).
* Canonical URLs are claimed by the first entry that reaches them: a story that arrives with two URLs
  but one canonical URL is one article.

SQLite in WAL mode serves several fetch processes on one host (docker-compose shares the data volume).
"""

from __future__ import annotations

import sqlite3
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from pipeline.settings import Settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
  entry_id TEXT PRIMARY KEY, status TEXT NOT NULL, article_id TEXT, result BLOB,
  published INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS canonical (url TEXT PRIMARY KEY, article_id TEXT NOT NULL, updated REAL NOT NULL);
"""


def fetch_ledger_path(s: Settings) -> Path:
    """Where the fetch ledger lives (shared by the fetch workers of one data directory)."""
    return s.data_dir / "fetch" / "ledger.sqlite3"


@dataclass
class LedgerEntry:
    """One entry's outcome: ``status`` is article, feed (teaser fallback) or duplicate."""

    status: str
    article_id: str | None
    result: bytes | None
    published: bool


class FetchLedger:
    """Durable per-entry outcomes and canonical-URL claims (one connection per process)."""

    def __init__(self, path: Path, retention_days: int = 30) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        cutoff = time.time() - retention_days * 86_400
        self.db.execute("DELETE FROM entries WHERE updated < ?", (cutoff,))
        self.db.execute("DELETE FROM canonical WHERE updated < ?", (cutoff,))

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def get(self, entry_id: str) -> LedgerEntry | None:
        """The recorded outcome of ``entry_id``, if any."""
        row = self.db.execute("SELECT status, article_id, result, published FROM entries WHERE entry_id = ?",
                              (entry_id,)).fetchone()
        if row is None:
            return None
        return LedgerEntry(row[0], row[1], zlib.decompress(row[2]) if row[2] else None, bool(row[3]))

    def claim(self, urls: list[str], article_id: str) -> str:
        """Claim canonical ``urls`` for ``article_id``; return the id that owns the first one already
        claimed (an earlier entry of the same story), else ``article_id``."""
        now = time.time()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for url in urls:
                row = self.db.execute("SELECT article_id FROM canonical WHERE url = ?", (url,)).fetchone()
                if row is not None and row[0] != article_id:
                    return str(row[0])
            for url in urls:
                self.db.execute("INSERT OR IGNORE INTO canonical (url, article_id, updated) VALUES (?, ?, ?)",
                                (url, article_id, now))
            return article_id
        finally:
            self.db.execute("COMMIT")

    def record(self, entry_id: str, status: str, article_id: str | None, result: bytes | None,
               published: bool = False) -> None:
        """Store an entry's outcome (and the message to publish) before it is published."""
        self.db.execute(
            "INSERT OR REPLACE INTO entries (entry_id, status, article_id, result, published, updated)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (entry_id, status, article_id, zlib.compress(result) if result else None, int(published), time.time()))

    def mark_published(self, entry_ids: list[str]) -> None:
        """Record that the results of ``entry_ids`` were acknowledged by Kafka and committed."""
        self.db.executemany("UPDATE entries SET published = 1 WHERE entry_id = ?", [(e,) for e in entry_ids])

    def mark_unpublished(self, entry_ids: list[str]) -> None:
        """Make the stored results of ``entry_ids`` publish again on their next delivery (the embedded
        broker lost them after they were published), without fetching the pages again."""
        self.db.executemany("UPDATE entries SET published = 0 WHERE entry_id = ? AND result IS NOT NULL",
                            [(e,) for e in entry_ids])
