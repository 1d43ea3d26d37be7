"""Enrichment throughput on one core: articles/s, words/article, ms per spaCy component, peak RSS.

Articles/s is given per wall-clock second and per second of this process's CPU time (the latter is
steadier on a shared machine).

Articles of ~600 words are built by concatenating seven dev-set bodies (our own text). Run pinned
to one core, e.g. ``taskset -c 1 python bench/enrich_bench.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections import defaultdict
from pathlib import Path

from pipeline.enrich import get_enricher, to_article
from pipeline.nlp import PARSED_TOKENS_KEY, get_nlp
from pipeline.schemas import RawArticle
from pipeline.settings import get_settings

DEVSET = Path(__file__).resolve().parent.parent / "tests" / "data" / "devset.jsonl"


def build_articles(n: int, parts: int = 7) -> list[RawArticle]:
    """``n`` long articles made of ``parts`` consecutive dev-set bodies each."""
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for i in range(n):
        body = " ".join(rows[(i + k) % len(rows)]["body"] for k in range(parts))
        out.append(RawArticle(id=str(i), title=rows[i % len(rows)]["title"], body=body))
    return out


def per_component_ms(articles: list[RawArticle], batch_size: int) -> tuple[dict[str, float], float]:
    """Milliseconds per article spent in each spaCy component (and in making docs and output messages),
    and the share of tokens fully parsed."""
    enricher = get_enricher()
    spent: dict[str, float] = defaultdict(float)
    t = time.perf_counter()
    docs = [enricher.make_doc(a) for a in articles]
    spent["make_doc"] += time.perf_counter() - t
    for start in range(0, len(docs), batch_size):
        batch = docs[start:start + batch_size]
        for name, proc in enricher.nlp.pipeline:
            t = time.perf_counter()
            batch = list(proc.pipe(batch, batch_size=batch_size)) if hasattr(proc, "pipe") else [proc(d) for d in batch]
            spent[name] += time.perf_counter() - t
        docs[start:start + batch_size] = batch
    t = time.perf_counter()
    for d in docs:
        to_article(d)
    spent["to_article"] += time.perf_counter() - t
    parsed = [d.user_data.get(PARSED_TOKENS_KEY, len(d)) for d in docs if d._.parsed]
    total = sum(len(d) for d in docs if d._.parsed)
    return {k: 1000 * v / len(articles) for k, v in spent.items()}, sum(parsed) / max(1, total)


def _enrich_all(articles: list[RawArticle], selective: bool, batch_size: int) -> list:
    os.environ["RADAR_ENRICH_SELECTIVE_PARSE"] = "true" if selective else "false"
    get_settings.cache_clear()
    try:
        return list(get_enricher().pipe(articles, batch_size=batch_size))
    finally:
        del os.environ["RADAR_ENRICH_SELECTIVE_PARSE"]
        get_settings.cache_clear()


def agreement(n: int, batch_size: int) -> dict[str, float]:
    """Share of ``n`` long articles whose violent/event_type/location/fatalities are the same with
    selective parsing as with the full parse (the article's first dev story sets the title)."""
    articles = build_articles(n)
    sel, full = (_enrich_all(articles, flag, batch_size) for flag in (True, False))
    fields = {
        "violent": lambda a: a.violent,
        "event_type": lambda a: a.event_type,
        "location": lambda a: (a.location.name, a.location.country_code) if a.location else None,
        "fatalities": lambda a: a.fatalities,
    }
    out = {k: sum(f(x) == f(y) for x, y in zip(sel, full)) / n for k, f in fields.items()}
    out["all"] = sum(all(f(x) == f(y) for f in fields.values()) for x, y in zip(sel, full)) / n
    return out


def main() -> None:
    """Print throughput, words/article, per-component cost and peak RSS."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=60, help="articles to enrich")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--full-parse", action="store_true", help="turn selective parsing off")
    ap.add_argument("--agreement", type=int, metavar="N", help="only compare selective vs full parse on N articles")
    args = ap.parse_args()
    if args.agreement:
        for name, share in agreement(args.agreement, args.batch_size).items():
            print(f"  agreement {name:11s} {share:.3f}")
        return
    if args.full_parse:
        os.environ["RADAR_ENRICH_SELECTIVE_PARSE"] = "false"
        get_settings.cache_clear()
    articles = build_articles(args.n)
    words = sum(len(a.body.split()) for a in articles) / len(articles)
    enricher = get_enricher()
    list(enricher.pipe(articles[:5], batch_size=args.batch_size))  # load models, warm caches
    t, c = time.perf_counter(), time.process_time()
    list(enricher.pipe(articles, batch_size=args.batch_size))
    rate, cpu_rate = len(articles) / (time.perf_counter() - t), len(articles) / (time.process_time() - c)
    enrich_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    nlp = get_nlp()
    c = time.process_time()
    list(nlp.pipe((a.body for a in articles), batch_size=args.batch_size))
    spacy_rate = len(articles) / (time.process_time() - c)
    components, parsed_share = per_component_ms(articles, args.batch_size)
    print(f"enrich: {rate:.2f} articles/s wall, {cpu_rate:.2f} articles/s of CPU time, at {words:.0f} words/article"
          f" (spaCy alone {spacy_rate:.2f} docs/s of CPU time)")
    print(f"  tokens tagged/parsed: {100 * parsed_share:.0f}% (selective parsing "
          f"{'on' if get_settings().enrich_selective_parse else 'off'})")
    for name, ms in components.items():
        print(f"  {name:18s} {ms:7.1f} ms/article")
    print(f"peak RSS: {enrich_peak:.0f} MiB while enriching, "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB with the reference passes")


if __name__ == "__main__":
    main()
