"""The web API against the embedded search server with the demo articles indexed by the real pipeline."""

from __future__ import annotations

import base64
import json
import re

import httpx
import pytest
from fastapi.testclient import TestClient

from pipeline.index.client import make_client
from pipeline.index.indexer import bulk_index
from pipeline.search import FACETS, MAX_OFFSET, QueryError, SearchQuery, build_query, next_cursor, run_search
from pipeline.web.app import MARKS, STATIC, create_app

pytestmark = pytest.mark.e2e

MADERA = "Police officers in Mexico caught in gun battle with cartel gunmen"


def madera(api: httpx.Client) -> dict:
    res = api.get("/api/search", params={"q": "cartel"}).json()
    return next(h for h in res["hits"] if h["title"] == MADERA)


def test_search_cartel_finds_madera_with_highlights_facets_map_and_timeline(api):
    resp = api.get("/api/search", params={"q": "cartel"})
    assert resp.status_code == 200
    res = resp.json()
    assert res["total"] >= 1 and res["took_ms"] > 0
    hit = next(h for h in res["hits"] if h["title"] == MADERA)
    assert (hit["location"]["name"], hit["location"]["admin1"], hit["location"]["country_code"]) == ("Madera", "Chihuahua", "MX")
    assert f"{MARKS[0]}cartel{MARKS[1]}" in hit["highlight"]["title"][0]
    assert {"event_type", "sub_event_type", "country", "admin1", "actor", "actor_category", "source", "violent"} <= set(res["facets"])
    assert {"value": "MX", "count": 1} in res["facets"]["country"] or any(f["value"] == "MX" for f in res["facets"]["country"])
    place = next(p for p in res["places"] if p["point"] == hit["_place"])
    assert abs(place["lat"] - 29.19) < 0.3 and place["label"] == "Madera, Chihuahua, MX"
    assert place["types"].get("Battles", 0) >= 1 and place["count"] >= sum(place["types"].values())
    located = sum(1 for h in res["hits"] if h["_place"])
    assert sum(p["count"] for p in res["places"]) >= located >= 1
    assert sum(d["count"] for d in res["timeline"]) == res["total"]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["day"]) for d in res["timeline"])


def test_the_api_and_radar_search_share_one_query_builder(live, api):
    """Same query, same hits in the same order: both run pipeline.search."""
    for sort, cli_sort in (("relevance", "best"), ("newest", "newest")):
        web = api.get("/api/search", params={"q": "police", "sort": sort, "size": 10, "facets": False, "map": False}).json()
        es = make_client(live.s)
        cli = run_search(es, live.s.articles_alias, SearchQuery(text="police", sort=cli_sort, size=10),
                         links_index=live.s.links_alias)
        es.close()
        assert [h["id"] for h in web["hits"]] == [h["id"] for h in cli["hits"]] and web["total"] == cli["total"]


@pytest.mark.parametrize("params", [{}, {"q": "police"}, {"country": "MX"}])
def test_facets_and_timeline_equal_the_servers_own_aggregations(live, api, params):
    """The one aggregation over ``facet_keys`` counts what a terms aggregation per field and a daily
    date histogram by type count."""
    res = api.get("/api/search", params=params).json()
    es = make_client(live.s)
    q = SearchQuery(text=params.get("q", ""), countries=[params["country"]] if "country" in params else [])
    aggs = {name: {"terms": {"field": f, "size": 50}} for name, f in FACETS.items()}
    aggs["days"] = {"date_histogram": {"field": "published_at", "calendar_interval": "day", "min_doc_count": 1},
                    "aggs": {"type": {"terms": {"field": "event_type", "size": 10}}}}
    direct = es.search(index=live.s.articles_alias, query=build_query(q)["query"], size=0, aggs=aggs)["aggregations"]
    located = es.count(index=live.s.articles_alias, query={"bool": {"must": [build_query(q)["query"]],
                                                                    "filter": [{"exists": {"field": "geo"}}]}})["count"]
    es.close()
    assert sum(p["count"] for p in res["places"]) == located > 0
    for name in FACETS:
        want = [(b.get("key_as_string", b["key"]) if name == "violent" else b["key"], b["doc_count"])
                for b in direct[name]["buckets"][:live.s.web_facet_size]]
        assert [(f["value"], f["count"]) for f in res["facets"][name]] == want, name
    assert res["timeline"] == [{"day": b["key_as_string"][:10], "count": b["doc_count"],
                                "types": {t["key"]: t["doc_count"] for t in b["type"]["buckets"]}}
                               for b in direct["days"]["buckets"]]


def test_facet_filters_narrow_the_results(api):
    everything = api.get("/api/search").json()
    assert everything["total"] == 12
    mx = api.get("/api/search", params={"country": "MX"}).json()
    assert 0 < mx["total"] < everything["total"]
    assert all(h["location"]["country_code"] == "MX" for h in mx["hits"])
    both = api.get("/api/search", params={"country": "MX", "admin1": "Chihuahua", "type": "Battles",
                                          "actor_category": "Criminal groups"}).json()
    assert [h["title"] for h in both["hits"]] == [MADERA]
    assert api.get("/api/search", params={"actor": "Juárez Cartel"}).json()["hits"][0]["title"] == MADERA
    violent = api.get("/api/search", params={"violent": True}).json()
    assert violent["total"] == next(f["count"] for f in everything["facets"]["violent"] if f["value"] == "true")
    src = everything["facets"]["source"][0]
    assert api.get("/api/search", params={"source": src["value"]}).json()["total"] == src["count"]
    assert api.get("/api/search", params={"near": "29.19,-108.14,50"}).json()["hits"][0]["title"] == MADERA
    day = everything["timeline"][0]
    ranged = api.get("/api/search", params={"from": day["day"], "to": day["day"]}).json()
    assert ranged["total"] == day["count"]


@pytest.mark.parametrize("sort", ["newest", "relevance"])
@pytest.mark.parametrize("size", [1, 3, 5])
def test_pagination_walks_every_hit_once(api, sort, size):
    """search_after pages, newest first and by relevance, give every hit once, in order."""
    q = {"q": "police OR killed OR protest OR attack OR said", "sort": sort} if sort == "relevance" else {"sort": sort}
    full = api.get("/api/search", params={**q, "size": 100, "facets": False, "map": False}).json()
    seen, params = [], {**q, "size": size, "facets": False, "map": False}
    while True:
        page = api.get("/api/search", params=params).json()
        seen += [h["id"] for h in page["hits"]]
        if not page.get("next_after"):
            break
        params = {**params, "after": page["next_after"]}
    assert seen == [h["id"] for h in full["hits"]] and len(set(seen)) == full["total"]


@pytest.fixture(scope="module")
def ties_index(live) -> str:
    """An index of 40 articles with only four distinct texts: big groups of hits with equal scores."""
    index = f"{live.s.index_prefix}-articles-ties"
    texts = ["Cartel gunmen attacked police in Madera", "Police clashed with cartel gunmen near a ranch",
             "Police said cartel violence left a town empty", "Protest against police and cartel violence"]
    docs = [{"id": f"tie-{i:03d}", "title": texts[i % 4], "body": texts[i % 4] + ". Officials said more later.",
             "published_at": f"2026-05-{1 + i % 3:02d}T10:00:00Z"} for i in range(40)]
    es = make_client(live.s)
    try:
        assert bulk_index(es, index, docs) == []
        es.indices.refresh(index=index)
    finally:
        es.close()
    return index


@pytest.mark.parametrize("size", [1, 3, 7, 10])
def test_relevance_pages_cross_groups_of_equal_scores_without_repeats(live, ties_index, size):
    es = make_client(live.s)
    try:
        full = run_search(es, ties_index, SearchQuery(text="cartel police", size=100), links_index=live.s.links_alias)
        assert len({h["_score"] for h in full["hits"]}) < 10 < full["total"]  # groups of equal scores
        seen, q = [], SearchQuery(text="cartel police", size=size)
        while True:
            page = run_search(es, ties_index, q, links_index=live.s.links_alias)
            seen += [h["id"] for h in page["hits"]]
            if (cursor := next_cursor(q, page["hits"])) is None:
                break
            q = SearchQuery(text="cartel police", size=size, search_after=json.loads(json.dumps(cursor)))
    finally:
        es.close()
    assert seen == [h["id"] for h in full["hits"]] and len(seen) == full["total"] == 40


def test_relevance_cursor_is_score_and_count_not_an_offset():
    """No from + size <= 10,000 bound: the request goes just above the score and skips what was shown."""
    body = build_query(SearchQuery(text="police", size=2, search_after=[0.5, 3]))
    assert "from" not in body and body["size"] == 5 and 0.5 < body["search_after"][0] < 0.5000001
    with pytest.raises(QueryError, match="share one score"):
        build_query(SearchQuery(text="police", size=20, search_after=[0.5, MAX_OFFSET]))
    with pytest.raises(QueryError, match="score, count"):
        build_query(SearchQuery(text="police", size=2, search_after=[0.5, "x", 1]))


def test_incident_has_actors_articles_fatalities_and_alerts(api):
    hit = madera(api)
    assert hit["incident_id"]
    res = api.get(f"/api/incidents/{hit['incident_id']}").json()
    inc = res["incident"]
    assert (inc["event_type"], inc["location"]["name"]) == ("Battles", "Madera")
    assert {(a["name"], a["role"]) for a in inc["actors"]} >= {("Police", "target"), ("Juárez Cartel", "initiator")}
    assert hit["id"] in [a["id"] for a in res["articles"]]
    assert "signatures" not in inc and "term_counts" not in inc
    for series in res["fatalities"]:
        assert series["source"] and all(p["fatalities"] >= 0 for p in series["points"])
    assert res["alerts"] and all(a["incident_id"] == inc["id"] for a in res["alerts"])
    assert api.get("/api/incidents/no-such-incident").status_code == 404


@pytest.mark.parametrize("params, status, words", [
    ({"near": "nowhere"}, 400, "LAT,LON,KM"),
    ({"near": "95,0,10"}, 400, "out of range"),
    ({"size": 1000}, 400, "at most"),
    ({"size": -1}, 422, "size"),
    ({"sort": "random"}, 422, "sort"),
    ({"type": "picnic"}, 400, "not an event type"),
    ({"from": "yesterday"}, 400, "ISO date"),
    ({"since": "forever"}, 400, "30m"),
    ({"after": "{not json"}, 400, "cursor"),
    ({"after": '[{"a": 1}, 2, 3]'}, 400, "cursor"),
    ({"after": "[1]"}, 400, "sort values"),
    ({"q": "x", "after": "[1, 2, 3]"}, 400, "score, count"),
    ({"q": "x" * 501}, 400, "longer than"),
    ({"violent": "maybe"}, 422, "violent"),
])
def test_bad_input_is_a_clear_4xx(api, params, status, words):
    resp = api.get("/api/search", params=params)
    assert resp.status_code == status, resp.text
    assert words in json.dumps(resp.json())


def test_read_only_security_headers_and_no_inline_script(api):
    for path in ("/", "/status", "/incident/x", "/api/search", "/static/app.css"):
        resp = api.get(path)
        assert resp.status_code == 200
        csp = resp.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
        assert resp.headers["x-content-type-options"] == "nosniff"
    for page in STATIC.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)[^>]*>", html), page  # every script is a file
        assert not re.search(r"<[^>]+\son\w+\s*=", html), page  # no inline event handlers
        assert "http://" not in html and "https://" not in html  # nothing from elsewhere
    for method in ("post", "put", "delete", "patch"):
        assert getattr(api, method)("/api/search").status_code == 405


def test_openapi_documents_the_api(api):
    spec = api.get("/openapi.json").json()
    assert {"/api/search", "/api/incidents/{incident_id}", "/api/alerts", "/api/alerts/stream", "/api/status"} <= set(spec["paths"])
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "type", "sub_type", "country", "admin1", "actor", "actor_category", "source", "from", "to",
            "near", "violent", "sort", "after"} <= names


def test_status_has_the_facts_of_radar_status(live, api):
    report = api.get("/api/status").json()
    assert report["indices"][live.s.articles_alias] == 12
    assert report["consumers"]["index"]["partitions"] == live.s.topic_partitions
    assert set(report["feeds"]) == {"demo-world-wire", "demo-latam-desk", "demo-south-asia"} or report["feeds"]


def test_alert_stream_replays_alerts_since_a_time(api):
    first = api.get("/api/alerts", params={"size": 5}).json()["alerts"]
    assert first
    oldest = min(a["created_at"] for a in first)
    with api.stream("GET", "/api/alerts/stream", params={"since": oldest}) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        for line in resp.iter_lines():
            if line.startswith("data: "):
                assert json.loads(line[6:])["id"] in {a["id"] for a in first} | {a["id"] for a in api.get("/api/alerts", params={"size": 500}).json()["alerts"]}
                break
    assert api.get("/api/alerts/stream", params={"since": "soon"}).status_code == 400


def test_token_and_basic_auth(live):
    s = live.s.model_copy(update={"web_token": "s3cret"})
    with TestClient(create_app(s)) as client:
        assert client.get("/api/meta").status_code == 401
        assert client.get("/api/meta", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert client.get("/api/meta", headers={"Authorization": "Bearer wrong"}).status_code == 401
        redirect = client.get("/?q=cartel&token=s3cret", follow_redirects=False)
        assert redirect.status_code == 303 and redirect.headers["location"] == "/?q=cartel"
        assert client.get("/api/meta").status_code == 200  # the cookie from the redirect
        assert client.get("/healthz").status_code == 200
    s = live.s.model_copy(update={"web_username": "analyst", "web_password": "pw"})
    with TestClient(create_app(s)) as client:
        denied = client.get("/")
        assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Basic")
        good = base64.b64encode(b"analyst:pw").decode()
        assert client.get("/", headers={"Authorization": f"Basic {good}"}).status_code == 200
        assert client.get("/", headers={"Authorization": "Basic !!!"}).status_code == 401
