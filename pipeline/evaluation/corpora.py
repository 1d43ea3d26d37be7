"""End-to-end geoparser evaluation on public corpora: LGL, TR-News, GeoVirus, GeoCorpora, WoTR test,
plus event location on UCDP GED Syria headlines.

The corpora are read from ``settings.benchmarks_dir`` at run time and never copied. The geoparser
finds toponyms itself (no gold spans). Metrics per toponym corpus:

* toponym recall: gold toponyms with coordinates whose span a predicted span overlaps
* precision: predicted spans that overlap any gold span
* acc@161km: matched gold toponyms whose predicted place lies within 161 km (unresolved = wrong)
* exact id: matched gold toponyms whose predicted GeoNames id equals the gold id (LGL, TR-News)
* mean error km over matched toponyms that were resolved

LGL and TR-News are tuning sets. GeoVirus, GeoCorpora (crisis tweets), WoTR test (1860s military
reports) and the GED Syria headlines are held out: never tuned on.

GED Syria: the enricher's event location on single-source headlines whose text names the event's
place (its governorate, district or a GeoNames place within ``GED_NAMED_KM`` of the gold point, matched
on transliteration-folded names), counted right within 100 km.

Run: ``radar eval corpora [--corpus NAME|all] [--limit N] [--json]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pipeline.geo.distance import haversine_km
from pipeline.progress import track
from pipeline.settings import get_settings

CORPUS_FILES = {"lgl": "lgl.xml", "trnews": "TR-News.xml", "geovirus": "GeoVirus.xml"}
TOPONYM_CORPORA = ("lgl", "trnews", "geovirus", "geocorpora", "wotr")
ALL_CORPORA = (*TOPONYM_CORPORA, "ged")
ACCURACY_KM = 161.0
EVENT_KM = 100.0
GED_NAMED_KM = 15.0
GED_DEFAULT_LIMIT = 400
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
    """Path of a corpus file (or folder) under the configured benchmarks directory."""
    root = get_settings().benchmarks_dir
    if corpus == "geocorpora":
        return root / "geocorpora" / "geocorpora.tsv"
    if corpus == "wotr":
        return root / "wotr_toponyms" / "test"
    if corpus == "ged":
        return root / "ucdp_ged_syria" / "ged_syria.jsonl"
    return root / "geoparsing_gritta_corpora" / "Corpora" / CORPUS_FILES[corpus]


def _float(node: ET.Element | None, tag: str) -> float | None:
    value = node.findtext(tag) if node is not None else None
    return float(value) if value not in (None, "") else None


def load_corpus(corpus: str, limit: int | None = None) -> list[GoldArticle]:
    """Gold articles of a toponym corpus (first ``limit`` articles)."""
    if corpus == "geocorpora":
        return load_geocorpora(corpus_path(corpus), limit)
    if corpus == "wotr":
        return load_wotr(corpus_path(corpus), limit)
    return _load_gritta(corpus, limit)


def _load_gritta(corpus: str, limit: int | None = None) -> list[GoldArticle]:
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


def load_geocorpora(path: Path, limit: int | None = None) -> list[GoldArticle]:
    """GeoCorpora tweets (cp1252 TSV, one row per toponym or per toponym-less tweet) in file order."""
    rows = csv.DictReader(io.StringIO(path.read_bytes().decode("cp1252", errors="replace")), delimiter="\t")
    by_tweet: dict[str, GoldArticle] = {}
    for row in rows:
        tid = row["tweet_id_str"]
        art = by_tweet.get(tid)
        if art is None:
            if limit is not None and len(by_tweet) >= limit:
                break
            art = by_tweet[tid] = GoldArticle(row["tweet_text"], [])
        if not row["char_position"] or not row["latitude"]:
            continue
        phrase, pos = row["text"], int(row["char_position"])
        if art.text[pos:pos + len(phrase)] != phrase:  # a few offsets are shifted: take the nearest occurrence
            hits = [i for i in range(len(art.text)) if art.text.startswith(phrase, i)]
            if not hits:
                continue
            pos = min(hits, key=lambda i: abs(i - pos))
        gid = row["geoNameId"]
        art.toponyms.append(GoldToponym(pos, pos + len(phrase), phrase, float(row["latitude"]),
                                        float(row["longitude"]), int(gid) if gid.isdigit() else None))
    return list(by_tweet.values())


def load_wotr_file(path: Path) -> GoldArticle:
    """One WoTR XML file: tokens joined by spaces, toponyms with the selected candidate's point."""
    parts: list[str] = []
    gold: list[GoldToponym] = []
    pos = 0
    for node in ET.parse(path).getroot().iter():
        if node.tag == "w":
            tok = node.get("tok") or ""
        elif node.tag == "toponym":
            tok = node.get("term") or ""
            sel = next((c for c in node.iter("cand") if c.get("selected") == "yes"), None)
            if sel is not None and tok:
                gold.append(GoldToponym(pos, pos + len(tok), tok, float(sel.get("lat")), float(sel.get("long")), None))
        else:
            continue
        if tok:
            parts.append(tok)
            pos += len(tok) + 1
    return GoldArticle(" ".join(parts), gold)


def load_wotr(folder: Path, limit: int | None = None) -> list[GoldArticle]:
    """WoTR files of ``folder`` in name order."""
    files = sorted(folder.glob("*.xml"))[:limit]
    return [load_wotr_file(f) for f in files]


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def evaluate(corpus: str, limit: int | None = None, parser=None, docs=None) -> dict:  # noqa: ANN001
    """Run the geoparser (``parser``, default the process-wide one) end to end over ``corpus`` and
    return its metrics as a dict; ``docs`` are the corpus' spaCy Docs if already parsed."""
    from pipeline.geo import get_geoparser
    from pipeline.nlp import get_nlp

    articles = load_corpus(corpus, limit)
    parser = parser or get_geoparser()
    started = time.monotonic()
    gold_n = found = predicted = predicted_ok = correct = exact = exact_n = resolved = 0
    errors: list[float] = []
    geo_seconds = 0.0
    if docs is None:
        docs = get_nlp().pipe((a.text for a in articles), batch_size=NLP_BATCH)
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


def ged_rows(limit: int | None = GED_DEFAULT_LIMIT) -> list[dict]:
    """Single-source GED Syria headlines that name the event's place, evenly spread over the file."""
    from pipeline.geo import get_geoparser
    from pipeline.geo.gazetteer import skeleton

    g = get_geoparser().g
    rows = [json.loads(line) for line in corpus_path("ged").read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("headline") and ";" not in r["headline"] and r.get("latitude") is not None
            and r.get("where_prec", 9) <= 4 and len(r["headline"].split()) >= 4]
    out = []
    for r in rows:
        words = skeleton(r["headline"]).split()
        grams = {" ".join(words[i:i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
        names = {_core(r.get("adm_1")), _core(r.get("adm_2"))}
        names |= {skeleton(g.name[i]) for i in g.near_places(r["latitude"], r["longitude"], GED_NAMED_KM)}
        if grams & {n for n in names if n}:
            out.append(r)
    if limit is not None and len(out) > limit:
        step = len(out) / limit
        out = [out[int(i * step)] for i in range(limit)]
    return out


def _core(admin: str | None) -> str:
    from pipeline.geo.gazetteer import skeleton

    if not admin:
        return ""
    words = [w for w in admin.split() if w.lower() not in ("governorate", "district", "markaz", "mintaqat", "nahiya")]
    return skeleton(" ".join(words))


def evaluate_ged(limit: int | None = GED_DEFAULT_LIMIT) -> dict:
    """Event location within 100 km on GED Syria headlines that name the place."""
    from pipeline.enrich import get_enricher
    from pipeline.schemas import RawArticle

    rows = ged_rows(limit)
    enricher = get_enricher()
    started = time.monotonic()
    raws = [RawArticle(id=str(r["id"]), title=r["headline"], body="") for r in rows]
    right = placed = 0
    for r, art in zip(rows, enricher.pipe(raws)):
        loc = art.location
        if loc is None or loc.lat is None or loc.lon is None:
            continue
        placed += 1
        right += int(haversine_km(r["latitude"], r["longitude"], loc.lat, loc.lon) <= EVENT_KM)
    return {"corpus": "ged", "headlines": len(rows), "placed": placed,
            "event_within_100km": right / len(rows) if rows else 0.0, "seconds": time.monotonic() - started}


def _table(rows: list[dict]) -> str:
    cols = [("corpus", "{}"), ("articles", "{}"), ("gold_toponyms", "{}"), ("found", "{}"), ("recall", "{:.3f}"),
            ("precision", "{:.3f}"), ("acc_161km", "{:.3f}"), ("exact_id", "{:.3f}"), ("mean_error_km", "{:.0f}"),
            ("geo_ms_per_article", "{:.1f}")]
    lines = ["  ".join(f"{name:>13}" for name, _ in cols)]
    for row in rows:
        if row["corpus"] == "ged":
            lines.append(f"{'ged':>13}  {row['headlines']:>13}  event location within 100 km: "
                         f"{row['event_within_100km']:.3f} ({row['placed']} placed)")
            continue
        cells = [fmt.format(row[name]) if row[name] is not None else "-" for name, fmt in cols]
        lines.append("  ".join(f"{c:>13}" for c in cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI: evaluate one or all corpora and print a table (or JSON)."""
    ap = argparse.ArgumentParser(description="End-to-end geoparser evaluation on public corpora")
    ap.add_argument("--corpus", choices=[*ALL_CORPORA, "all"], default="all")
    ap.add_argument("--limit", type=int, default=None, help="first N articles of each corpus (GED: N headlines)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    corpora = list(ALL_CORPORA) if args.corpus == "all" else [args.corpus]
    missing = [c for c in corpora if not corpus_path(c).exists()]
    if missing:
        ap.error(f"corpus file(s) not found: {', '.join(str(corpus_path(c)) for c in missing)}")
    rows = [evaluate_ged(args.limit or GED_DEFAULT_LIMIT) if c == "ged" else evaluate(c, args.limit) for c in corpora]
    print(json.dumps(rows, indent=2) if args.json else _table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
