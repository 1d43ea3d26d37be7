"""Benchmark: end-to-end throughput and latency of the embedded stack, and enrich-only throughput.

    .venv/bin/python bench/pipeline_bench.py [--articles 2000] [--enrich-workers 1] [--words 200]

Starts its own Kafka and search servers on free loopback ports, produces N generated articles to
``articles.raw`` and measures until all are searchable. Latency = indexed_at − produced (fetched_at).
Prints numbers and ratios; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import bus  # noqa: E402
from pipeline.index.client import make_client  # noqa: E402
from pipeline.schemas import RawArticle, dump, utcnow  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.stack import Service, Stack, free_port, radar_env, start_servers  # noqa: E402

PLACES = ["Madera, Chihuahua", "Culiacán, Sinaloa", "Mopti, Mali", "Idlib, Syria", "Maiduguri, Nigeria",
          "Kherson, Ukraine", "Peshawar, Pakistan", "Goma, Democratic Republic of the Congo", "Arauca, Colombia",
          "Mogadishu, Somalia", "Kandahar, Afghanistan", "Nairobi, Kenya"]
ACTORS = [("Gunmen", "police officers"), ("Cartel gunmen", "soldiers"), ("Militants", "a military convoy"),
          ("Rebels", "an army post"), ("Protesters", "riot police"), ("Unidentified attackers", "villagers")]
VERBS = ["attacked", "ambushed", "opened fire on", "clashed with", "fired rockets at"]
FILLER = ("Officials said the situation remained tense and that reinforcements had been sent. Residents described "
          "hearing gunfire for more than an hour. Local media reported that schools and shops stayed closed. "
          "Authorities promised an investigation and said more details would be released later. ")


def make_articles(n: int, words: int, seed: int = 7) -> list[RawArticle]:
    """N synthetic, varied news articles of about ``words`` words."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        place = rng.choice(PLACES)
        who, whom = rng.choice(ACTORS)
        verb = rng.choice(VERBS)
        dead = rng.randint(0, 30)
        lead = f"{who} {verb} {whom} in {place} on Sunday, killing {dead} people and wounding {rng.randint(0, 20)}, officials said. "
        body = lead
        while len(body.split()) < words:
            body += FILLER
        out.append(RawArticle(id=f"bench-{i:06d}", url=f"http://bench.example/{i}", source="bench.example",
                              title=f"{who} {verb} {whom} in {place.split(',')[0]}", body=body,
                              published_at=utcnow()))
    return out


def enrich_only(articles: list[RawArticle]) -> float:
    """Articles per second of the enricher alone, in this process (one core)."""
    from pipeline.enrich import get_enricher

    enricher = get_enricher()
    list(enricher.pipe(articles[:20]))
    start = time.perf_counter()
    for _ in enricher.pipe(articles):
        pass
    return len(articles) / (time.perf_counter() - start)


def end_to_end(articles: list[RawArticle], enrich_workers: int, timeout_s: float) -> dict[str, float]:
    """Produce to articles.raw and wait until every article is searchable; throughput and latency."""
    data = Path(tempfile.mkdtemp(prefix="radar-bench-"))
    kp, ep = free_port(), free_port()
    s = Settings(data_dir=data, embedded_kafka_port=kp, embedded_es_port=ep, kafka_bootstrap=f"127.0.0.1:{kp}",
                 es_url=f"http://127.0.0.1:{ep}", archive_enabled=True)
    stack = Stack(s)
    try:
        start_servers(stack)
        env = {**radar_env(s), "RADAR_ARCHIVE_ENABLED": "true"}
        for name, count in (("enrich", enrich_workers), ("index", 1)):
            for k in range(count):
                stack.start(Service(f"bench-{name}-{k}", [sys.executable, "-m", "pipeline.cli", "worker", name], env=env))
        es = make_client(s)
        time.sleep(8)
        producer = bus.make_producer(s)
        start = time.perf_counter()
        for a in articles:
            a.fetched_at = utcnow()
            bus.send(producer, s.topic_raw, a.id, dump(a), s)
        producer.flush()
        produce_s = time.perf_counter() - start
        count = 0
        while time.perf_counter() - start < timeout_s:
            es.indices.refresh(index=s.articles_alias)
            count = es.count(index=s.articles_alias)["count"]
            if count >= len(articles):
                break
            time.sleep(0.25)
        total_s = time.perf_counter() - start
        lat = []
        resp = es.search(index=s.articles_alias, size=10_000, source=["fetched_at", "indexed_at"], query={"match_all": {}})
        for h in resp["hits"]["hits"]:
            src = h["_source"]
            lat.append((datetime.fromisoformat(src["indexed_at"]) - datetime.fromisoformat(src["fetched_at"])).total_seconds())
        lat.sort()
        return {"indexed": count, "produce_s": produce_s, "total_s": total_s, "throughput": count / total_s,
                "p50": statistics.median(lat) if lat else float("nan"),
                "p95": lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")}
    finally:
        stack.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a small report."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--articles", type=int, default=2000)
    p.add_argument("--words", type=int, default=200)
    p.add_argument("--enrich-workers", type=int, default=1)
    p.add_argument("--timeout", type=float, default=1800)
    args = p.parse_args(argv)
    articles = make_articles(args.articles, args.words)
    e2e = end_to_end(articles, args.enrich_workers, args.timeout)
    only = enrich_only(articles)
    print(f"articles: {args.articles} of ~{args.words} words · enrich workers: {args.enrich_workers} · cores: {os.cpu_count()}")
    print(f"end-to-end: {e2e['indexed']} searchable in {e2e['total_s']:.1f}s → {e2e['throughput']:.1f} articles/s "
          f"(produce took {e2e['produce_s']:.1f}s)")
    print(f"latency raw→searchable: p50 {e2e['p50']:.2f}s · p95 {e2e['p95']:.2f}s")
    print(f"enrich-only (1 process): {only:.1f} articles/s")
    print(f"ratio end-to-end / enrich-only: {e2e['throughput'] / only:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
