"""Benchmark: server time of the search page's API (hits + facets + map + timeline) at 20k articles.

    .venv/bin/python bench/web_bench.py [--articles 20000] [--distinct 300] [--repeat 20]

Starts its own osmem search server on a free loopback port, enriches ``--distinct`` generated articles
(bench/pipeline_bench.py's generator) with the real enricher, and indexes ``--articles`` documents made
from them (new ids, sources and publication times spread over 60 days) through the index stage's own
code (``search_document`` + ``bulk_index``). Then it times ``GET /api/search`` of the web app in this
process, as the page calls it, for a few representative queries, first with facets computed on every
request (a query seen for the first time), then with the facet cache on (paging, re-sorting, reloads
of a shared link within its TTL), and prints p50/p95 in ms and the ratio to the 300 ms target.
It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipeline_bench import make_articles  # noqa: E402
from pipeline.index.client import make_client  # noqa: E402
from pipeline.index.indexer import bulk_index, search_document  # noqa: E402
from pipeline.index.setup import setup_indices, wait_for_search  # noqa: E402
from pipeline.schemas import EnrichedArticle, utcnow  # noqa: E402
from pipeline.search import MAX_OFFSET  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.stack import Service, Stack, free_port, search_argv  # noqa: E402

TARGET_MS = 300.0
SOURCES = [f"outlet-{i:02d}.example" for i in range(40)]
#: name -> query parameters of /api/search (the page asks for facets and map unless it loads more)
QUERIES: dict[str, dict[str, Any]] = {
    "empty query (newest)": {},
    "text 'cartel gunmen'": {"q": "cartel gunmen"},
    "text, newest first": {"q": "attacked police", "sort": "newest"},
    "filters: type+country+violent": {"type": "Battles", "country": "MX", "violent": "true"},
    "text + actor category + dates": {"q": "killing", "actor_category": "State forces", "from": "2000-01-01"},
    "near a point (200 km)": {"near": "29.19,-108.14,200"},
}


def enriched_corpus(n: int, distinct: int, seed: int = 11) -> list[dict[str, Any]]:
    """``n`` search documents made from ``distinct`` really enriched generated articles."""
    from pipeline.enrich import get_enricher

    base = list(get_enricher().pipe(make_articles(distinct, 200, seed=seed)))
    rng = random.Random(seed)
    now = utcnow()
    docs = []
    for i in range(n):
        src = base[i % len(base)]
        at = now - timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        article = EnrichedArticle(**{**src.model_dump(), "id": f"web-{i:06d}", "url": f"http://bench.example/{i}",
                                     "source": rng.choice(SOURCES), "published_at": at, "fetched_at": at})
        docs.append(search_document(article))
    return docs


def index_corpus(es: Any, alias: str, docs: list[dict[str, Any]], chunk: int = 1000) -> float:
    """Bulk-index ``docs`` in chunks; seconds taken."""
    start = time.perf_counter()
    for i in range(0, len(docs), chunk):
        rejected = bulk_index(es, alias, docs[i:i + chunk])
        if rejected:
            raise RuntimeError(f"bulk rejected {len(rejected)} documents: {rejected[0][1]}")
    es.indices.refresh(index=alias)
    return time.perf_counter() - start


def deep_cursor(client: Any, params: dict[str, Any], depth: int) -> str:
    """The ``after`` cursor of the page at ``depth`` hits (walked 100 at a time, untimed)."""
    after, seen = None, 0
    while seen < depth:
        resp = client.get("/api/search", params={**params, "size": 100, "facets": "false", "map": "false",
                                                  **({"after": after} if after else {})})
        if resp.status_code != 200:
            raise RuntimeError(f"walking {params} at hit {seen}: {resp.status_code} {resp.text[:300]}")
        page = resp.json()
        seen += len(page["hits"])
        after = page.get("next_after")
        if not after:
            raise RuntimeError(f"only {seen} hits for {params}")
    return after


def time_query(client: Any, params: dict[str, Any], repeat: int) -> dict[str, float]:
    """p50/p95 of the request time (ms) and of the API's own took_ms, the hit total and the body size."""
    for _ in range(2):
        client.get("/api/search", params=params)
    wall, took = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        resp = client.get("/api/search", params=params)
        wall.append((time.perf_counter() - start) * 1000)
        if resp.status_code != 200:
            raise RuntimeError(f"{params}: {resp.status_code} {resp.text[:300]}")
        took.append(resp.json()["took_ms"])
    wall.sort()
    body = resp.json()
    return {"p50": statistics.median(wall), "p95": wall[min(len(wall) - 1, int(0.95 * len(wall)))],
            "took_p50": statistics.median(took), "total": body["total"], "kb": len(resp.content) / 1024,
            "map": len(body.get("places", []))}


def main(argv: list[str] | None = None) -> int:
    """Index the corpus, time the queries (facet cache off, then on), print a report."""
    logging.disable(logging.INFO)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--articles", type=int, default=20_000)
    p.add_argument("--distinct", type=int, default=300)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    from fastapi.testclient import TestClient

    from pipeline.web.app import create_app

    port = free_port()
    s = Settings(data_dir=Path(tempfile.mkdtemp(prefix="radar-web-bench-")), es_url=f"http://127.0.0.1:{port}",
                 index_prefix="webbench")
    stack = Stack(s)
    try:
        stack.start(Service("search", search_argv(port), port=port))
        es = make_client(s)
        wait_for_search(es, s.startup_timeout_s)
        setup_indices(es, s)
        t0 = time.perf_counter()
        docs = enriched_corpus(args.articles, args.distinct)
        prep_s = time.perf_counter() - t0
        index_s = index_corpus(es, s.articles_alias, docs)
        count = es.count(index=s.articles_alias)["count"]
        print(f"indexed {count} articles ({args.distinct} distinct enriched texts, {prep_s:.1f}s to enrich and "
              f"build) in {index_s:.1f}s; page size 20, facets {s.web_facet_size}/facet, map ≤ {s.web_map_max_points} places")
        worst: dict[str, float] = {}
        for mode, cache_s in (("cold: facets computed on every request", 0.0), ("facet cache on (repeat, paging)", 30.0)):
            with TestClient(create_app(s.model_copy(update={"web_facet_cache_s": cache_s}))) as client:
                queries = dict(QUERIES)
                for sort, params, share in (("newest", {}, 0.75), ("relevance", {"q": "said officials"}, 0.6)):
                    depth = int(share * count) // 100 * 100
                    if sort == "relevance":  # the corpus repeats 300 texts: past 10,000 hits many share one score
                        depth = min(depth, MAX_OFFSET - 1000)
                    queries[f"deep page, {sort} (after hit {depth:,})"] = {
                        **params, "after": deep_cursor(client, params, depth), "facets": "false", "map": "false"}
                print(f"\n{mode}\n{'query':38} {'hits':>6} {'p50 ms':>7} {'p95 ms':>7} {'took':>6} {'map':>5} "
                      f"{'KiB':>6} {'p95/300':>7}")
                worst[mode] = 0.0
                for name, params in queries.items():
                    r = time_query(client, {"size": 20, **params}, args.repeat)
                    worst[mode] = max(worst[mode], r["p95"])
                    print(f"{name:38} {r['total']:>6} {r['p50']:>7.1f} {r['p95']:>7.1f} {r['took_p50']:>6.1f} "
                          f"{r['map']:>5} {r['kb']:>6.0f} {r['p95'] / TARGET_MS:>7.2f}", flush=True)
                print(f"worst p95 {worst[mode]:.1f} ms = {worst[mode] / TARGET_MS:.2f} × the {TARGET_MS:.0f} ms target "
                      f"({'within' if worst[mode] <= TARGET_MS else 'OVER'} target)")
        print(json.dumps({"worst_p95_ms": {k: round(v, 1) for k, v in worst.items()}, "target_ms": TARGET_MS}))
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
