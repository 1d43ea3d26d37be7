"""The incident tracker: the ``alert`` worker's handler over ``articles.enriched``.

The input is keyed by region, so each partition holds whole incidents; the tracker keeps them in
changelog-backed local state (:mod:`pipeline.alert.state`) and never reads the search index to
decide. Per batch and partition: skip articles already in an incident (re-delivery changes
nothing), cluster the others against the partition's open incidents with the pure functions of
:mod:`pipeline.alert.incidents`, decide alerts with :mod:`pipeline.alert.rules`, then persist in
this order: (1) alert ledger (``create``: an alert decided before is not created, nor queued,
again), (2) the incidents and article links as projections into the search index (no forced
refresh: nothing here reads them back), (3) the incidents and their changelog records to Kafka,
acknowledged before the input offsets are committed; the local state takes the changes after the
commit, so a batch that backs off is decided again from the same state.

Article links: each article document has one writer, the index worker. The tracker writes its own
link documents (``_id`` = article id, ``incident_id``) to the links index; search joins them onto
article hits at query time, so a re-index never erases a link.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from pipeline.alert.delivery import Dispatcher, Ledger, ledger_document
from pipeline.alert.incidents import ClusterConfig, apply_article, best_match, view
from pipeline.alert.message import build_alert
from pipeline.alert.rules import AlertsConfig, Decision, Rule, evaluate, matches
from pipeline.alert.ruletypes import (after_alert, aggregate, counted_key, query_keys, realert_allows,
                                      silenced)
from pipeline.alert.silences import Silences
from pipeline.alert.state import (IncidentState, PartitionState, changelog_topic, rule_state_document,
                                  rule_state_key)
from pipeline.index.archive import Archive
from pipeline.index.setup import alias_name
from pipeline.schemas import (Alert, EnrichedArticle, Incident, RuleAlertState, RuleKeyState, SchemaError, dump,
                              load, utcnow)
from pipeline.settings import Settings
from pipeline.stream import BatchResult, Output, RetryableError

log = logging.getLogger(__name__)


def link_document(article_id: str, incident_id: str, now: datetime) -> dict[str, Any]:
    """The links-index document saying which incident an article belongs to."""
    return {"id": article_id, "article_id": article_id, "incident_id": incident_id, "linked_at": now.isoformat()}


def incident_document(inc: Incident, partition: int | None = None) -> dict[str, Any]:
    """The search document of an incident: the model plus ``incident_id``, a ``geo`` point and the
    input ``partition`` whose state holds it (to rebuild the changelog after a broker loss)."""
    doc = inc.model_dump(mode="json")
    doc["incident_id"] = inc.id
    doc["partition"] = partition
    loc = inc.location
    doc["geo"] = {"lat": loc.lat, "lon": loc.lon} if loc and loc.lat is not None and loc.lon is not None else None
    return doc


def _es_call(what: str, fn, *args: Any, **kw: Any) -> Any:  # noqa: ANN001 - any client method
    try:
        return fn(*args, **kw)
    except TransportError as exc:
        raise RetryableError(f"{what}: {exc}") from exc
    except ApiError as exc:
        if exc.status_code >= 500 or exc.status_code == 429:
            raise RetryableError(f"{what}: {exc}") from exc
        raise


class IncidentTracker:
    """Clusters enriched articles into incidents and decides alerts (the ``alert`` handler)."""

    def __init__(self, es: Elasticsearch, s: Settings, config: AlertsConfig, ledger: Ledger,
                 dispatcher: Dispatcher, archive: Archive | None, links_archive: Archive | None = None,
                 state: IncidentState | None = None, silences: Silences | None = None,
                 rule_archive: Archive | None = None) -> None:
        self.es = es
        self.s = s
        self.config = config
        self.cfg = ClusterConfig.from_settings(s)
        self.ledger = ledger
        self.dispatcher = dispatcher
        self.archive = archive
        self.links_archive = links_archive
        self.state = state or IncidentState(s)
        self.silences = silences
        self.rule_archive = rule_archive
        self.alias = alias_name("incidents", s)
        self.links_alias = s.links_alias

    def revoked(self, partitions: list[int]) -> None:
        """Partitions moved to another worker: drop their state and queued deliveries."""
        self.state.drop(partitions)
        self.dispatcher.cancel(partitions)

    # -- decisions
    def _decide(self, part: PartitionState, inc: Incident, at: datetime, now: datetime,
                rule_changes: dict[str, RuleKeyState]) -> list[Decision]:
        """Per-incident triggers of ``type: any`` rules (with their realert per query-key group)."""
        decisions = []
        for rule in self.config.active_rules:
            decision, state = evaluate(rule, inc, now)
            if state is not None:
                inc.alert_state[rule.name] = state
            if decision is not None and self._realert_allows(part, rule, inc, at, rule_changes):
                groups = query_keys(rule, inc)
                decisions.append(replace(decision, group=groups[0] if groups else None))
        return decisions

    def _realert_allows(self, part: PartitionState, rule: Rule, inc: Incident, at: datetime,
                        rule_changes: dict[str, RuleKeyState]) -> bool:
        if rule.realert_s <= 0:
            return True
        groups = query_keys(rule, inc)
        states = {g: rule_changes.get(rule_state_key(rule.name, g)) or part.rule_state(rule.name, g) for g in groups}
        if not any(realert_allows(rule, st, at) for st in states.values()):
            return False
        for g, st in states.items():
            after = after_alert(rule, st or RuleKeyState(rule=rule.name, key=g), at)
            rule_changes[rule_state_key(rule.name, g)] = after.model_copy(update={"partition": part.partition})
        return True

    def _aggregates(self, part: PartitionState, inc: Incident, changed: dict[str, Incident],
                    rule_changes: dict[str, RuleKeyState]) -> list[Decision]:
        """Window rules (frequency, spike, cardinality, new_term, legacy triggers.spike) for an incident
        that matches one for the first time: it counts at its first-seen (event) time."""
        decisions = []
        for rule in self.config.active_rules:
            mark = counted_key(rule)
            if not rule.aggregate or mark in inc.alert_state or not matches(rule, inc):
                continue
            inc.alert_state[mark] = RuleAlertState(count=0, last_at=inc.first_seen)
            pool = [i for i in {**part.incidents, **changed, inc.id: inc}.values() if mark in i.alert_state]
            name = rule.name if rule.type != "any" else f"{rule.name}@spike"
            for group in query_keys(rule, inc):
                key = rule_state_key(name, group)
                before = rule_changes.get(key) or part.rule_state(name, group)
                members = [i for i in pool if group in query_keys(rule, i)]
                decision, after = aggregate(rule, group, inc, members, before, self.s.alert_new_term_max_terms)
                after = after.model_copy(update={"rule": name, "partition": part.partition})
                if after != before:
                    rule_changes[key] = after
                if decision is not None:
                    decisions.append(decision)
        return decisions

    def _unsilenced(self, alerts: list[Alert], now: datetime) -> list[Alert]:
        if self.silences is None:
            return alerts
        active = self.silences.active(now)
        kept = []
        for alert in alerts:
            hit = silenced(active, alert.rule, alert.key, now)
            if hit is None:
                kept.append(alert)
            else:
                log.info("alert %s of rule %s not sent: silenced until %s", alert.id, alert.rule, hit.until.isoformat())
        return kept

    def _ledger_docs(self, alerts: list[Alert], now: datetime, partition: int) -> list[dict[str, Any]]:
        docs = []
        for alert in alerts:
            rule = self.config.rule(alert.rule)
            docs.append(ledger_document(alert, self.config.sinks_of(rule), self.config.held_until(rule, now), partition))
        return docs

    # -- the handler
    def handle(self, records: Sequence[Any]) -> BatchResult:
        """Cluster a batch of enriched articles, persist incidents and alerts, queue deliveries."""
        result = BatchResult()
        now = utcnow()
        by_partition: dict[int, list[EnrichedArticle]] = {}
        for record in records:
            try:
                by_partition.setdefault(record.partition, []).append(load(EnrichedArticle, record.value))
            except SchemaError as exc:
                result.failures.append((record, str(exc)))
        changed_all: list[tuple[PartitionState, dict[str, Incident], dict[str, RuleKeyState]]] = []
        links: dict[str, str] = {}
        for partition, articles in sorted(by_partition.items()):
            part, restored = self.state.get(partition)
            if restored:
                self.dispatcher.resume(partition)
            rule_changes: dict[str, RuleKeyState] = {}
            changed = self._cluster(part, articles, now, links, rule_changes)
            changed_all.append((part, changed, rule_changes))
        incidents = [(inc, part.partition) for part, changed, _ in changed_all for inc in changed.values()]
        self._save(incidents, links, now)
        if self.rule_archive is not None:
            self.rule_archive.append([rule_state_document(st) for _, _, rc in changed_all for st in rc.values()])
        changelog = changelog_topic(self.s)
        for part, changed, rule_changes in changed_all:
            for inc in changed.values():
                data = dump(inc)
                result.outputs.append(Output(self.s.topic_incidents, inc.id, data))
                result.outputs.append(Output(changelog, inc.id, data, partition=part.partition))
            for key, st in rule_changes.items():
                result.outputs.append(Output(changelog, key, dump(st), partition=part.partition))
            result.after_commit.append(lambda part=part, changed=changed, rc=rule_changes: (
                [part.put(i) for i in changed.values()], [part.put_rule(st) for st in rc.values()]))
        return result

    def _cluster(self, part: PartitionState, articles: list[EnrichedArticle], now: datetime,
                 links: dict[str, str], rule_changes: dict[str, RuleKeyState]) -> dict[str, Incident]:
        """Cluster one partition's articles; record and queue its alerts; return the changed incidents
        (the changed rule-group states are added to ``rule_changes``)."""
        articles = sorted((a for a in {a.id: a for a in articles}.values() if a.event_type),
                          key=lambda a: (a.published_at or a.fetched_at, a.id))
        changed: dict[str, Incident] = {}
        decided: list[tuple[Decision, Incident, str]] = []
        for art in articles:
            held = part.holding(art.id)
            if held is not None:
                links[art.id] = held.id
                continue
            a = view(art, self.cfg)
            fresh = {i.id: i for i in part.candidates(a, self.cfg, self.s, now)}
            fresh.update(changed)
            match = best_match(a, list(fresh.values()), self.cfg)
            inc = apply_article(match, a, now, self.cfg)
            at = art.published_at or art.fetched_at
            decisions = self._decide(part, inc, at, now, rule_changes) + self._aggregates(part, inc, changed, rule_changes)
            decided += [(d, inc.model_copy(deep=True), art.id) for d in decisions]
            changed[inc.id] = inc
            links[art.id] = inc.id
        alerts = [build_alert(self.config.rule(d.rule), snap, d, now, art_id, list(d.incidents) or None, self.s)
                  for d, snap, art_id in decided]
        alerts = self._unsilenced(list({a.id: a for a in alerts}.values()), now)
        for doc in self.ledger.record(self._ledger_docs(alerts, now, part.partition)):
            self.dispatcher.submit(doc)
        return changed

    def _save(self, incidents: list[tuple[Incident, int]], links: dict[str, str], now: datetime) -> None:
        """Project incidents (with their partition) and article links into the search index (archive
        first, one bulk)."""
        if not incidents and not links:
            return
        docs = [incident_document(i, p) for i, p in incidents]
        link_docs = [link_document(a, i, now) for a, i in links.items()]
        if self.archive is not None:
            self.archive.append(docs)
        if self.links_archive is not None:
            self.links_archive.append(link_docs)
        ops: list[dict[str, Any]] = []
        for doc in docs:
            ops += [{"index": {"_index": self.alias, "_id": doc["id"]}}, doc]
        for doc in link_docs:
            ops += [{"index": {"_index": self.links_alias, "_id": doc["id"]}}, doc]
        resp = _es_call("incident write", self.es.bulk, operations=ops)
        if resp.get("errors"):
            bad = [i for i in resp["items"] if next(iter(i.values())).get("status", 500) >= 300]
            raise RetryableError(f"incident write rejected: {bad[:1]}")
