"""Full-text search over indexed articles: query building (pure) and running it."""

from __future__ import annotations

import json
import re
import struct
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from elasticsearch import ApiError, Elasticsearch, TransportError

from pipeline.schemas import EVENT_TYPES, utcnow

_SINCE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
HIGHLIGHT_TAGS = ("«", "»")
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="facets")
MAX_OFFSET = 10_000  # index.max_result_window of Elasticsearch


class QueryError(ValueError):
    """A search option is malformed."""


SortOrder = Literal["best", "newest"]

#: Facets (aggregations) a search can return: name -> indexed field.
FACETS: dict[str, str] = {
    "event_type": "event_type",
    "sub_event_type": "sub_event_type",
    "country": "location.country_code",
    "admin1": "location.admin1",
    "actor": "actors.name",
    "actor_category": "actors.category",
    "source": "source",
    "violent": "violent",
}

#: Keyword field that holds every facet value of a document (see :func:`facet_keys`).
FACET_KEYS_FIELD = "facet_keys"
KEY_SEP = "\x1f"
TIMELINE = "timeline"

#: facet_keys prefix of a document's place on the map: ``place␟lat,lon␟event type␟label``
PLACES = "place"
#: decimals of the map point of a place key (0.01° ≈ 1 km: one marker per town)
PLACE_DECIMALS = 2


@dataclass
class SearchQuery:
    """What the user asked for (the CLI and the web API fill the same object)."""

    text: str = ""
    event_types: list[str] = field(default_factory=list)
    sub_event_types: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    admin1: list[str] = field(default_factory=list)
    since: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    near: str | None = None
    violent_only: bool = False
    actor: str | None = None
    actor_names: list[str] = field(default_factory=list)
    actor_categories: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    incident_id: str | None = None
    size: int = 10
    sort: SortOrder = "best"
    search_after: list[Any] | None = None


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


def parse_date(value: str, name: str) -> str:
    """An ISO date or timestamp (``2026-05-01``, ``2026-05-01T10:00:00Z``), validated."""
    if not _ISO_DATE.match(value.strip()):
        raise QueryError(f"{name} {value!r}: expected an ISO date such as 2026-05-01")
    return value.strip()


def build_filters(q: SearchQuery) -> list[dict[str, Any]]:
    """The filter clauses of ``q`` (every one must hold)."""
    filters: list[dict[str, Any]] = []
    if q.event_types:
        types = [resolve_event_type(t) for t in q.event_types]
        filters.append({"bool": {"should": [{"terms": {"event_type": types}}, {"terms": {"sub_event_type": types}}],
                                 "minimum_should_match": 1}})
    if q.sub_event_types:
        filters.append({"terms": {"sub_event_type": [resolve_event_type(t) for t in q.sub_event_types]}})
    if q.countries:
        filters.append({"terms": {"location.country_code": [c.upper() for c in q.countries]}})
    for values, name in ((q.admin1, "location.admin1"), (q.actor_names, "actors.name"),
                         (q.actor_categories, "actors.category"), (q.sources, "source")):
        if values:
            filters.append({"terms": {name: values}})
    if q.incident_id:
        filters.append({"term": {"incident_id": q.incident_id}})
    published: dict[str, str] = {}
    if q.since:
        published["gte"] = parse_since(q.since)
    if q.date_from:
        published["gte"] = max(published.get("gte", ""), parse_date(q.date_from, "from"))
    if q.date_to:
        published["lte"] = parse_date(q.date_to, "to")
    if published:
        filters.append({"range": {"published_at": published}})
    if q.near:
        lat, lon, km = parse_near(q.near)
        filters.append({"geo_distance": {"distance": f"{km}km", "geo": {"lat": lat, "lon": lon}}})
    if q.violent_only:
        filters.append({"term": {"violent": True}})
    if q.actor:
        filters.append({"match": {"actors.name.text": {"query": q.actor, "operator": "and"}}})
    return filters


def by_relevance(q: SearchQuery) -> bool:
    """True when hits are ordered by score (there is text and the user did not ask for newest first)."""
    return q.sort == "best" and bool(q.text.strip())


def build_query(q: SearchQuery, tags: tuple[str, str] = HIGHLIGHT_TAGS) -> dict[str, Any]:
    """The Elasticsearch request body for ``q`` (query, filters, highlight, sort, search_after);
    ``tags`` mark highlighted words in the snippets."""
    if q.size < 0:
        raise QueryError(f"size {q.size}: must not be negative")
    must: list[dict[str, Any]] = []
    if q.text.strip():
        must.append({"multi_match": {"query": q.text, "fields": ["title^3", "body", "location.name.text", "actors.name.text^2"],
                                     "type": "best_fields", "operator": "or"}})
    body: dict[str, Any] = {
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": build_filters(q)}},
        "size": q.size,
        "highlight": {"fields": {"title": {"number_of_fragments": 0}, "body": {"fragment_size": 160, "number_of_fragments": 2}},
                      "pre_tags": [tags[0]], "post_tags": [tags[1]]},
        "track_total_hits": True,
    }
    if by_relevance(q):
        body["sort"] = ["_score", {"published_at": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
        if q.search_after:
            score, skip = _relevance_cursor(q.search_after)
            if skip + q.size > MAX_OFFSET:
                raise QueryError(f"after: more than {MAX_OFFSET} hits share one score; sort by newest to go further")
            # Continue just above the cursor's (float32) score and drop the ``skip`` hits of that score
            # already shown: exact on Elasticsearch and on servers that round scores in sort values.
            body["search_after"] = [_above_f32(score), _MIN_LONG, _MAX_ID]
            body["size"] = skip + q.size
    else:
        body["sort"] = [{"published_at": {"order": "desc", "missing": "_last"}}, "_score", {"id": "asc"}]
        if q.search_after:
            if len(q.search_after) != len(body["sort"]):
                raise QueryError(f"after: expected {len(body['sort'])} sort values from the previous page, "
                                 f"got {len(q.search_after)}")
            body["search_after"] = q.search_after
    return body


_MIN_LONG = -(2**63)  # sort value after every date (desc): ties on the score alone decide
_MAX_ID = "\U0010ffff"


def _f32(x: float) -> float:
    """``x`` rounded to the nearest float32 (the precision of scores in sort values)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _above_f32(x: float) -> float:
    """A number above every score that rounds to the float32 ``x`` and below the next float32 up."""
    bits = struct.unpack("<I", struct.pack("<f", _f32(x)))[0]
    up = bits + 1 if x > 0 else (bits - 1 if x < 0 else 1)
    nxt = struct.unpack("<f", struct.pack("<I", up))[0]
    mid = (_f32(x) + nxt) / 2
    return mid + abs(mid) * 2**-52


def _relevance_cursor(after: list[Any]) -> tuple[float, int]:
    """(score, hits of that score already shown) from a relevance cursor ``[score, skip]``."""
    if len(after) != 2 or not isinstance(after[0], (int, float)) or not isinstance(after[1], int) or after[1] < 0:
        raise QueryError("after: expected [score, count] from the previous relevance-sorted page")
    return float(after[0]), after[1]


def next_cursor(q: SearchQuery, hits: list[dict[str, Any]]) -> list[Any] | None:
    """``search_after`` for the page after ``hits`` (None when the page is not full): the last sort
    values when newest first; ``[score, n]`` by relevance, n = hits shown so far with that score."""
    if not q.size or len(hits) < q.size:
        return None
    if not by_relevance(q):
        return hits[-1]["_sort"]
    last = _f32(hits[-1]["_sort"][0])
    same = next((i for i, h in enumerate(reversed(hits)) if _f32(h["_sort"][0]) != last), len(hits))
    if q.search_after and same == len(hits) and _f32(float(q.search_after[0])) == last:
        same += q.search_after[1]
    return [last, same]


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


def _values(doc: dict[str, Any], path: str) -> list[Any]:
    """Values at a dotted ``path`` of a document, through lists of objects ('actors.name')."""
    items: list[Any] = [doc]
    for part in path.split("."):
        nxt: list[Any] = []
        for it in items:
            v = it.get(part) if isinstance(it, dict) else None
            nxt.extend(v if isinstance(v, list) else [v])
        items = nxt
    return [v for v in items if v is not None and v != ""]


def _key_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def place_point(doc: dict[str, Any]) -> str | None:
    """``lat,lon`` of the document's map point, rounded to :data:`PLACE_DECIMALS`; None without one."""
    geo = doc.get("geo")
    if not isinstance(geo, dict) or geo.get("lat") is None or geo.get("lon") is None:
        return None
    return f"{float(geo['lat']):.{PLACE_DECIMALS}f},{float(geo['lon']):.{PLACE_DECIMALS}f}"


def _place_label(doc: dict[str, Any]) -> str:
    """'Madera, Chihuahua, MX' from the document's location (empty without one)."""
    loc = doc.get("location") or {}
    return ", ".join(str(loc[k]) for k in ("name", "admin1", "country_code") if loc.get(k))


def facet_keys(doc: dict[str, Any]) -> list[str]:
    """The document's facet keys, indexed in ``facet_keys``: one ``facet␟value`` per facet value,
    ``timeline␟day`` and ``timeline␟day␟event type`` (UTC day of ``published_at``), and its map place
    ``place␟lat,lon␟event type␟label``. One terms aggregation over this field counts every facet, the
    timeline and the map's places in a single pass over the matching documents."""
    keys = {KEY_SEP.join((name, _key_text(v))) for name, path in FACETS.items() for v in _values(doc, path)}
    if point := place_point(doc):
        keys.add(KEY_SEP.join((PLACES, point, doc.get("event_type") or "", _place_label(doc))))
    published = doc.get("published_at")
    if published:
        day = datetime.fromisoformat(str(published).replace("Z", "+00:00"))
        day = (day.astimezone(timezone.utc) if day.tzinfo else day).date().isoformat()
        keys.add(KEY_SEP.join((TIMELINE, day)))
        if doc.get("event_type"):
            keys.add(KEY_SEP.join((TIMELINE, day, doc["event_type"])))
    return sorted(keys)


def facet_aggs(terms_max: int) -> dict[str, Any]:
    """The one aggregation behind every facet count and the timeline (up to ``terms_max`` keys)."""
    return {FACET_KEYS_FIELD: {"terms": {"field": FACET_KEYS_FIELD, "size": terms_max}}}


def read_facets(aggs: dict[str, Any], size: int, places: int = 0) -> dict[str, Any]:
    """``facets`` (top ``size`` values per facet, most frequent first), ``timeline`` (by day, with
    counts per event type) and ``places`` (the ``places`` busiest map points, each with its label, count
    and counts per event type) from the response of :func:`facet_aggs`."""
    facets: dict[str, list[dict[str, Any]]] = {name: [] for name in FACETS}
    days: dict[str, dict[str, Any]] = {}
    points: dict[str, dict[str, Any]] = {}
    for b in aggs.get(FACET_KEYS_FIELD, {}).get("buckets", []):
        name, _, value = b["key"].partition(KEY_SEP)
        if name == PLACES:
            point, _, rest = value.partition(KEY_SEP)
            etype, _, label = rest.partition(KEY_SEP)
            lat, _, lon = point.partition(",")
            entry = points.setdefault(point, {"point": point, "lat": float(lat), "lon": float(lon), "label": label,
                                              "count": 0, "types": {}})
            entry["count"] += b["doc_count"]
            if etype:
                entry["types"][etype] = entry["types"].get(etype, 0) + b["doc_count"]
        elif name == TIMELINE:
            day, _, etype = value.partition(KEY_SEP)
            entry = days.setdefault(day, {"day": day, "count": 0, "types": {}})
            if etype:
                entry["types"][etype] = b["doc_count"]
            else:
                entry["count"] = b["doc_count"]
        elif name in facets and len(facets[name]) < size:
            facets[name].append({"value": value, "count": b["doc_count"]})
    busiest = sorted(points.values(), key=lambda p: (-p["count"], p["point"]))[:places]
    return {"facets": facets, "timeline": [days[d] for d in sorted(days)], "places": busiest}


class FacetCache:
    """Facet counts and timeline of recent queries, for ``ttl_s`` seconds (at most ``entries`` queries):
    paging, sorting and shared links reuse them; hits and map points are always fresh."""

    def __init__(self, ttl_s: float, entries: int) -> None:
        self.ttl_s, self.entries = ttl_s, entries
        self._items: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached value of ``key`` if it is younger than the TTL."""
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[0] > self.ttl_s:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store ``value``, dropping the least recently used entries past the limit."""
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)


def _total(resp: dict[str, Any]) -> int:
    total = resp["hits"]["total"]
    return total["value"] if isinstance(total, dict) else total


def _with_sources(es: Elasticsearch, index: str, body: dict[str, Any], page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``page`` (hits without source) with the source and highlight of each, in the same order."""
    ids = [h["_id"] for h in page]
    resp = es.search(index=index, query={"bool": {"must": [body["query"]], "filter": [{"ids": {"values": ids}}]}},
                     highlight=body["highlight"], size=len(ids))
    full = {h["_id"]: h for h in resp["hits"]["hits"]}
    return [{**h, "_source": full[h["_id"]]["_source"], "highlight": full[h["_id"]].get("highlight", {})}
            for h in page if h["_id"] in full]


def run_search(es: Elasticsearch, index: str, q: SearchQuery, *, links_index: str, facets: int = 0,
               map_points: int = 0, tags: tuple[str, str] = HIGHLIGHT_TAGS,
               facet_cache: FacetCache | None = None, facet_terms_max: int = 10_000) -> dict[str, Any]:
    """Run ``q`` against ``index``; returns ``{"total": n, "hits": [doc + _score + highlight + _sort +
    _place]}``, plus ``facets`` and ``timeline`` (top ``facets`` values per facet) and ``places`` (up to
    ``map_points`` map points with counts per event type) when asked. Facets, timeline and places come
    from one aggregation of up to ``facet_terms_max`` keys (the rarest past it are left out), run beside
    the page request; with ``facet_cache`` it is not run again for a query asked within its TTL. Each
    hit's ``incident_id`` is joined from ``links_index`` (the incident-links alias), so the article
    document has one writer (the index worker) and a re-index never loses the link; ``_place`` is the
    hit's key in ``places``."""
    body = build_query(q, tags)
    aggregate = bool(facets or map_points)
    key = json.dumps([index, facets, map_points, body["query"]], sort_keys=True)
    cached = facet_cache.get(key) if facet_cache is not None and aggregate else None
    # the aggregation walks every match: it runs beside the page request, not after it
    agg_future = _POOL.submit(es.search, index=index, query=body["query"], size=0, track_total_hits=False,
                              aggs=facet_aggs(facet_terms_max)) if aggregate and cached is None else None
    skip = q.search_after[1] if q.search_after and by_relevance(q) else 0
    # hits of the cursor's score already shown are skipped: fetch them without source or highlight
    main = {**{k: v for k, v in body.items() if k != "highlight"}, "_source": False} if skip else body
    try:
        resp = es.search(index=index, **main).body
    except BaseException:
        if agg_future is not None:
            agg_future.cancel()
        raise
    page = resp["hits"]["hits"][skip:]
    if skip:
        page = _with_sources(es, index, body, page)
    hits = []
    for h in page:
        doc = dict(h["_source"])
        doc["_score"] = h.get("_score")
        doc["highlight"] = h.get("highlight", {})
        doc["_sort"] = h.get("sort")
        doc["_place"] = place_point(doc)
        hits.append(doc)
    links = incident_links(es, links_index, [h["id"] for h in hits if h.get("id")])
    for doc in hits:
        doc["incident_id"] = links.get(doc.get("id"), doc.get("incident_id"))
    out: dict[str, Any] = {"total": _total(resp), "hits": hits}
    if agg_future is not None:
        cached = read_facets(agg_future.result().body.get("aggregations", {}), facets, map_points)
        if facet_cache is not None:
            facet_cache.put(key, cached)
    if cached is not None and facets:
        out["facets"], out["timeline"] = cached["facets"], cached["timeline"]
    if cached is not None and map_points:
        out["places"] = cached["places"]
    return out


def format_hit(doc: dict[str, Any]) -> str:
    """A few readable lines for one hit."""
    loc = doc.get("location") or {}
    where = _place_label(doc) or "place unknown"
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
