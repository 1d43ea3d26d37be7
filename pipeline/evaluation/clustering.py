"""Evaluate incident clustering on the labelled groups of ``tests/data/clusters.jsonl``.

Runs the real enricher on each article, then the pure clustering of :mod:`pipeline.alert.incidents`
(in publication order, as the stream would), and compares with the gold ``incident`` labels:
pairwise precision / recall / F1 and B-cubed precision / recall / F1. With ``--gold-fields`` the
clustering runs on the labelled fields instead of the enricher's output (an upper bound).

Usage: ``python -m pipeline.evaluation.clustering [--file PATH] [--json] [--gold-fields] [--show]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

from pipeline.alert.incidents import ClusterConfig, cluster
from pipeline.evaluation.devset import load_rows, to_raw
from pipeline.schemas import Actor, EnrichedArticle, Location
from pipeline.settings import PROJECT_ROOT, get_settings

DEFAULT_FILE = PROJECT_ROOT / "tests" / "data" / "clusters.jsonl"


def pair_scores(gold: dict[str, str], pred: dict[str, str]) -> dict[str, float]:
    """Pair-counting precision / recall / F1 of ``pred`` against ``gold`` (item → cluster)."""
    items = sorted(gold)
    tp = fp = fn = 0
    for a, b in combinations(items, 2):
        same_gold, same_pred = gold[a] == gold[b], pred[a] == pred[b]
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def bcubed(gold: dict[str, str], pred: dict[str, str]) -> dict[str, float]:
    """B-cubed precision / recall / F1 (averaged over items)."""
    items = sorted(gold)
    p_sum = r_sum = 0.0
    for i in items:
        same_pred = {j for j in items if pred[j] == pred[i]}
        same_gold = {j for j in items if gold[j] == gold[i]}
        both = len(same_pred & same_gold)
        p_sum += both / len(same_pred)
        r_sum += both / len(same_gold)
    p, r = p_sum / len(items), r_sum / len(items)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def gold_article(row: dict[str, Any]) -> EnrichedArticle:
    """An EnrichedArticle built from the labelled fields (for the upper-bound run)."""
    lab = row["label"]
    loc = lab.get("location")
    return EnrichedArticle(
        **to_raw(row).model_dump(), violent=lab.get("violent", False), event_type=lab.get("event_type"),
        sub_event_type=lab.get("sub_event_type"), confidence=1.0,
        location=Location(**loc, precision=lab.get("location_precision") or "city") if loc else None,
        actors=[Actor(**a) for a in lab.get("actors", [])], fatalities=lab.get("fatalities"),
        injured=lab.get("injured"), event_date=lab.get("event_date"),
        event_date_precision=lab.get("event_date_precision"),
    )


def evaluate(rows: list[dict[str, Any]], gold_fields: bool = False) -> dict[str, Any]:
    """Cluster the rows and score against their ``incident`` labels."""
    if gold_fields:
        articles = [gold_article(r) for r in rows]
    else:
        from pipeline.enrich import get_enricher

        from pipeline.progress import track

        articles = list(track(get_enricher().pipe([to_raw(r) for r in rows]), len(rows), "radar eval clustering"))
    order = sorted(articles, key=lambda a: (a.published_at or a.fetched_at, a.id))
    incidents = cluster(order, ClusterConfig.from_settings(get_settings()))
    pred = {a: inc.id for inc in incidents for a in inc.article_ids}
    for art in articles:
        pred.setdefault(art.id, f"none-{art.id}")
    gold = {str(r["id"]): r["incident"] for r in rows}
    return {"articles": len(rows), "gold_incidents": len(set(gold.values())),
            "predicted_incidents": len(set(pred.values())), "pairwise": pair_scores(gold, pred),
            "bcubed": bcubed(gold, pred), "assignments": {k: pred[k] for k in sorted(pred)}, "gold": gold}


def main(argv: list[str] | None = None) -> int:
    """Print clustering quality."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--file", type=Path, default=DEFAULT_FILE)
    p.add_argument("--json", action="store_true")
    p.add_argument("--gold-fields", action="store_true", help="cluster the labelled fields, not the enricher's")
    p.add_argument("--show", action="store_true", help="print gold vs predicted groups")
    args = p.parse_args(argv)
    if not args.file.is_file():
        print(f"{args.file} not found", file=sys.stderr)
        return 2
    report = evaluate(load_rows(args.file), args.gold_fields)
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k not in ("assignments", "gold")}, indent=1))
        return 0
    mode = "gold fields" if args.gold_fields else "enricher output"
    print(f"clustering on {report['articles']} articles ({mode}): {report['gold_incidents']} gold incidents, "
          f"{report['predicted_incidents']} predicted")
    for name in ("pairwise", "bcubed"):
        m = report[name]
        print(f"  {name:8s} precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}")
    if args.show:
        groups: dict[str, list[str]] = {}
        for art, inc in report["assignments"].items():
            groups.setdefault(inc, []).append(f"{art}({report['gold'][art]})")
        for inc, arts in sorted(groups.items(), key=lambda kv: kv[1]):
            print(f"  {inc}: {' '.join(arts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
