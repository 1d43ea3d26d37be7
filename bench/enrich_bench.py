"""Enrichment throughput on one core: articles/s, words/article, ms per step, peak RSS.

Articles/s is given per wall-clock second and per second of this process's CPU time (the latter is
steadier on a shared machine).

Articles of ~600 words are built by concatenating seven dev-set bodies (our own text). Run pinned
to one core, e.g. ``taskset -c 1 python bench/enrich_bench.py``.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections import defaultdict
from pathlib import Path

from pipeline.enrich import EnrichDoc, get_enricher, to_article
from pipeline.nlp import get_nlp
from pipeline.schemas import RawArticle

DEVSET = Path(__file__).resolve().parent.parent / "tests" / "data" / "devset.jsonl"


def build_articles(n: int, parts: int = 7) -> list[RawArticle]:
    """``n`` long articles made of ``parts`` consecutive dev-set bodies each."""
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for i in range(n):
        body = " ".join(rows[(i + k) % len(rows)]["body"] for k in range(parts))
        out.append(RawArticle(id=str(i), title=rows[i % len(rows)]["title"], body=body))
    return out


def per_step_ms(articles: list[RawArticle], batch_size: int) -> dict[str, float]:
    """Milliseconds per article spent in each enrichment step."""
    enricher = get_enricher()
    docs = [EnrichDoc(raw=a) for a in articles]
    spent: dict[str, float] = defaultdict(float)
    for step in enricher.steps:
        t = time.perf_counter()
        docs = step.batch(docs, batch_size) if step.batch is not None else [step(d) for d in docs]
        spent[step.name] += time.perf_counter() - t
    t = time.perf_counter()
    for d in docs:
        to_article(d)
    spent["to_article"] += time.perf_counter() - t
    return {k: 1000 * v / len(articles) for k, v in spent.items()}


def main() -> None:
    """Print throughput, words/article, per-step cost and peak RSS."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=60, help="articles to enrich")
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()
    articles = build_articles(args.n)
    words = sum(len(a.body.split()) for a in articles) / len(articles)
    enricher = get_enricher()
    list(enricher.pipe(articles[:5], batch_size=args.batch_size))  # load models, warm caches
    t, c = time.perf_counter(), time.process_time()
    list(enricher.pipe(articles, batch_size=args.batch_size))
    rate, cpu_rate = len(articles) / (time.perf_counter() - t), len(articles) / (time.process_time() - c)
    nlp = get_nlp()
    c = time.process_time()
    list(nlp.pipe((a.body for a in articles), batch_size=args.batch_size))
    spacy_rate = len(articles) / (time.process_time() - c)
    steps = per_step_ms(articles, args.batch_size)
    print(f"enrich: {rate:.2f} articles/s wall, {cpu_rate:.2f} articles/s of CPU time, at {words:.0f} words/article"
          f" (spaCy alone {spacy_rate:.2f} docs/s of CPU time)")
    for name, ms in steps.items():
        print(f"  {name:15s} {ms:7.1f} ms/article")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
