"""Kibana saved objects (configs/kibana/radar.ndjson) and the index templates they rely on."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from deploy_testlib import ROOT, TEMPLATES_DIR, load_deploy_module, template_fields

NDJSON = ROOT / "configs" / "kibana" / "radar.ndjson"
TYPE_ORDER = ["index-pattern", "search", "lens", "map", "dashboard"]
KQL_FIELD = re.compile(r"([A-Za-z_][\w.]*)\s*:")


def _objects() -> list[dict[str, Any]]:
    lines = [line for line in NDJSON.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return _objects()


@pytest.fixture(scope="module")
def by_id(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["type"], o["id"]): o for o in objects}


def _view_template(view: dict[str, Any]) -> str:
    """``radar-articles*`` -> ``articles`` (the index template file name)."""
    match = re.fullmatch(r"radar-([a-z]+)\*", view["attributes"]["title"])
    assert match, f"data view title {view['attributes']['title']!r} is not radar-<name>*"
    return match.group(1)


def _fields_for(view_id: str, by_id: dict[tuple[str, str], dict[str, Any]]) -> dict[str, str]:
    return template_fields(_view_template(by_id[("index-pattern", view_id)]))


def _ref_id(obj: dict[str, Any], name: str) -> str:
    refs = {r["name"]: r for r in obj["references"]}
    assert name in refs, f"{obj['type']}/{obj['id']}: no reference named {name!r}"
    return refs[name]["id"]


def test_ndjson_is_the_generator_output() -> None:
    module = load_deploy_module("kibana_objects")
    assert NDJSON.read_text(encoding="utf-8") == module.render(module.build_objects()), (
        "regenerate: python deploy/kibana_objects.py > configs/kibana/radar.ndjson"
    )


def test_objects_are_well_formed(objects: list[dict[str, Any]]) -> None:
    seen: set[tuple[str, str]] = set()
    for obj in objects:
        assert obj["type"] in TYPE_ORDER
        assert isinstance(obj["id"], str) and obj["id"]
        assert isinstance(obj["attributes"], dict) and obj["attributes"].get("title")
        assert (obj["type"], obj["id"]) not in seen, f"duplicate {obj['type']}/{obj['id']}"
        seen.add((obj["type"], obj["id"]))
        for value in obj["attributes"].values():
            if isinstance(value, str) and value.startswith(("[", "{")):
                json.loads(value)  # every embedded JSON string parses
        meta = obj["attributes"].get("kibanaSavedObjectMeta")
        if meta:
            json.loads(meta["searchSourceJSON"])


def test_references_point_to_earlier_objects(objects: list[dict[str, Any]]) -> None:
    earlier: set[tuple[str, str]] = set()
    ranks = [TYPE_ORDER.index(o["type"]) for o in objects]
    assert ranks == sorted(ranks), "import order: data views, searches, visualisations, dashboard"
    for obj in objects:
        for ref in obj["references"]:
            assert {"name", "type", "id"} <= set(ref)
            assert (ref["type"], ref["id"]) in earlier, f"{obj['id']} -> {ref['type']}/{ref['id']} not defined before"
        earlier.add((obj["type"], obj["id"]))


def test_expected_objects_exist(by_id: dict[tuple[str, str], dict[str, Any]]) -> None:
    views = {o["attributes"]["title"]: o for (t, _), o in by_id.items() if t == "index-pattern"}
    assert views["radar-articles*"]["attributes"]["timeFieldName"] == "published_at"
    assert views["radar-incidents*"]["attributes"]["timeFieldName"] == "last_updated"
    url_format = json.loads(views["radar-articles*"]["attributes"]["fieldFormatMap"])["url"]
    assert url_format["id"] == "url" and url_format["params"]["type"] == "a"
    violent = by_id[("search", "radar-violent-24h")]["attributes"]
    assert violent["timeRestore"] and violent["timeRange"] == {"from": "now-24h", "to": "now"}
    assert "violent" in json.loads(violent["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]["query"]
    for search_id, field in (("radar-by-country", "location.country_code"), ("radar-by-actor-category", "actors.category")):
        search = by_id[("search", search_id)]["attributes"]
        assert search["sort"][0][0] == field
        source = json.loads(search["kibanaSavedObjectMeta"]["searchSourceJSON"])
        assert any(f["meta"]["key"] == field for f in source["filter"])


def test_dashboard_panels(by_id: dict[tuple[str, str], dict[str, Any]]) -> None:
    board = by_id[("dashboard", "radar-overview")]
    panels = json.loads(board["attributes"]["panelsJSON"])
    for panel in panels:
        ref_id = _ref_id(board, f"{panel['panelIndex']}:{panel['panelRefName']}")
        assert (panel["type"], ref_id) in by_id
        grid = panel["gridData"]
        assert grid["x"] + grid["w"] <= 48 and grid["i"] == panel["panelIndex"]
    types = [p["type"] for p in panels]
    assert types.count("map") == 1 and types.count("lens") >= 4 and "search" in types
    referenced = {r["id"] for r in board["references"]}
    assert {"radar-incident-map", "radar-top-actors", "radar-top-locations", "radar-fatalities",
            "radar-incidents-over-time", "radar-latest-alerts"} <= referenced


def _search_fields(obj: dict[str, Any]) -> set[str]:
    attrs = obj["attributes"]
    source = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
    fields = set(attrs["columns"]) | {s[0] for s in attrs["sort"]}
    fields |= set(KQL_FIELD.findall(source["query"]["query"]))
    for flt in source["filter"]:
        fields.add(flt["meta"]["key"])
        fields |= {v["field"] for v in flt["query"].values() if isinstance(v, dict) and "field" in v}
    return fields


def test_data_view_fields_exist(by_id: dict[tuple[str, str], dict[str, Any]]) -> None:
    for (type_, id_), obj in by_id.items():
        if type_ != "index-pattern":
            continue
        fields = _fields_for(id_, by_id)
        time_field = obj["attributes"]["timeFieldName"]
        assert fields.get(time_field) == "date", f"{id_}: time field {time_field} is not a date"
        for field in json.loads(obj["attributes"]["fieldFormatMap"]):
            assert field in fields, f"{id_}: formatted field {field} not in the template"


def test_search_fields_exist(by_id: dict[tuple[str, str], dict[str, Any]]) -> None:
    for (type_, id_), obj in by_id.items():
        if type_ != "search":
            continue
        source = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        view_id = _ref_id(obj, source["indexRefName"])
        for flt in source["filter"]:
            assert _ref_id(obj, flt["meta"]["indexRefName"]) == view_id
        fields = _fields_for(view_id, by_id)
        missing = sorted(f for f in _search_fields(obj) if f not in fields)
        assert not missing, f"search {id_}: fields {missing} not in the index template"


def test_lens_fields_exist(by_id: dict[tuple[str, str], dict[str, Any]]) -> None:
    for (type_, id_), obj in by_id.items():
        if type_ != "lens":
            continue
        layers = obj["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]
        assert layers
        for layer_id, layer in layers.items():
            view_id = _ref_id(obj, f"indexpattern-datasource-layer-{layer_id}")
            fields = _fields_for(view_id, by_id)
            assert set(layer["columnOrder"]) == set(layer["columns"])
            for column in layer["columns"].values():
                field = column.get("sourceField")
                if field and field != "___records___":
                    assert field in fields, f"lens {id_}: field {field} not in the index template"
                    if column["operationType"] in ("sum", "avg", "max", "min"):
                        assert fields[field] in ("integer", "long", "float", "double")
                    if column["operationType"] == "date_histogram":
                        assert fields[field] == "date"
        vis = json.dumps(obj["attributes"]["state"]["visualization"])
        assert all(layer_id in vis for layer_id in layers), f"lens {id_}: visualisation misses its layer"


def test_map_layers_use_geo_points(by_id: dict[tuple[str, str], dict[str, Any]]) -> None:
    the_map = by_id[("map", "radar-incident-map")]
    layers = json.loads(the_map["attributes"]["layerListJSON"])
    es_layers = [layer for layer in layers if layer["sourceDescriptor"]["type"] == "ES_SEARCH"]
    views = set()
    for layer in es_layers:
        source = layer["sourceDescriptor"]
        view_id = _ref_id(the_map, source["indexPatternRefName"])
        views.add(view_id)
        fields = _fields_for(view_id, by_id)
        assert fields.get(source["geoField"]) == "geo_point"
        missing = [f for f in source["tooltipProperties"] if f not in fields]
        assert not missing, f"map tooltip fields {missing} not in {view_id}"
    assert views == {"radar-articles", "radar-incidents"}


EXPECTED_INCIDENT_FIELDS = {
    "incident_id": "keyword", "status": "keyword", "event_type": "keyword", "sub_event_type": "keyword",
    "title": "text", "title.raw": "keyword", "geo": "geo_point", "actors.name": "keyword",
    "actors.name.text": "text", "actors.category": "keyword", "actors.role": "keyword",
    "actors.country_code": "keyword", "fatalities": "integer", "fatalities_sources": "integer",
    "injured": "integer", "first_seen": "date", "last_updated": "date", "event_date": "date",
    "n_articles": "integer", "n_sources": "integer", "sources": "keyword", "article_ids": "keyword",
    "countries": "keyword", "schema_version": "integer",
}
EXPECTED_ALERT_FIELDS = {
    "alert_id": "keyword", "rule": "keyword", "trigger": "keyword", "incident_id": "keyword",
    "sent_at": "date", "sinks": "keyword", "summary": "text", "event_type": "keyword",
    "country_code": "keyword", "fatalities": "integer", "n_sources": "integer", "geo": "geo_point",
}


@pytest.mark.parametrize(("name", "expected"), [("incidents", EXPECTED_INCIDENT_FIELDS), ("alerts", EXPECTED_ALERT_FIELDS)])
def test_new_templates(name: str, expected: dict[str, str]) -> None:
    body = json.loads((TEMPLATES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    articles = json.loads((TEMPLATES_DIR / "articles.json").read_text(encoding="utf-8"))
    assert body["priority"] == articles["priority"]
    assert body["template"]["mappings"]["dynamic"] is False
    assert "index_patterns" not in body, "index_patterns come from settings (prefix)"
    fields = template_fields(name)
    wrong = {f: fields.get(f) for f, t in expected.items() if fields.get(f) != t}
    assert not wrong, f"{name}: unexpected field types {wrong}"
    if name == "incidents":
        props = body["template"]["mappings"]["properties"]
        assert props["location"] == articles["template"]["mappings"]["properties"]["location"]
