"""The FastAPI app behind ``radar web``: the search, incident and status pages (static files that
build every element with text nodes) and the read-only JSON API they use, documented at /openapi.json.

Every search goes through :mod:`pipeline.search`, the query builder ``radar search`` uses.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import anyio
from elasticsearch import ApiError, Elasticsearch
from elasticsearch import ConnectionError as ESConnectionError
from fastapi import FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from pipeline.index.client import make_client
from pipeline.schemas import EVENT_TYPES, utcnow
from pipeline.search import FacetCache, QueryError, SearchQuery, next_cursor, run_search
from pipeline.settings import Settings, get_settings
from pipeline.web import data
from pipeline.web.security import SecurityMiddleware

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
#: Marks around highlighted words in snippets: private-use characters that article text does not use,
#: so the page can split on them and build <mark> elements from text.
MARKS = ("\ue000", "\ue001")


class Facet(BaseModel):
    value: Any
    count: int


class Day(BaseModel):
    day: str = Field(description="YYYY-MM-DD (UTC)")
    count: int
    types: dict[str, int] = Field(description="articles per event type that day")


class Place(BaseModel):
    point: str = Field(description="LAT,LON rounded to 0.01°; a hit's _place names its point")
    lat: float
    lon: float
    label: str = Field(description="place, admin1, country code")
    count: int = Field(description="matching articles at this point")
    types: dict[str, int] = Field(description="matching articles per event type")


class SearchResponse(BaseModel):
    total: int
    took_ms: float = Field(description="server time of the search, facets and map places")
    hits: list[dict[str, Any]] = Field(description="article documents with highlight (words between U+E000 and U+E001)")
    next_after: str | None = Field(None, description="pass as ?after= for the next page (search_after, any depth)")
    facets: dict[str, list[Facet]] = Field(default_factory=dict)
    timeline: list[Day] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list, description="busiest map points of all matches (not only this page)")


class IncidentResponse(BaseModel):
    incident: dict[str, Any]
    articles: list[dict[str, Any]]
    fatalities: list[dict[str, Any]] = Field(description="per source: points {at, fatalities, article_id}")
    alerts: list[dict[str, Any]]


class Problem(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": Problem}, 401: {"model": Problem},
                                            503: {"model": Problem}}


def _parse_after(value: str | None) -> list[Any] | None:
    if not value:
        return None
    try:
        after = json.loads(value)
    except ValueError:
        raise QueryError("after: not a cursor from a previous page") from None
    if not isinstance(after, list) or not all(isinstance(x, (str, int, float)) or x is None for x in after):
        raise QueryError("after: not a cursor from a previous page")
    return after


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web app for ``settings`` (default: the process settings)."""
    s = settings or get_settings()
    es: Elasticsearch = make_client(s)
    app = FastAPI(title="Incident Radar", version="1", docs_url=None, redoc_url=None,
                  description="Read-only JSON API of the Incident Radar search page: full-text search of "
                              "enriched news articles with facets, map points and a timeline; incidents; alerts "
                              "(also live as Server-Sent Events); pipeline status.")
    app.add_middleware(SecurityMiddleware, settings=s)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.es = es
    facet_cache = FacetCache(s.web_facet_cache_s, s.web_facet_cache_entries) if s.web_facet_cache_s > 0 else None

    @app.exception_handler(QueryError)
    async def _bad_query(_: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        status = 400 if exc.status_code == 400 else 503
        return JSONResponse({"detail": f"search server answered {exc.status_code}: {exc.message}"[:500]},
                            status_code=status)

    @app.exception_handler(ESConnectionError)
    async def _unreachable(_: Request, exc: ESConnectionError) -> JSONResponse:
        return JSONResponse({"detail": f"search server {s.es_url} is unreachable"}, status_code=503)

    for path, page in (("/", "index.html"), ("/status", "status.html")):
        app.add_api_route(path, _page(page), include_in_schema=False, methods=["GET"])

    @app.get("/incident/{incident_id}", include_in_schema=False)
    def incident_page(incident_id: str) -> FileResponse:
        return FileResponse(STATIC / "incident.html")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/meta", summary="Event types and sub-types")
    def meta() -> dict[str, Any]:
        return {"event_types": EVENT_TYPES, "page_size_max": s.web_page_size_max}

    @app.get("/api/search", response_model=SearchResponse, responses=ERRORS, summary="Search articles")
    def search(
        q: str = Query("", description="full text over title and body (and place and actor names)"),
        type: list[str] = Query([], description="event type or sub-type (repeatable; any of them)"),
        sub_type: list[str] = Query([], description="sub-event type (repeatable)"),
        country: list[str] = Query([], description="ISO-2 code of the event location (repeatable)"),
        admin1: list[str] = Query([], description="first-level admin area, e.g. Chihuahua (repeatable)"),
        actor: list[str] = Query([], description="actor name as indexed (repeatable)"),
        actor_category: list[str] = Query([], description="e.g. State forces, Criminal groups (repeatable)"),
        source: list[str] = Query([], description="source (outlet) name (repeatable)"),
        incident: str | None = Query(None, description="only articles of this incident"),
        since: str | None = Query(None, description="e.g. 30m, 12h, 7d, 2w"),
        date_from: str | None = Query(None, alias="from", description="published on/after, ISO date"),
        date_to: str | None = Query(None, alias="to", description="published on/before, ISO date"),
        near: str | None = Query(None, description="LAT,LON,KM"),
        violent: bool = Query(False, description="only violent events"),
        sort: Literal["newest", "relevance"] = Query("relevance", description="relevance needs q"),
        size: int = Query(20, ge=0, description="hits per page"),
        after: str | None = Query(None, description="next_after of the previous page"),
        facets: bool = Query(True, description="return facet counts and the timeline"),
        map: bool = Query(True, description="return the map's places"),
    ) -> dict[str, Any]:
        if len(q) > s.web_max_query_chars:
            raise QueryError(f"q: longer than {s.web_max_query_chars} characters")
        if size > s.web_page_size_max:
            raise QueryError(f"size {size}: at most {s.web_page_size_max}")
        if to_date := date_to:
            to_date = to_date + "T23:59:59.999Z" if len(to_date) == 10 else to_date
        query = SearchQuery(text=q, event_types=type, sub_event_types=sub_type, countries=country, admin1=admin1,
                            actor_names=actor, actor_categories=actor_category, sources=source, incident_id=incident,
                            since=since, date_from=date_from, date_to=to_date, near=near, violent_only=violent,
                            size=size, sort="newest" if sort == "newest" else "best",
                            search_after=_parse_after(after))
        started = time.perf_counter()
        result = run_search(es, s.articles_alias, query, links_index=s.links_alias,
                            facets=s.web_facet_size if facets else 0,
                            map_points=s.web_map_max_points if map else 0, tags=MARKS, facet_cache=facet_cache,
                            facet_terms_max=s.web_facet_terms_max)
        result["took_ms"] = round((time.perf_counter() - started) * 1000, 1)
        if (cursor := next_cursor(query, result["hits"])) is not None:
            result["next_after"] = json.dumps(cursor)
        return result

    @app.get("/api/incidents/{incident_id}", response_model=IncidentResponse, responses={404: {"model": Problem}},
             summary="One incident with its articles, fatality reports and alerts")
    def incident(incident_id: str) -> Any:
        if len(incident_id) > 128:
            raise QueryError("incident id: longer than 128 characters")
        inc = data.get_incident(es, s, incident_id)
        if inc is None:
            return JSONResponse({"detail": f"no incident {incident_id!r}"}, status_code=404)
        articles = data.incident_articles(es, s, inc)
        return {"incident": inc, "articles": articles, "fatalities": data.fatality_series(articles),
                "alerts": data.alerts(es, s, incident_id=incident_id, size=s.web_alerts_recent)}

    @app.get("/api/alerts", responses=ERRORS, summary="Recent alerts, newest first")
    def recent_alerts(size: int = Query(20, ge=1, le=500)) -> dict[str, Any]:
        return {"alerts": data.alerts(es, s, size=size), "now": utcnow().isoformat()}

    @app.get("/api/alerts/stream", summary="New alerts as Server-Sent Events (event: alert, data: JSON)",
             response_class=StreamingResponse, responses={200: {"content": {"text/event-stream": {}}}})
    async def alert_stream(request: Request, since: str | None = Query(None, description="ISO time; default now")) -> Any:
        if since is not None:
            try:
                datetime.fromisoformat(since)
            except ValueError:
                raise QueryError(f"since {since!r}: expected an ISO timestamp") from None
        return StreamingResponse(_alert_events(request, since or utcnow().isoformat()), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def _alert_events(request: Request, since: str) -> AsyncIterator[str]:
        last, quiet = since, 0.0
        seen: dict[str, str] = {}  # ids already sent whose created_at is not before ``last``
        yield "retry: 2000\n\n"
        while not await request.is_disconnected():
            try:
                new = await anyio.to_thread.run_sync(lambda: data.alerts(es, s, after=last, size=100, newest_first=False))
            except (ApiError, ESConnectionError) as exc:
                log.warning("alert stream: %s", exc)
                new = []
            for doc in new:
                if doc.get("id") in seen:
                    continue
                created = doc.get("created_at") or last
                seen[doc.get("id")] = created
                last, quiet = max(last, created), 0.0
                yield f"event: alert\ndata: {json.dumps(doc, ensure_ascii=False)}\n\n"
            seen = {k: v for k, v in seen.items() if v >= last}
            await asyncio.sleep(s.web_sse_poll_s)
            quiet += s.web_sse_poll_s
            if quiet >= s.web_sse_heartbeat_s:
                quiet = 0.0
                yield ": keep-alive\n\n"

    @app.get("/api/status", summary="The facts of `radar status`: consumer lag, index counts, feeds")
    def status() -> dict[str, Any]:
        from pipeline.status import collect_status

        return json.loads(json.dumps(collect_status(s), default=str))

    return app


def _page(name: str):  # noqa: ANN202 - a route handler
    def page() -> FileResponse:
        return FileResponse(STATIC / name)

    return page


def serve(settings: Settings | None = None) -> None:
    """Run the app with uvicorn on ``web_host:web_port`` until Ctrl-C."""
    import uvicorn

    s = settings or get_settings()
    uvicorn.run(create_app(s), host=s.web_host, port=s.web_port, log_level="warning", access_log=False)
