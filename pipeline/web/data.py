"""Reads for the web API: incidents, their articles and alerts, from the search indices named by
settings (the same aliases the alert worker writes and ``radar incidents`` / ``radar alerts`` read)."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from pipeline.index.setup import alias_name
from pipeline.settings import Settings

#: Incident fields the page shows (internal clustering state such as signatures stays out).
INCIDENT_FIELDS = ["id", "status", "version", "event_type", "sub_event_type", "title", "location", "actors",
                   "fatalities", "fatalities_sources", "fatality_reports", "injured", "confidence", "event_date",
                   "first_seen", "last_updated", "n_articles", "n_sources", "sources", "article_ids", "urls",
                   "countries"]
ARTICLE_FIELDS = ["id", "title", "url", "source", "published_at", "fatalities", "injured", "event_type",
                  "sub_event_type", "location", "incident_id"]
ALERT_FIELDS = ["id", "rule", "trigger", "incident_id", "created_at", "sent_at", "headline", "event_type",
                "country_code", "fatalities", "n_sources", "sinks", "pending_sinks", "failed_sinks", "status", "geo"]


def get_incident(es: Elasticsearch, s: Settings, incident_id: str) -> dict[str, Any] | None:
    """The incident document with this id, or None."""
    resp = es.search(index=alias_name("incidents", s), query={"term": {"id": incident_id}}, size=1,
                     source=INCIDENT_FIELDS)
    hits = resp["hits"]["hits"]
    return hits[0]["_source"] if hits else None


def incident_articles(es: Elasticsearch, s: Settings, incident: dict[str, Any]) -> list[dict[str, Any]]:
    """Articles of an incident (by its article ids, and any article linked to it), oldest first."""
    ids = list(incident.get("article_ids") or [])[: s.web_incident_max_articles]
    query = {"bool": {"should": [{"terms": {"id": ids}}, {"term": {"incident_id": incident["id"]}}],
                      "minimum_should_match": 1}}
    resp = es.search(index=s.articles_alias, query=query, size=s.web_incident_max_articles, source=ARTICLE_FIELDS,
                     sort=[{"published_at": {"order": "asc", "missing": "_last"}}, {"id": "asc"}])
    return [h["_source"] for h in resp["hits"]["hits"]]


def fatality_series(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Who reported how many killed when: one point per article with a figure, grouped by source."""
    series: dict[str, list[dict[str, Any]]] = {}
    for a in articles:
        if a.get("fatalities") is not None and a.get("published_at"):
            series.setdefault(a.get("source") or "unknown", []).append(
                {"at": a["published_at"], "fatalities": a["fatalities"], "article_id": a["id"]})
    return [{"source": src, "points": pts} for src, pts in sorted(series.items())]


def alerts(es: Elasticsearch, s: Settings, *, incident_id: str | None = None, after: str | None = None,
           size: int = 50, newest_first: bool = True) -> list[dict[str, Any]]:
    """Alert ledger documents, optionally of one incident or created at/after ``after`` (ISO)."""
    filters: list[dict[str, Any]] = []
    if incident_id:
        filters.append({"term": {"incident_id": incident_id}})
    if after:
        filters.append({"range": {"created_at": {"gte": after}}})
    index = alias_name("alerts", s)
    if not es.indices.exists_alias(name=index):
        return []
    resp = es.search(index=index, query={"bool": {"filter": filters}}, size=size, source=ALERT_FIELDS,
                     sort=[{"created_at": {"order": "desc" if newest_first else "asc"}}, {"id": "asc"}])
    return [h["_source"] for h in resp["hits"]["hits"]]
