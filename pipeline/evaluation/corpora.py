"""End-to-end geoparser evaluation on the public LGL, TR-News and GeoVirus corpora.

The corpora are read from ``settings.benchmarks_dir`` at run time and never copied. The geoparser
finds toponyms itself (no gold spans). Metrics per corpus:

* toponym recall: gold toponyms with coordinates whose span a predicted span overlaps
* precision: predicted spans that overlap any gold span
* acc@161km: matched gold toponyms whose predicted place lies within 161 km (unresolved = wrong)
* exact id: matched gold toponyms whose predicted GeoNames id equals the gold id (LGL, TR-News)
* mean error km over matched toponyms that were resolved

GeoVirus is held out: the geoparser was tuned on LGL and TR-News only.

Run: ``python -m pipeline.evaluation.corpora --corpus all [--limit N] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pipeline.geo.distance import haversine_km
from pipeline.progress import track
from pipeline.settings import get_settings

CORPUS_FILES = {"lgl": "lgl.xml", "trnews": "TR-News.xml", "geovirus": "GeoVirus.xml"}
ACCURACY_KM = 161.0
NLP_BATCH = 16


@dataclass
class GoldToponym:
    """One annotated toponym; ``lat``/``lon`` are None where the corpus gives no coordinates."""

    start: int
    end: int
    phrase: str
    lat: float | None
    lon: float | None
    geonameid: int | None


@dataclass
class GoldArticle:
    """Article text with its gold toponyms."""

    text: str
    toponyms: list[GoldToponym]


def corpus_path(corpus: str) -> Path:
    """Path of a corpus XML file under the configured benchmarks directory."""
    return get_settings().benchmarks_dir / "geoparsing_gritta_corpora" / "Corpora" / CORPUS_FILES[corpus]


def _float(node: ET.Element | None, tag: str) -> float | None:
    value = node.findtext(tag) if node is not None else None
    return float(value) if value not in (None, "") else None


def load_corpus(corpus: str, limit: int | None = None) -> list[GoldArticle]:
    """Parse a corpus file (LGL/TR-News ``toponym`` schema or GeoVirus ``location`` schema)."""
    root = ET.parse(corpus_path(corpus)).getroot()
    articles: list[GoldArticle] = []
    for art in root.iter("article"):
        text = art.findtext("text") or ""
        gold: list[GoldToponym] = []
        for top in art.iter("toponym"):
            gaz = top.find("gaztag")
            gid = gaz.get("geonameid") if gaz is not None else None
            gold.append(GoldToponym(int(top.findtext("start")), int(top.findtext("end")), top.findtext("phrase") or "",
                                    _float(gaz, "lat"), _float(gaz, "lon"), int(gid) if gid else None))
        for loc in art.iter("location"):
            gold.append(GoldToponym(int(loc.findtext("start")), int(loc.findtext("end")), loc.findtext("name") or "",
                                    _float(loc, "lat"), _float(loc, "lon"), None))
        articles.append(GoldArticle(text, gold))
        if limit is not None and len(articles) >= limit:
            break
    return articles


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def evaluate(corpus: str, limit: int | None = None) -> dict:
    """Run the geoparser end to end over ``corpus`` and return its metrics as a dict."""
    from pipeline.geo import get_geoparser
    from pipeline.nlp import get_nlp

    articles = load_corpus(corpus, limit)
    parser = get_geoparser()
    nlp = get_nlp()
    started = time.monotonic()
    gold_n = found = predicted = predicted_ok = correct = exact = exact_n = resolved = 0
    errors: list[float] = []
    geo_seconds = 0.0
    docs = nlp.pipe((a.text for a in articles), batch_size=NLP_BATCH)
    for art, doc in track(zip(articles, docs), len(articles), f"radar eval corpora {corpus}"):
        t0 = time.monotonic()
        preds = parser.parse(art.text, doc=doc)
        geo_seconds += time.monotonic() - t0
        predicted += len(preds)
        predicted_ok += sum(any(_overlaps(p.start, p.end, g.start, g.end) for g in art.toponyms) for p in preds)
        for g in art.toponyms:
            if g.lat is None or g.lon is None:
                continue
            gold_n += 1
            match = next((p for p in preds if _overlaps(p.start, p.end, g.start, g.end)), None)
            if match is None:
                continue
            found += 1
            loc = match.location
            if g.geonameid is not None:
                exact_n += 1
                exact += int(loc is not None and loc.geonameid == g.geonameid)
            if loc is None or loc.lat is None or loc.lon is None:
                continue
            resolved += 1
            km = haversine_km(g.lat, g.lon, loc.lat, loc.lon)
            errors.append(km)
            correct += int(km <= ACCURACY_KM)
    elapsed = time.monotonic() - started
    return {
        "corpus": corpus,
        "articles": len(articles),
        "gold_toponyms": gold_n,
        "found": found,
        "predicted": predicted,
        "recall": found / gold_n if gold_n else 0.0,
        "precision": predicted_ok / predicted if predicted else 0.0,
        "acc_161km": correct / found if found else 0.0,
        "exact_id": exact / exact_n if exact_n else None,
        "mean_error_km": sum(errors) / len(errors) if errors else 0.0,
        "resolved": resolved,
        "geo_ms_per_article": 1000.0 * geo_seconds / len(articles) if articles else 0.0,
        "seconds": elapsed,
    }


def _table(rows: list[dict]) -> str:
    cols = [("corpus", "{}"), ("articles", "{}"), ("gold_toponyms", "{}"), ("found", "{}"), ("recall", "{:.3f}"),
            ("precision", "{:.3f}"), ("acc_161km", "{:.3f}"), ("exact_id", "{:.3f}"), ("mean_error_km", "{:.0f}"),
            ("geo_ms_per_article", "{:.1f}")]
    lines = ["  ".join(f"{name:>13}" for name, _ in cols)]
    for row in rows:
        cells = [fmt.format(row[name]) if row[name] is not None else "-" for name, fmt in cols]
        lines.append("  ".join(f"{c:>13}" for c in cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI: evaluate one or all corpora and print a table (or JSON)."""
    ap = argparse.ArgumentParser(description="End-to-end geoparser evaluation on LGL / TR-News / GeoVirus")
    ap.add_argument("--corpus", choices=[*CORPUS_FILES, "all"], default="all")
    ap.add_argument("--limit", type=int, default=None, help="first N articles of each corpus")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    corpora = list(CORPUS_FILES) if args.corpus == "all" else [args.corpus]
    missing = [c for c in corpora if not corpus_path(c).is_file()]
    if missing:
        ap.error(f"corpus file(s) not found: {', '.join(str(corpus_path(c)) for c in missing)}")
    rows = [evaluate(c, args.limit) for c in corpora]
    print(json.dumps(rows, indent=2) if args.json else _table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
