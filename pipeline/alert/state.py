"""The alert stage's incident state: local, per input partition, backed by a changelog topic.

``articles.enriched`` is keyed by a region key (:func:`pipeline.schemas.region_key`), and clustering
never matches across countries, so every incident lives in exactly one partition of that topic.
Each alert worker holds the open incidents of the partitions it is assigned, in memory, and every
change is produced to the compacted topic ``<incidents>.changelog`` *in the same partition number*
as the input record, before the input offsets are committed (as faust tables do). A worker that is
assigned a partition rebuilds its state by reading that changelog partition from the beginning up
to a marker record it produced itself: Kafka orders a partition, so everything written before the
marker has been read when the marker is (no reliance on reported end offsets).

The same changelog holds the state of the aggregate rules per group (realert times and exponents,
new_term seen-sets), one :class:`~pipeline.schemas.RuleKeyState` record per rule and group, key
``__rule__|<rule>|<group>``: the group starts with the country, so it lives in the one partition
that holds that country's incidents, and it is restored with them. The records are also archived
(``rulestate``) so the embedded launcher can re-produce them after a broker loss
(:func:`recover_rule_state`), as it does for incidents.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from pipeline import bus
from pipeline.alert.incidents import ArticleView, ClusterConfig, type_group
from pipeline.index.archive import Archive
from pipeline.schemas import Incident, RuleKeyState, SchemaError, dump, load, utcnow
from pipeline.settings import Settings
from pipeline.stream import RetryableError

log = logging.getLogger(__name__)

MARKER_KEY = "__restore_marker__"
RULE_PREFIX = "__rule__|"


def rule_state_key(name: str, group: str) -> str:
    """Changelog key of a rule's state for one group."""
    return f"{RULE_PREFIX}{name}|{group}"


def changelog_topic(s: Settings) -> str:
    """The compacted topic holding the alert stage's incident state."""
    return f"{s.topic_incidents}.changelog"


class PartitionState:
    """The open incidents of one input partition and the index article id → incident id."""

    def __init__(self, partition: int) -> None:
        self.partition = partition
        self.incidents: dict[str, Incident] = {}
        self.articles: dict[str, str] = {}
        self.rules: dict[str, RuleKeyState] = {}

    def rule_state(self, name: str, group: str) -> RuleKeyState | None:
        """The state of rule ``name`` (a state name, see the tracker) for ``group``."""
        return self.rules.get(rule_state_key(name, group))

    def put_rule(self, state: RuleKeyState) -> None:
        """Add or replace a rule's group state."""
        self.rules[rule_state_key(state.rule, state.key)] = state

    def put(self, inc: Incident) -> None:
        """Add or replace an incident (and index its articles)."""
        self.incidents[inc.id] = inc
        for art_id in inc.article_ids:
            self.articles[art_id] = inc.id

    def holding(self, article_id: str) -> Incident | None:
        """The incident that already contains ``article_id``."""
        inc_id = self.articles.get(article_id)
        return self.incidents.get(inc_id) if inc_id else None

    def candidates(self, a: ArticleView, cfg: ClusterConfig, s: Settings, now: datetime) -> list[Incident]:
        """Incidents the article could belong to, newest first (the pure gates re-check them)."""
        art = a.article
        group = type_group(art.event_type)
        since = now - timedelta(days=s.incident_lookback_days)
        country = art.location.country_code if art.location else None
        out = []
        for inc in self.incidents.values():
            if inc.event_type not in group or inc.last_updated < since:
                continue
            if a.day:
                if not inc.event_date:
                    continue
                if abs((datetime.fromisoformat(inc.event_date).date() - a.day).days) > cfg.date_window_days:
                    continue
            if country and country not in inc.countries:
                continue
            out.append(inc)
        out.sort(key=lambda i: i.last_updated, reverse=True)
        return out[: s.incident_max_candidates]

    def first_seen_since(self, since: datetime) -> list[Incident]:
        """Incidents first seen at or after ``since``."""
        return [i for i in self.incidents.values() if i.first_seen >= since]

    def evict(self, before: datetime) -> int:
        """Forget incidents not updated since ``before`` (closed to new articles); return how many."""
        old = [i for i in self.incidents.values() if i.last_updated < before]
        for inc in old:
            del self.incidents[inc.id]
            for art_id in inc.article_ids:
                if self.articles.get(art_id) == inc.id:
                    del self.articles[art_id]
        return len(old)


class IncidentState:
    """Changelog-backed :class:`PartitionState` for each assigned partition."""

    def __init__(self, s: Settings) -> None:
        self.s = s
        self.topic = changelog_topic(s)
        self.partitions: dict[int, PartitionState] = {}
        self._producer: Any = None

    def get(self, partition: int) -> tuple[PartitionState, bool]:
        """The state of ``partition``, restored from the changelog first if this worker lacks it;
        the flag says whether it was restored now. Raises :class:`RetryableError` on a broker outage."""
        state = self.partitions.get(partition)
        if state is not None:
            return state, False
        state = self._restore(partition)
        self.partitions[partition] = state
        return state, True

    def drop(self, partitions: list[int]) -> None:
        """Forget the state of partitions this worker no longer owns."""
        for p in partitions:
            self.partitions.pop(p, None)

    def _restore(self, partition: int) -> PartitionState:
        started = time.monotonic()
        marker = uuid.uuid4().hex
        tp = TopicPartition(self.topic, partition)
        try:
            if self._producer is None:
                self._producer = bus.make_producer(self.s)
            bus.send(self._producer, self.topic, MARKER_KEY, json.dumps({"marker": marker}).encode(), self.s,
                     partition=partition).get(timeout=self.s.kafka_request_timeout_ms / 1000)
            consumer = KafkaConsumer(**bus.client_config(self.s), group_id=None, enable_auto_commit=False,
                                     fetch_max_bytes=max(self.s.kafka_max_message_bytes * 2, 52_428_800),
                                     max_partition_fetch_bytes=self.s.kafka_max_message_bytes + 10_000)
        except KafkaError as exc:
            raise RetryableError(f"incident changelog {self.topic}[{partition}]: {exc}") from exc
        state = PartitionState(partition)
        found = False
        n = 0
        try:
            consumer.assign([tp])
            consumer.seek_to_beginning(tp)
            deadline = started + self.s.alert_restore_timeout_s
            while not found and time.monotonic() < deadline:
                for rec in consumer.poll(timeout_ms=500).get(tp, []):
                    if rec.key == MARKER_KEY.encode():
                        found = found or json.loads(rec.value).get("marker") == marker
                        continue
                    try:
                        if rec.key is not None and rec.key.startswith(RULE_PREFIX.encode()):
                            state.put_rule(load(RuleKeyState, rec.value))
                        else:
                            state.put(load(Incident, rec.value))
                        n += 1
                    except SchemaError as exc:
                        log.error("incident changelog %s[%s]@%s unreadable: %s", self.topic, partition, rec.offset, exc)
        finally:
            consumer.close()
        if not found:
            raise RetryableError(f"incident changelog {self.topic}[{partition}] not read to its end within "
                                 f"{self.s.alert_restore_timeout_s}s (RADAR_ALERT_RESTORE_TIMEOUT_S)")
        evicted = state.evict(utcnow() - timedelta(days=self.s.incident_lookback_days))
        log.info("incident state of partition %d restored: %d changelog record(s), %d open incident(s), "
                 "%d closed, %d rule group(s), in %.1fs", partition, n, len(state.incidents), evicted,
                 len(state.rules), time.monotonic() - started)
        return state

    def close(self) -> None:
        """Close the marker producer."""
        if self._producer is not None:
            self._producer.close(timeout=self.s.worker_shutdown_grace_s)
            self._producer = None


def rule_state_document(state: RuleKeyState) -> dict[str, Any]:
    """The ``rulestate`` archive record of a rule group's state (``id`` = changelog key)."""
    return {"id": rule_state_key(state.rule, state.key), **state.model_dump(mode="json")}


def republish_changelog(s: Settings, kind: str, model: type[Incident] | type[RuleKeyState]) -> int:
    """Re-produce the latest archived ``kind`` records (``incidents`` or ``rulestate``, lost with the
    memory-only broker) to the changelog partition each was kept in; return how many."""
    from pipeline.alert.worker import ensure_alert_topics

    docs = [d for d in Archive(kind, s).latest().values() if d.get("partition") is not None]
    if not docs:
        return 0
    ensure_alert_topics(s)
    topic = changelog_topic(s)
    producer = bus.make_producer(s)
    try:
        futures = [bus.send(producer, topic, d["id"], dump(model.model_validate(d)), s, d["partition"])
                   for d in docs]
        producer.flush(timeout=s.kafka_request_timeout_ms / 1000)
        for fut in futures:
            fut.get(timeout=s.kafka_request_timeout_ms / 1000)
    finally:
        producer.close()
    log.info("re-produced %d %s record(s) to %s from the archive", len(docs), kind, topic)
    return len(docs)


def recover_rule_state(s: Settings) -> int:
    """Re-produce the aggregate rules' state records from the ``rulestate`` archive (see
    :func:`republish_changelog`). For the embedded launcher, next to its incident recovery."""
    return republish_changelog(s, "rulestate", RuleKeyState)
