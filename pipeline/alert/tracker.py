"""The incident tracker: the ``alert`` worker's handler over ``articles.enriched``.

Per batch: find incidents that already hold the batch's articles (re-delivery changes nothing),
look up candidate incidents in the search index (type group + geo distance + date range), cluster
with the pure functions of :mod:`pipeline.alert.incidents`, decide alerts with
:mod:`pipeline.alert.rules`, then persist in this order: (1) alert ledger, (2) incidents (index +
archive), (3) article → incident links; publish incidents to Kafka; hand alerts to the dispatcher.

Recording alerts before incidents means a crash in between re-decides the same alerts (same ids,
already in the ledger: nothing is sent twice) instead of losing them.

Article links: the index worker writes article documents from the same topic in its own group, so
an article may not be searchable yet. A partial update of a missing article fails (no upsert: an
upserted stub would be overwritten by the index worker's full document anyway); those links are
retried by :class:`ArticleLinker` and, after a restart, re-applied from recent incidents (the
incident's ``article_ids`` is the source of truth).
"""

from __future__ import annotations

import logging
import threading
import time
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


class ArticleLinker:
    """Sets ``incident_id`` on article documents; retries articles not indexed yet, in a thread."""

    def __init__(self, es: Elasticsearch, s: Settings) -> None:
        self.es = es
        self.s = s
        self.alias = s.articles_alias
        self._pending: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="article-linker", daemon=True)

    def start(self) -> None:
        """Start the retry thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the retry thread (links still pending are re-applied by :meth:`relink_recent` next start)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.s.worker_shutdown_grace_s)

    def link(self, links: dict[str, str]) -> list[str]:
        """Partial-update ``article_id → incident_id``; return the ids not indexed yet (queued for retry)."""
        if not links:
            return []
        ops: list[dict[str, Any]] = []
        for art_id, inc_id in links.items():
            ops += [{"update": {"_index": self.alias, "_id": art_id}}, {"doc": {"incident_id": inc_id}}]
        try:
            resp = self.es.bulk(operations=ops)
        except (TransportError, ApiError) as exc:
            log.warning("article links failed (%s); will retry", exc)
            missing = list(links)
        else:
            missing = [next(iter(item.values()))["_id"] for item in resp.get("items", [])
                       if next(iter(item.values())).get("status", 500) >= 300]
        now = time.monotonic()
        with self._lock:
            for art_id in links:
                if art_id not in missing:
                    self._pending.pop(art_id, None)
            for art_id in missing:
                first = self._pending.get(art_id, (links[art_id], now))[1]
                self._pending[art_id] = (links[art_id], first)
        return missing

    def pending(self) -> dict[str, str]:
        """Links still waiting for their article to be indexed."""
        with self._lock:
            return {k: v for k, (v, _) in self._pending.items()}

    def _loop(self) -> None:
        while not self._stop.wait(self.s.alert_article_link_retry_s):
            now = time.monotonic()
            with self._lock:
                expired = [k for k, (_, t) in self._pending.items() if now - t > self.s.alert_article_link_max_age_s]
                for k in expired:
                    log.warning("article %s never became searchable; incident link dropped", k)
                    self._pending.pop(k)
                todo = {k: v for k, (v, _) in self._pending.items()}
            if todo:
                self.link(todo)

    def relink_recent(self, incidents_alias: str) -> int:
        """Re-apply links of incidents updated in the last ``alert_relink_window_days`` whose articles
        lack them (after a restart or an archive replay); return how many were fixed."""
        since = (utcnow() - timedelta(days=self.s.alert_relink_window_days)).isoformat()
        resp = self.es.search(index=incidents_alias, query={"range": {"last_updated": {"gte": since}}},
                              size=10_000, source=["id", "article_ids"])
        wanted = {a: h["_source"]["id"] for h in resp["hits"]["hits"] for a in h["_source"].get("article_ids", [])}
        fixed = 0
        ids = list(wanted)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            found = self.es.search(index=self.alias, query={"ids": {"values": chunk}}, size=len(chunk),
                                   source=["incident_id"])["hits"]["hits"]
            stale = {h["_id"]: wanted[h["_id"]] for h in found if h["_source"].get("incident_id") != wanted[h["_id"]]}
            missing = set(chunk) - {h["_id"] for h in found}
            self.link({**stale, **{a: wanted[a] for a in missing}})
            fixed += len(stale)
        return fixed


class IncidentTracker:
    """Clusters enriched articles into incidents and decides alerts (the ``alert`` handler)."""

    def __init__(self, es: Elasticsearch, s: Settings, config: AlertsConfig, ledger: Ledger,
                 dispatcher: Dispatcher, linker: ArticleLinker, archive: Archive | None) -> None:
        self.es = es
        self.s = s
        self.config = config
        self.cfg = ClusterConfig.from_settings(s)
        self.ledger = ledger
        self.dispatcher = dispatcher
        self.linker = linker
        self.archive = archive
        self.alias = alias_name("incidents", s)

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
        self._save(list(changed.values()))
        self.linker.link(links)
        for inc in changed.values():
            result.outputs.append(Output(self.s.topic_incidents, inc.id, dump(inc)))
        for doc in docs:
            self.dispatcher.submit(doc)
        return result

    def _save(self, incidents: list[Incident]) -> None:
        if not incidents:
            return
        docs = [incident_document(i) for i in incidents]
        if self.archive is not None:
            self.archive.append(docs)
        ops: list[dict[str, Any]] = []
        for doc in docs:
            ops += [{"index": {"_index": self.alias, "_id": doc["id"]}}, doc]
        resp = _es_call("incident write", self.es.bulk, operations=ops, refresh=True)
        if resp.get("errors"):
            bad = [i for i in resp["items"] if next(iter(i.values())).get("status", 500) >= 300]
            raise RetryableError(f"incident write rejected: {bad[:1]}")
