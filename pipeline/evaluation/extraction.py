"""Evaluate article text extraction on ``tests/data/extraction``: HTML pages written for this project
(six site layouts: news with cookie banner, related links and comments; AMP; table layout with
sidebar; blog with widgets and comments; modern page with inline ads; old wire page) with the gold
main text of each in ``gold/``.

Word-level precision and recall: the multiset of lower-cased words of the extracted text against the
gold text, micro-averaged over all pages (and the worst page).

Usage: ``python -m pipeline.evaluation.extraction [--dir PATH] [--json] [--show]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.fetch.extract import extract_article
from pipeline.settings import PROJECT_ROOT

DEFAULT_DIR = PROJECT_ROOT / "tests" / "data" / "extraction"
_WORD = re.compile(r"\w+")


def words(text: str) -> Counter[str]:
    """Multiset of lower-cased words."""
    return Counter(_WORD.findall(text.lower()))


def evaluate(directory: Path = DEFAULT_DIR) -> dict[str, Any]:
    """Extract every page of ``directory/pages`` and score it against ``directory/gold``."""
    pages = []
    tp = n_pred = n_gold = 0
    for page in sorted((directory / "pages").glob("*.html")):
        gold = words((directory / "gold" / f"{page.stem}.txt").read_text(encoding="utf-8"))
        got = extract_article(page.read_bytes(), f"https://test.example/{page.stem}")
        pred = words(got.text if got else "")
        hit = sum((gold & pred).values())
        tp, n_pred, n_gold = tp + hit, n_pred + sum(pred.values()), n_gold + sum(gold.values())
        pages.append({"page": page.stem, "precision": hit / max(1, sum(pred.values())),
                      "recall": hit / max(1, sum(gold.values())),
                      "extra": sorted((pred - gold).elements())[:20], "missing": sorted((gold - pred).elements())[:20]})
    return {"pages": len(pages), "precision": tp / max(1, n_pred), "recall": tp / max(1, n_gold),
            "min_precision": min((p["precision"] for p in pages), default=0.0),
            "min_recall": min((p["recall"] for p in pages), default=0.0), "per_page": pages}


def format_report(report: dict[str, Any]) -> str:
    """One summary line plus the pages below 0.95."""
    lines = [f"extraction on {report['pages']} pages: word precision {report['precision']:.3f}, "
             f"recall {report['recall']:.3f} (worst page: P {report['min_precision']:.3f}, R {report['min_recall']:.3f})"]
    for p in report["per_page"]:
        if p["precision"] < 0.95 or p["recall"] < 0.95:
            lines.append(f"  {p['page']}: P {p['precision']:.3f} R {p['recall']:.3f} extra={p['extra']} missing={p['missing']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print extraction quality."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if not (args.dir / "pages").is_dir():
        print(f"{args.dir}/pages not found", file=sys.stderr)
        return 2
    report = evaluate(args.dir)
    print(json.dumps(report, indent=1) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
