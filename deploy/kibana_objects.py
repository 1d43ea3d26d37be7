"""Generate the Kibana saved objects for Incident Radar (``configs/kibana/radar.ndjson``).

    python deploy/kibana_objects.py > configs/kibana/radar.ndjson

Kibana stores most object state as JSON strings inside ``attributes``; writing them by hand is
error-prone, so this script is the source and the NDJSON file is its committed output (a test
checks they agree). Objects come out in import order: data views, saved searches,
visualisations (Lens, map), dashboard. Every object has a fixed id, so re-importing with
``overwrite=true`` updates in place.
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any

PREFIX = "radar"
CORE_MIGRATION_VERSION = "8.8.0"
# Migration versions of the object formats written here; Kibana 9 migrates them forward on import.
TYPE_MIGRATION_VERSION = {
    "index-pattern": "7.11.0",
    "search": "7.9.3",
    "lens": "8.9.0",
    "map": "8.4.0",
    "dashboard": "8.7.0",
}
ARTICLES, INCIDENTS, ALERTS = f"{PREFIX}-articles", f"{PREFIX}-incidents", f"{PREFIX}-alerts"
SEARCH_INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"

Obj = dict[str, Any]


def _id(name: str) -> str:
    """A stable UUID for layer/column/panel ids (Kibana expects UUID-like strings)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"incident-radar/{name}"))


def _obj(type_: str, id_: str, attributes: Obj, references: list[Obj] | None = None) -> Obj:
    return {
        "type": type_,
        "id": id_,
        "attributes": attributes,
        "references": references or [],
        "coreMigrationVersion": CORE_MIGRATION_VERSION,
        "typeMigrationVersion": TYPE_MIGRATION_VERSION[type_],
        "managed": False,
    }


def _ref(name: str, type_: str, id_: str) -> Obj:
    return {"name": name, "type": type_, "id": id_}


def data_view(id_: str, name: str, time_field: str, field_formats: Obj | None = None) -> Obj:
    """A data view (``index-pattern``) over ``<id>*`` so it covers the alias and its indices."""
    return _obj(
        "index-pattern",
        id_,
        {
            "title": f"{id_}*",
            "name": name,
            "timeFieldName": time_field,
            "fieldFormatMap": json.dumps(field_formats or {}),
            "fields": "[]",
            "runtimeFieldMap": "{}",
            "fieldAttrs": "{}",
            "allowNoIndex": True,
        },
    )


def exists_filter(field: str, index: int) -> tuple[Obj, str]:
    """A pinned-to-app ``exists`` filter and the reference name it uses for its data view."""
    ref_name = f"kibanaSavedObjectMeta.searchSourceJSON.filter[{index}].meta.index"
    flt = {
        "meta": {
            "type": "exists",
            "key": field,
            "value": "exists",
            "disabled": False,
            "negate": False,
            "alias": None,
            "indexRefName": ref_name,
        },
        "query": {"exists": {"field": field}},
        "$state": {"store": "appState"},
    }
    return flt, ref_name


def saved_search(
    id_: str,
    title: str,
    view: str,
    columns: list[str],
    sort: list[list[str]],
    query: str = "",
    exists: list[str] | None = None,
    time_range: tuple[str, str] | None = None,
    description: str = "",
) -> Obj:
    """A Discover session (``search``) on one data view, optionally with exists-filters and time."""
    filters, refs = [], [_ref(SEARCH_INDEX_REF, "index-pattern", view)]
    for i, field in enumerate(exists or []):
        flt, ref_name = exists_filter(field, i)
        filters.append(flt)
        refs.append(_ref(ref_name, "index-pattern", view))
    source = {
        "query": {"query": query, "language": "kuery"},
        "filter": filters,
        "indexRefName": SEARCH_INDEX_REF,
    }
    attributes: Obj = {
        "title": title,
        "description": description,
        "columns": columns,
        "sort": sort,
        "grid": {},
        "hideChart": False,
        "isTextBasedQuery": False,
        "timeRestore": time_range is not None,
        "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(source)},
    }
    if time_range:
        attributes["timeRange"] = {"from": time_range[0], "to": time_range[1]}
    return _obj("search", id_, attributes, refs)


def _count_column(label: str) -> Obj:
    return {
        "label": label,
        "dataType": "number",
        "operationType": "count",
        "sourceField": "___records___",
        "isBucketed": False,
        "scale": "ratio",
        "params": {"emptyAsNull": True},
        "customLabel": True,
    }


def _terms_column(field: str, label: str, order_by: str, size: int = 10) -> Obj:
    return {
        "label": label,
        "dataType": "string",
        "operationType": "terms",
        "sourceField": field,
        "isBucketed": True,
        "scale": "ordinal",
        "customLabel": True,
        "params": {
            "size": size,
            "orderBy": {"type": "column", "columnId": order_by},
            "orderDirection": "desc",
            "otherBucket": False,
            "missingBucket": False,
            "parentFormat": {"id": "terms"},
        },
    }


def _lens(id_: str, title: str, view: str, vis_type: str, columns: dict[str, Obj], visualization: Obj) -> Obj:
    layer = _id(f"{id_}/layer")
    visualization = json.loads(json.dumps(visualization).replace("$LAYER", layer))
    state = {
        "visualization": visualization,
        "query": {"query": "", "language": "kuery"},
        "filters": [],
        "datasourceStates": {
            "formBased": {
                "layers": {layer: {"columns": columns, "columnOrder": list(columns), "incompleteColumns": {}}}
            }
        },
        "internalReferences": [],
        "adHocDataViews": {},
    }
    refs = [
        _ref("indexpattern-datasource-current-indexpattern", "index-pattern", view),
        _ref(f"indexpattern-datasource-layer-{layer}", "index-pattern", view),
    ]
    return _obj("lens", id_, {"title": title, "description": "", "visualizationType": vis_type, "state": state}, refs)


def lens_bar(id_: str, title: str, view: str, field: str, label: str, count_label: str) -> Obj:
    """Horizontal bar chart of the top values of ``field`` by document count."""
    x, y = _id(f"{id_}/x"), _id(f"{id_}/y")
    columns = {x: _terms_column(field, label, order_by=y), y: _count_column(count_label)}
    vis = {
        "preferredSeriesType": "bar_horizontal",
        "legend": {"isVisible": False, "position": "right"},
        "valueLabels": "show",
        "layers": [
            {"layerId": "$LAYER", "layerType": "data", "seriesType": "bar_horizontal", "xAccessor": x, "accessors": [y]}
        ],
    }
    return _lens(id_, title, view, "lnsXY", columns, vis)


def lens_over_time(id_: str, title: str, view: str, time_field: str, split_field: str) -> Obj:
    """Stacked bars over ``time_field`` split by the top values of ``split_field``."""
    x, y, s = _id(f"{id_}/x"), _id(f"{id_}/y"), _id(f"{id_}/split")
    columns = {
        x: {
            "label": time_field,
            "dataType": "date",
            "operationType": "date_histogram",
            "sourceField": time_field,
            "isBucketed": True,
            "scale": "interval",
            "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False},
        },
        s: _terms_column(split_field, "Event type", order_by=y, size=6),
        y: _count_column("Incidents"),
    }
    vis = {
        "preferredSeriesType": "bar_stacked",
        "legend": {"isVisible": True, "position": "right"},
        "valueLabels": "hide",
        "layers": [
            {
                "layerId": "$LAYER",
                "layerType": "data",
                "seriesType": "bar_stacked",
                "xAccessor": x,
                "splitAccessor": s,
                "accessors": [y],
            }
        ],
    }
    return _lens(id_, title, view, "lnsXY", columns, vis)


def lens_sum_metric(id_: str, title: str, view: str, field: str, label: str) -> Obj:
    """A single-number metric: the sum of ``field``."""
    m = _id(f"{id_}/metric")
    columns = {
        m: {
            "label": label,
            "dataType": "number",
            "operationType": "sum",
            "sourceField": field,
            "isBucketed": False,
            "scale": "ratio",
            "params": {"emptyAsNull": False},
            "customLabel": True,
        }
    }
    vis = {"layerId": "$LAYER", "layerType": "data", "metricAccessor": m}
    return _lens(id_, title, view, "lnsMetric", columns, vis)


def _points_layer(name: str, index: int, label: str, tooltips: list[str], color: str) -> Obj:
    return {
        "id": _id(f"map/{name}"),
        "label": label,
        "type": "GEOJSON_VECTOR",
        "visible": True,
        "alpha": 0.85,
        "minZoom": 0,
        "maxZoom": 24,
        "joins": [],
        "sourceDescriptor": {
            "id": _id(f"map/{name}/source"),
            "type": "ES_SEARCH",
            "geoField": "geo",
            "scalingType": "MVT",
            "filterByMapBounds": True,
            "tooltipProperties": tooltips,
            "applyGlobalQuery": True,
            "applyGlobalTime": True,
            "applyForceRefresh": True,
            "indexPatternRefName": f"layer_{index}_source_index_pattern",
        },
        "style": {
            "type": "VECTOR",
            "isTimeAware": True,
            "properties": {
                "fillColor": {"type": "STATIC", "options": {"color": color}},
                "lineColor": {"type": "STATIC", "options": {"color": "#FFFFFF"}},
                "lineWidth": {"type": "STATIC", "options": {"size": 1}},
                "iconSize": {"type": "STATIC", "options": {"size": 6}},
                "symbolizeAs": {"options": {"value": "circle"}},
                "icon": {"type": "STATIC", "options": {"value": "marker"}},
            },
        },
    }


def incident_map(id_: str, title: str) -> Obj:
    """A map with a base layer, incident points and article points (geo_point field ``geo``)."""
    layers = [
        {
            "id": _id("map/basemap"),
            "label": None,
            "type": "EMS_VECTOR_TILE",
            "visible": True,
            "alpha": 1,
            "minZoom": 0,
            "maxZoom": 24,
            "sourceDescriptor": {"type": "EMS_TMS", "isAutoSelect": True, "lightModeDefault": "road_map_desaturated"},
            "style": {"type": "EMS_VECTOR_TILE"},
        },
        _points_layer("incidents", 1, "Incidents", ["title", "event_type", "fatalities", "n_sources", "status"], "#E7664C"),
        _points_layer("articles", 2, "Articles", ["title", "event_type", "location.name", "source"], "#54B399"),
    ]
    map_state = {
        "zoom": 1.5,
        "center": {"lon": 0, "lat": 15},
        "timeFilters": {"from": "now-7d", "to": "now"},
        "refreshConfig": {"isPaused": True, "interval": 0},
        "query": {"query": "", "language": "kuery"},
        "filters": [],
        "settings": {"autoFitToDataBounds": False, "initialLocation": "LAST_SAVED_LOCATION"},
    }
    refs = [
        _ref("layer_1_source_index_pattern", "index-pattern", INCIDENTS),
        _ref("layer_2_source_index_pattern", "index-pattern", ARTICLES),
    ]
    attributes = {
        "title": title,
        "description": "Incidents and violent-event articles by location",
        "layerListJSON": json.dumps(layers),
        "mapStateJSON": json.dumps(map_state),
        "uiStateJSON": json.dumps({"isLayerTOCOpen": True, "openTOCDetails": []}),
    }
    return _obj("map", id_, attributes, refs)


def dashboard(id_: str, title: str, panels: list[tuple[Obj, int, int, int, int]]) -> Obj:
    """A dashboard of by-reference panels: (saved object, x, y, w, h) on the 48-column grid."""
    panel_list, refs = [], []
    for obj, x, y, w, h in panels:
        index = obj["id"]
        panel_list.append(
            {
                "type": obj["type"],
                "gridData": {"x": x, "y": y, "w": w, "h": h, "i": index},
                "panelIndex": index,
                "embeddableConfig": {"enhancements": {}},
                "panelRefName": f"panel_{index}",
            }
        )
        refs.append(_ref(f"{index}:panel_{index}", obj["type"], obj["id"]))
    attributes = {
        "title": title,
        "description": "Violent incidents detected in news feeds",
        "panelsJSON": json.dumps(panel_list),
        "optionsJSON": json.dumps(
            {"useMargins": True, "syncColors": False, "syncCursor": True, "syncTooltips": False, "hidePanelTitles": False}
        ),
        "timeRestore": True,
        "timeFrom": "now-7d",
        "timeTo": "now",
        "refreshInterval": {"pause": False, "value": 60000},
        "version": 1,
        "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps({"query": {"query": "", "language": "kuery"}, "filter": []})},
    }
    return _obj("dashboard", id_, attributes, refs)


def build_objects() -> list[Obj]:
    """All saved objects in import order."""
    url_format = {"url": {"id": "url", "params": {"type": "a", "urlTemplate": None, "labelTemplate": None}}}
    views = [
        data_view(ARTICLES, "Radar articles", "published_at", url_format),
        data_view(INCIDENTS, "Radar incidents", "last_updated"),
        data_view(ALERTS, "Radar alerts", "sent_at"),
    ]
    violent = saved_search(
        f"{PREFIX}-violent-24h",
        "Radar: violent events, last 24 h",
        ARTICLES,
        ["title", "event_type", "sub_event_type", "location.name", "location.country_code", "fatalities", "source", "url"],
        [["published_at", "desc"]],
        query="violent:true",
        time_range=("now-24h", "now"),
    )
    by_country = saved_search(
        f"{PREFIX}-by-country",
        "Radar: violent events by country",
        ARTICLES,
        ["location.country_code", "location.admin1", "location.name", "event_type", "fatalities", "title"],
        [["location.country_code", "asc"], ["published_at", "desc"]],
        query="violent:true",
        exists=["location.country_code"],
    )
    by_actor = saved_search(
        f"{PREFIX}-by-actor-category",
        "Radar: events by actor category",
        ARTICLES,
        ["actors.category", "actors.name", "actors.role", "event_type", "location.name", "title"],
        [["actors.category", "asc"], ["published_at", "desc"]],
        query="violent:true",
        exists=["actors.category"],
    )
    alerts = saved_search(
        f"{PREFIX}-latest-alerts",
        "Radar: latest alerts",
        ALERTS,
        ["rule", "trigger", "event_type", "country_code", "fatalities", "n_sources", "summary", "sinks"],
        [["sent_at", "desc"]],
    )
    over_time = lens_over_time(f"{PREFIX}-incidents-over-time", "Incidents over time by type", INCIDENTS, "first_seen", "event_type")
    top_actors = lens_bar(f"{PREFIX}-top-actors", "Top actors", ARTICLES, "actors.name", "Actor", "Articles")
    top_locations = lens_bar(f"{PREFIX}-top-locations", "Top locations", INCIDENTS, "location.name", "Location", "Incidents")
    fatalities = lens_sum_metric(f"{PREFIX}-fatalities", "Fatalities (incidents)", INCIDENTS, "fatalities", "Fatalities")
    the_map = incident_map(f"{PREFIX}-incident-map", "Incident map")
    board = dashboard(
        f"{PREFIX}-overview",
        "Incident Radar overview",
        [
            (fatalities, 0, 0, 12, 8),
            (over_time, 12, 0, 36, 8),
            (the_map, 0, 8, 28, 20),
            (top_actors, 28, 8, 20, 10),
            (top_locations, 28, 18, 20, 10),
            (alerts, 0, 28, 48, 12),
            (violent, 0, 40, 48, 14),
        ],
    )
    return [*views, violent, by_country, by_actor, alerts, over_time, top_actors, top_locations, fatalities, the_map, board]


def render(objects: list[Obj]) -> str:
    """NDJSON text: one compact JSON object per line, keys sorted for stable diffs."""
    return "".join(json.dumps(o, sort_keys=True, separators=(",", ":")) + "\n" for o in objects)


if __name__ == "__main__":
    sys.stdout.write(render(build_objects()))
