"""Durable alert silences, seen by every alert worker: one document per silence in the search index
``<prefix>-silences`` (``_id`` = rule or ``rule|key``), written by ``radar alerts silence`` with a
refresh (a rare operator action) and archived (``silences``) so the embedded launcher can re-fill a
fresh search server. Alert workers re-read the active ones at most every
``alert_silence_refresh_s`` (one small search, never one per article); unsilencing writes ``until``
= now, so the append-only archive's last version stays the truth.

Why the index and not a compacted topic: every worker and the CLI already talk to it, a worker
needs no extra consumer that reads a topic to its end, and the operator's silences are listed
with the alerts they hold back.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from elasticsearch import ApiError, Elasticsearch, TransportError

from pipeline.index.archive import Archive
from pipeline.index.setup import alias_name
from pipeline.schemas import Silence, utcnow
from pipeline.settings import Settings

log = logging.getLogger(__name__)


def silence_id(rule: str, key: str | None) -> str:
    """Document id of the silence of ``rule`` (for ``key`` only, when given)."""
    return f"{rule}|{key}" if key else rule


class Silences:
    """The silences index, with a cached view of the active silences."""

    def __init__(self, es: Elasticsearch, s: Settings, archive: Archive | None = None) -> None:
        self.es = es
        self.s = s
        self.alias = alias_name("silences", s)
        self.archive = archive
        self._cache: list[Silence] = []
        self._read_at: float | None = None

    def put(self, rule: str, duration_s: float, key: str | None = None, reason: str = "",
            now: datetime | None = None) -> Silence:
        """Silence ``rule`` (for ``key``) for ``duration_s`` from ``now``; 0 lifts the silence."""
        now = now or utcnow()
        silence = Silence(id=silence_id(rule, key), rule=rule, key=key, until=now + timedelta(seconds=duration_s),
                          created_at=now, reason=reason)
        doc = silence.model_dump(mode="json")
        if self.archive is not None:
            self.archive.append([doc])
        self.es.index(index=self.alias, id=silence.id, document=doc, refresh=True)
        self._read_at = None
        return silence

    def all(self) -> list[Silence]:
        """Every silence document (lifted and expired ones too), newest first."""
        resp = self.es.search(index=self.alias, query={"match_all": {}}, size=1_000, sort=[{"created_at": "desc"}])
        return [Silence.model_validate(h["_source"]) for h in resp["hits"]["hits"]]

    def active(self, now: datetime | None = None) -> list[Silence]:
        """Silences in force at ``now``, re-read at most every ``alert_silence_refresh_s``; when the
        search server does not answer, the last ones read (logged)."""
        now = now or utcnow()
        if self._read_at is None or time.monotonic() - self._read_at >= self.s.alert_silence_refresh_s:
            try:
                resp = self.es.search(index=self.alias, query={"range": {"until": {"gt": now.isoformat()}}},
                                      size=1_000)
                self._cache = [Silence.model_validate(h["_source"]) for h in resp["hits"]["hits"]]
                self._read_at = time.monotonic()
            except (TransportError, ApiError) as exc:
                log.warning("silences not re-read (%s); using the %d read before", exc, len(self._cache))
        return [x for x in self._cache if x.until > now]
