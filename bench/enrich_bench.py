"""Enrichment throughput on one core: articles/s, words/article, ms per spaCy component, peak RSS.

Articles/s is given per wall-clock second and per second of this process's CPU time (the latter is
steadier on a shared machine).

Two sets of ~600-word articles, both our own text: ``dense`` concatenates seven dev-set bodies (every
sentence carries a cue word, up to five events an article: the worst case for selective parsing and
for per-event scoring), ``long`` is 24 articles written as long news stories
(``bench/data/long_articles.jsonl``: 14 single incidents with quotes and background, 4 two-incident
roundups, 6 non-violent stories), repeated to ``-n``. Run pinned to one core, e.g.
``taskset -c 1 python bench/enrich_bench.py``.
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
LONG_ARTICLES = Path(__file__).resolve().parent / "data" / "long_articles.jsonl"


def build_articles(n: int, parts: int = 7) -> list[RawArticle]:
    """``n`` long articles made of ``parts`` consecutive dev-set bodies each."""
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for i in range(n):
        body = " ".join(rows[(i + k) % len(rows)]["body"] for k in range(parts))
        out.append(RawArticle(id=str(i), title=rows[i % len(rows)]["title"], body=body))
    return out


def long_articles(n: int) -> list[RawArticle]:
    """``n`` articles from the long-story set, in order, repeated as needed."""
    rows = [json.loads(line) for line in LONG_ARTICLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [RawArticle(id=f"{i}", title=rows[i % len(rows)]["title"], body=rows[i % len(rows)]["body"])
            for i in range(n)]


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


def _throughput(articles: list[RawArticle], batch_size: int) -> tuple[float, float]:
    """(articles/s wall, articles/s of CPU time) of the enricher over ``articles``, models loaded."""
    enricher = get_enricher()
    list(enricher.pipe(articles[:5], batch_size=batch_size))  # load models, warm caches
    t, c = time.perf_counter(), time.process_time()
    list(enricher.pipe(articles, batch_size=batch_size))
    return len(articles) / (time.perf_counter() - t), len(articles) / (time.process_time() - c)


def _report(name: str, articles: list[RawArticle], rates: tuple[float, float], batch_size: int) -> None:
    """Print one set's throughput, the spaCy-alone reference and the per-component cost."""
    words = sum(len(a.body.split()) for a in articles) / len(articles)
    c = time.process_time()
    list(get_nlp().pipe((a.body for a in articles), batch_size=batch_size))
    spacy_rate = len(articles) / (time.process_time() - c)
    components, parsed_share = per_component_ms(articles, batch_size)
    print(f"enrich {name}: {rates[0]:.2f} articles/s wall, {rates[1]:.2f} articles/s of CPU time, at {words:.0f} "
          f"words/article (spaCy alone {spacy_rate:.2f} docs/s of CPU time)")
    print(f"  tokens tagged/parsed: {100 * parsed_share:.0f}% (selective parsing "
          f"{'on' if get_settings().enrich_selective_parse else 'off'})")
    for comp, ms in components.items():
        print(f"  {comp:18s} {ms:7.1f} ms/article")


def main() -> None:
    """Print throughput, words/article, per-component cost and peak RSS for each article set."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=60, help="articles to enrich per set")
    ap.add_argument("--set", choices=["dense", "long", "both"], default="both", help="which article set(s)")
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
    builders = {"dense": build_articles, "long": long_articles}
    sets = {k: f(args.n) for k, f in builders.items() if args.set in (k, "both")}
    rates = {k: _throughput(arts, args.batch_size) for k, arts in sets.items()}
    enrich_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for k, arts in sets.items():
        _report(k, arts, rates[k], args.batch_size)
    print(f"peak RSS: {enrich_peak:.0f} MiB while enriching, "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB with the reference passes")


if __name__ == "__main__":
    main()
