"""The incident tracker: the ``alert`` worker's handler over ``articles.enriched``.

Per batch: find incidents that already hold the batch's articles (re-delivery changes nothing),
look up candidate incidents in the search index (type group + geo distance + date range), cluster
with the pure functions of :mod:`pipeline.alert.incidents`, decide alerts with
:mod:`pipeline.alert.rules`, then persist in this order: (1) alert ledger, (2) incidents (index +
archive), (3) article → incident links; publish incidents to Kafka; hand alerts to the dispatcher.

Recording alerts before incidents means a crash in between re-decides the same alerts (same ids,
already in the ledger: nothing is sent twice) instead of losing them.

Article links: each article document has one writer, the index worker. The tracker writes its own
link documents (``_id`` = article id, ``incident_id``) to the links index, in the same bulk as the
incidents; search joins them onto article hits at query time, so a re-index never erases a link.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from pipeline.alert.delivery import Dispatcher, Ledger, ledger_document
from pipeline.alert.incidents import ArticleView, ClusterConfig, apply_article, best_match, type_group, view
from pipeline.alert.message import build_alert
from pipeline.alert.rules import (HUMAN_SINK_TYPES, AlertsConfig, Decision, alert_id, evaluate, quiet_until,
                                  spike_decision)
from pipeline.index.archive import Archive
from pipeline.index.setup import alias_name
from pipeline.schemas import Alert, EnrichedArticle, Incident, SchemaError, dump, load, utcnow
from pipeline.settings import Settings
from pipeline.stream import BatchResult, Output, RetryableError

log = logging.getLogger(__name__)


def link_document(article_id: str, incident_id: str, now: datetime) -> dict[str, Any]:
    """The links-index document saying which incident an article belongs to."""
    return {"id": article_id, "article_id": article_id, "incident_id": incident_id, "linked_at": now.isoformat()}


def incident_document(inc: Incident) -> dict[str, Any]:
    """The search document of an incident: the model plus ``incident_id`` and a ``geo`` point."""
    doc = inc.model_dump(mode="json")
    doc["incident_id"] = inc.id
    loc = inc.location
    doc["geo"] = {"lat": loc.lat, "lon": loc.lon} if loc and loc.lat is not None and loc.lon is not None else None
    return doc


def candidate_query(a: ArticleView, cfg: ClusterConfig, s: Settings, now: datetime) -> dict[str, Any]:
    """Search query for incidents the article could belong to (the pure gates re-check them)."""
    art = a.article
    filters: list[dict[str, Any]] = [
        {"terms": {"event_type": sorted(type_group(art.event_type))}},
        {"range": {"last_updated": {"gte": (now - timedelta(days=s.incident_lookback_days)).isoformat()}}},
    ]
    if a.day:
        lo, hi = a.day - timedelta(days=cfg.date_window_days), a.day + timedelta(days=cfg.date_window_days)
        filters.append({"range": {"event_date": {"gte": lo.isoformat(), "lte": hi.isoformat()}}})
    loc = art.location
    if loc and loc.country_code:
        filters.append({"term": {"countries": loc.country_code}})
    if loc and loc.precision == "city" and loc.lat is not None and loc.lon is not None:
        near = [{"geo_distance": {"distance": f"{cfg.max_distance_km}km", "geo": {"lat": loc.lat, "lon": loc.lon}}},
                {"terms": {"location.precision": ["admin1", "country"]}}]
        filters.append({"bool": {"should": near, "minimum_should_match": 1}})
    elif loc and loc.precision == "admin1" and loc.admin1:
        filters.append({"term": {"location.admin1": loc.admin1}})
    return {"bool": {"filter": filters}}


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
                 dispatcher: Dispatcher, archive: Archive | None, links_archive: Archive | None = None) -> None:
        self.es = es
        self.s = s
        self.config = config
        self.cfg = ClusterConfig.from_settings(s)
        self.ledger = ledger
        self.dispatcher = dispatcher
        self.archive = archive
        self.links_archive = links_archive
        self.alias = alias_name("incidents", s)
        self.links_alias = alias_name("links", s)

    # -- lookups
    def _holding(self, article_ids: list[str]) -> dict[str, Incident]:
        """Incidents that already contain any of ``article_ids``, by article id."""
        if not article_ids:
            return {}
        resp = _es_call("incident lookup", self.es.search, index=self.alias,
                        query={"terms": {"article_ids": article_ids}}, size=len(article_ids))
        out: dict[str, Incident] = {}
        for hit in resp["hits"]["hits"]:
            inc = Incident.model_validate(hit["_source"])
            for a in inc.article_ids:
                out[a] = inc
        return out

    def _candidates(self, a: ArticleView, now: datetime) -> list[Incident]:
        resp = _es_call("candidate search", self.es.search, index=self.alias,
                        query=candidate_query(a, self.cfg, self.s, now), size=self.s.incident_max_candidates,
                        sort=[{"last_updated": "desc"}])
        return [Incident.model_validate(h["_source"]) for h in resp["hits"]["hits"]]

    def _recent_for_spike(self, now: datetime) -> list[Incident]:
        windows = [r.triggers.spike.window_s for r in self.config.active_rules if r.triggers.spike]
        if not windows:
            return []
        since = (now - timedelta(seconds=max(windows))).isoformat()
        resp = _es_call("spike lookup", self.es.search, index=self.alias,
                        query={"range": {"first_seen": {"gte": since}}}, size=10_000)
        return [Incident.model_validate(h["_source"]) for h in resp["hits"]["hits"]]

    # -- decisions
    def _decide(self, inc: Incident, now: datetime) -> list[tuple[Decision, Incident]]:
        decisions = []
        for rule in self.config.active_rules:
            decision, state = evaluate(rule, inc, now)
            if state is not None:
                inc.alert_state[rule.name] = state
            if decision is not None:
                decisions.append((decision, inc))
        return decisions

    def _spikes(self, new_incidents: list[Incident], batch: dict[str, Incident], now: datetime) -> list[Alert]:
        rules = [r for r in self.config.active_rules if r.triggers.spike]
        if not rules or not new_incidents:
            return []
        recent = {i.id: i for i in self._recent_for_spike(now)}
        recent.update(batch)
        alerts = []
        for rule in rules:
            decision = spike_decision(rule, list(recent.values()), now)
            if decision is None:
                continue
            newest = max(new_incidents, key=lambda i: i.first_seen)
            related = sorted(i.id for i in recent.values() if i.first_seen >= now - timedelta(seconds=rule.triggers.spike.window_s))
            alert = build_alert(rule, newest, decision, now, newest.article_ids[-1] if newest.article_ids else None,
                                related)
            alert.id = alert_id(rule.name, "spike", decision.key)
            alerts.append(alert)
        return alerts

    def _ledger_docs(self, alerts: list[Alert], now: datetime) -> list[dict[str, Any]]:
        docs = []
        for alert in alerts:
            rule = self.config.rule(alert.rule)
            sinks = self.config.sinks_of(rule)
            quiet = quiet_until(rule.quiet_hours, now)
            not_before = {n: quiet for n in sinks if quiet and self.config.sinks[n].type in HUMAN_SINK_TYPES}
            docs.append(ledger_document(alert, sinks, not_before))
        return docs

    # -- the handler
    def handle(self, records: Sequence[Any]) -> BatchResult:
        """Cluster a batch of enriched articles, persist incidents and alerts, queue deliveries."""
        result = BatchResult()
        now = utcnow()
        articles: list[EnrichedArticle] = []
        for record in records:
            try:
                articles.append(load(EnrichedArticle, record.value))
            except SchemaError as exc:
                result.failures.append((record, str(exc)))
        articles = sorted((a for a in {a.id: a for a in articles}.values() if a.event_type),
                          key=lambda a: (a.published_at or a.fetched_at, a.id))
        holding = self._holding([a.id for a in articles])
        changed: dict[str, Incident] = {}
        links: dict[str, str] = {}
        decided: list[tuple[Decision, Incident, str]] = []
        new_incidents: list[Incident] = []
        for art in articles:
            if art.id in holding:
                links[art.id] = holding[art.id].id
                continue
            a = view(art, self.cfg)
            fresh = {i.id: i for i in self._candidates(a, now)}
            fresh.update(changed)
            match = best_match(a, list(fresh.values()), self.cfg)
            inc = apply_article(match, a, now, self.cfg)
            if match is None:
                new_incidents.append(inc)
            decided += [(d, i.model_copy(deep=True), art.id) for d, i in self._decide(inc, now)]
            changed[inc.id] = inc
            links[art.id] = inc.id
        alerts = [build_alert(self.config.rule(d.rule), snap, d, now, art_id) for d, snap, art_id in decided]
        alerts += self._spikes(new_incidents, changed, now)
        alerts = list({a.id: a for a in alerts}.values())
        known = self.ledger.known([a.id for a in alerts])
        docs = self._ledger_docs([a for a in alerts if a.id not in known], now)
        self.ledger.record(docs)
        self._save(list(changed.values()), links, now)
        for inc in changed.values():
            result.outputs.append(Output(self.s.topic_incidents, inc.id, dump(inc)))
        for doc in docs:
            self.dispatcher.submit(doc)
        return result

    def _save(self, incidents: list[Incident], links: dict[str, str], now: datetime) -> None:
        """Write incidents and article links (archive first, then one bulk into both indices)."""
        if not incidents and not links:
            return
        docs = [incident_document(i) for i in incidents]
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
        resp = _es_call("incident write", self.es.bulk, operations=ops, refresh=True)
        if resp.get("errors"):
            bad = [i for i in resp["items"] if next(iter(i.values())).get("status", 500) >= 300]
            raise RetryableError(f"incident write rejected: {bad[:1]}")
