"""Unit tests of pure pieces: schemas, search query building, the stream handler isolation."""

from collections import namedtuple

import pytest

from pipeline.schemas import EVENT_TYPES, SCHEMA_VERSION, EnrichedArticle, RawArticle, SchemaError, dump, load
from pipeline.search import (
    QueryError,
    SearchQuery,
    build_query,
    facet_keys,
    parse_near,
    parse_since,
    place_point,
    read_facets,
    resolve_event_type,
)
from pipeline.stream import BatchResult, Output, dead_letter, run_handler

Record = namedtuple("Record", "topic partition offset key value")


def test_schema_roundtrip_and_version():
    art = RawArticle(id="a1", title="t", body="b")
    back = load(RawArticle, dump(art))
    assert back == art and back.schema_version == SCHEMA_VERSION


@pytest.mark.parametrize("payload, fragment", [
    (b"not json", "invalid RawArticle"),
    (b'{"title": "t"}', "id"),
    (b'{"id": "x"}', "neither title nor body"),
    (b'{"id": "x", "title": "t", "schema_version": 99}', "newer"),
    (None, "empty message"),
])
def test_schema_errors_are_clear(payload, fragment):
    with pytest.raises(SchemaError) as err:
        load(RawArticle, payload)
    assert fragment in str(err.value)


def test_enriched_rejects_unknown_event_type():
    with pytest.raises(SchemaError):
        load(EnrichedArticle, b'{"id": "x", "title": "t", "event_type": "Brawl"}')
    assert len(EVENT_TYPES) == 6 and sum(len(v) for v in EVENT_TYPES.values()) == 25


def test_since_and_near_parsing():
    assert parse_since("2026-01-01") == "2026-01-01"
    assert parse_since("7d") < parse_since("1h")
    assert parse_near("29.19,-108.14,50") == (29.19, -108.14, 50.0)
    for bad in ("yesterday",):
        with pytest.raises(QueryError):
            parse_since(bad)
    for bad in ("1,2", "100,0,5", "1,2,-3"):
        with pytest.raises(QueryError):
            parse_near(bad)


def test_event_type_names_and_prefixes():
    assert resolve_event_type("battles") == "Battles"
    assert resolve_event_type("armed clash") == "Armed clash"
    with pytest.raises(QueryError):
        resolve_event_type("picnic")


def test_facet_keys_round_trip_through_one_terms_aggregation():
    doc = {"event_type": "Battles", "violent": True, "source": "a.example", "published_at": "2026-03-01T23:30:00-02:00",
           "location": {"country_code": "MX", "admin1": "Chihuahua"},
           "actors": [{"name": "Police", "category": "State forces"}, {"name": "Juárez Cartel", "category": "Criminal groups"}]}
    keys = facet_keys(doc)
    assert "timeline\x1f2026-03-02" in keys and "timeline\x1f2026-03-02\x1fBattles" in keys  # UTC day
    assert "actor\x1fJuárez Cartel" in keys and "violent\x1ftrue" in keys and len(keys) == len(set(keys))
    other = facet_keys({"violent": False, "published_at": "2026-03-02T10:00:00Z", "actors": []})
    buckets = [{"key": k, "doc_count": (keys + other).count(k)} for k in sorted(set(keys + other))]
    buckets.sort(key=lambda b: -b["doc_count"])
    out = read_facets({"facet_keys": {"buckets": buckets}}, size=1)
    assert out["timeline"] == [{"day": "2026-03-02", "count": 2, "types": {"Battles": 1}}]
    assert out["facets"]["country"] == [{"value": "MX", "count": 1}] and len(out["facets"]["actor"]) == 1
    assert {f["value"] for f in out["facets"]["violent"]} <= {"true", "false"}
    assert out["facets"]["sub_event_type"] == [] and out["places"] == []


def test_place_keys_group_articles_by_map_point_and_type():
    def doc(etype: str, lat: float, name: str) -> dict:
        return {"event_type": etype, "geo": {"lat": lat, "lon": -108.1412}, "published_at": "2026-03-01T10:00:00Z",
                "location": {"name": name, "admin1": "Chihuahua", "country_code": "MX"}}
    docs = [doc("Battles", 29.1903, "Madera"), doc("Battles", 29.1899, "Madera"), doc("Protests", 29.19, "Madera"),
            doc("Battles", 28.6353, "Chihuahua"), {"event_type": "Battles", "geo": None}]
    keys = [k for d in docs for k in facet_keys(d)]
    buckets = sorted(({"key": k, "doc_count": keys.count(k)} for k in set(keys)), key=lambda b: -b["doc_count"])
    places = read_facets({"facet_keys": {"buckets": buckets}}, size=5, places=10)["places"]
    assert places[0] == {"point": "29.19,-108.14", "lat": 29.19, "lon": -108.14, "label": "Madera, Chihuahua, MX",
                         "count": 3, "types": {"Battles": 2, "Protests": 1}}
    assert [p["point"] for p in places] == ["29.19,-108.14", "28.64,-108.14"]
    assert place_point(docs[0]) == places[0]["point"] and place_point(docs[-1]) is None
    assert len(read_facets({"facet_keys": {"buckets": buckets}}, size=5, places=1)["places"]) == 1


def test_build_query_filters():
    body = build_query(SearchQuery(text="cartel ambush", event_types=["Battles"], countries=["mx"], since="7d",
                                   near="29,-108,50", violent_only=True))
    filters = body["query"]["bool"]["filter"]
    assert {"terms": {"location.country_code": ["MX"]}} in filters
    assert any("geo_distance" in f for f in filters)
    assert body["query"]["bool"]["must"][0]["multi_match"]["query"] == "cartel ambush"
    assert body["sort"][0] == "_score" and "from" not in body  # pages continue by search_after, never by offset
    assert build_query(SearchQuery())["sort"][0]["published_at"]["order"] == "desc"


def test_run_handler_isolates_the_record_that_crashes():
    records = [Record("t", 0, i, b"k", str(i).encode()) for i in range(4)]

    def handler(batch):
        if any(r.value == b"2" for r in batch):
            raise ValueError("boom on 2")
        return BatchResult(outputs=[Output("out", None, r.value) for r in batch])

    result = run_handler(handler, records, "test")
    assert [o.value for o in result.outputs] == [b"0", b"1", b"3"]
    assert len(result.failures) == 1 and result.failures[0][0].offset == 2 and "boom on 2" in result.failures[0][1]


def test_dead_letter_keeps_origin_and_undecodable_bytes():
    letter = dead_letter(Record("articles.raw", 1, 42, b"key", b"\xff{"), "enrich", "bad")
    assert (letter.source_topic, letter.partition, letter.offset, letter.key) == ("articles.raw", 1, 42, "key")
    assert letter.payload == "\\xff{"
