"""Full-text search over indexed articles: query building (pure) and running it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from elasticsearch import ApiError, Elasticsearch, TransportError

from pipeline.index.setup import alias_name
from pipeline.schemas import EVENT_TYPES, utcnow

_SINCE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class QueryError(ValueError):
    """A search option is malformed."""


@dataclass
class SearchQuery:
    """What the user asked for."""

    text: str = ""
    event_types: list[str] = field(default_factory=list)
    country: str | None = None
    since: str | None = None
    near: str | None = None
    violent_only: bool = False
    actor: str | None = None
    size: int = 10
    sort: Literal["best", "newest"] = "best"


def parse_since(value: str) -> str:
    """'7d' / '12h' / '30m' / '2w' → ISO timestamp that long ago; an ISO date passes through."""
    m = _SINCE.match(value.strip())
    if m:
        return (utcnow() - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})).isoformat()
    if re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return value
    raise QueryError(f"--since {value!r}: use e.g. 30m, 12h, 7d, 2w or an ISO date")


def parse_near(value: str) -> tuple[float, float, float]:
    """'LAT,LON,KM' → (lat, lon, km), validated."""
    try:
        lat, lon, km = (float(x) for x in value.split(","))
    except ValueError:
        raise QueryError(f"--near {value!r}: expected LAT,LON,KM e.g. 29.19,-108.14,50") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and km > 0):
        raise QueryError(f"--near {value!r}: latitude/longitude out of range or radius not positive")
    return lat, lon, km


def resolve_event_type(value: str) -> str:
    """Accept an ACLED type or sub-type name case-insensitively, or a unique prefix ('battles')."""
    names = list(EVENT_TYPES) + [sub for subs in EVENT_TYPES.values() for sub in subs]
    exact = [n for n in names if n.lower() == value.lower()]
    if exact:
        return exact[0]
    prefixed = [n for n in names if n.lower().startswith(value.lower())]
    if len(prefixed) == 1:
        return prefixed[0]
    raise QueryError(f"--type {value!r}: not an event type; choose from {', '.join(EVENT_TYPES)} or a sub-type")


def build_query(q: SearchQuery) -> dict[str, Any]:
    """The Elasticsearch request body for ``q`` (query, filters, highlight, sort)."""
    filters: list[dict[str, Any]] = []
    if q.event_types:
        types = [resolve_event_type(t) for t in q.event_types]
        filters.append({"bool": {"should": [{"terms": {"event_type": types}}, {"terms": {"sub_event_type": types}}],
                                 "minimum_should_match": 1}})
    if q.country:
        filters.append({"term": {"location.country_code": q.country.upper()}})
    if q.since:
        filters.append({"range": {"published_at": {"gte": parse_since(q.since)}}})
    if q.near:
        lat, lon, km = parse_near(q.near)
        filters.append({"geo_distance": {"distance": f"{km}km", "geo": {"lat": lat, "lon": lon}}})
    if q.violent_only:
        filters.append({"term": {"violent": True}})
    if q.actor:
        filters.append({"match": {"actors.name.text": {"query": q.actor, "operator": "and"}}})
    must: list[dict[str, Any]] = []
    if q.text.strip():
        must.append({"multi_match": {"query": q.text, "fields": ["title^3", "body", "location.name.text", "actors.name.text^2"],
                                     "type": "best_fields", "operator": "or"}})
    body: dict[str, Any] = {
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
        "size": q.size,
        "highlight": {"fields": {"title": {"number_of_fragments": 0}, "body": {"fragment_size": 160, "number_of_fragments": 2}},
                      "pre_tags": ["«"], "post_tags": ["»"]},
    }
    if q.sort == "newest" or not q.text.strip():
        body["sort"] = [{"published_at": {"order": "desc", "missing": "_last"}}, "_score"]
    return body


def incident_links(es: Elasticsearch, links_index: str, article_ids: list[str]) -> dict[str, str]:
    """``article id → incident id`` from the links index (written by the alert worker only); empty
    when the index is missing or unreachable (articles are then shown without an incident)."""
    if not article_ids:
        return {}
    try:
        resp = es.search(index=links_index, query={"ids": {"values": article_ids}}, size=len(article_ids),
                         source=["incident_id"])
    except (ApiError, TransportError):
        return {}
    return {h["_id"]: h["_source"].get("incident_id") for h in resp["hits"]["hits"]}


def run_search(es: Elasticsearch, index: str, q: SearchQuery, links_index: str | None = None) -> dict[str, Any]:
    """Run ``q`` against ``index``; returns ``{"total": n, "hits": [doc + _score + highlight]}``.

    Each hit's ``incident_id`` is joined from ``links_index`` (default: the configured links alias),
    so the article document has one writer (the index worker) and a re-index never loses the link.
    """
    resp = es.search(index=index, **build_query(q))
    hits = []
    for h in resp["hits"]["hits"]:
        doc = dict(h["_source"])
        doc["_score"] = h.get("_score")
        doc["highlight"] = h.get("highlight", {})
        hits.append(doc)
    links = incident_links(es, links_index or alias_name("links"), [h["id"] for h in hits if h.get("id")])
    for doc in hits:
        doc["incident_id"] = links.get(doc.get("id"), doc.get("incident_id"))
    total = resp["hits"]["total"]
    return {"total": total["value"] if isinstance(total, dict) else total, "hits": hits}


def format_hit(doc: dict[str, Any]) -> str:
    """A few readable lines for one hit."""
    loc = doc.get("location") or {}
    where = ", ".join(x for x in (loc.get("name"), loc.get("admin1"), loc.get("country_code")) if x) or "place unknown"
    kind = " / ".join(x for x in (doc.get("event_type"), doc.get("sub_event_type")) if x) or "not an event"
    actors = "; ".join(f"{a['name']} ({a['category']})" for a in doc.get("actors", [])[:4]) or "-"
    deaths = doc.get("fatalities")
    lines = [
        f"■ {doc.get('title', '')}",
        f"  {doc.get('published_at') or '?'} · {doc.get('source') or '?'} · {kind} · {where}"
        + (f" ({loc['lat']:.2f},{loc['lon']:.2f})" if loc.get("lat") is not None else ""),
        f"  actors: {actors}" + (f" · fatalities: {deaths}" if deaths is not None else ""),
    ]
    snippet = " … ".join(doc.get("highlight", {}).get("body", [])[:2])
    if snippet:
        lines.append(f"  {snippet}")
    if doc.get("url"):
        lines.append(f"  {doc['url']}")
    return "\n".join(lines)
