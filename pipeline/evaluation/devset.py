"""Evaluate the enricher on the labelled dev set (``tests/data/devset.jsonl``).

Usage: ``python -m pipeline.evaluation.devset [--file PATH] [--json] [--show-errors N]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

from pipeline.enrich.actors import known_group
from pipeline.enrich.model.corpus import NO_EVENT
from pipeline.evaluation.events import confusion_lines
from pipeline.progress import track
from pipeline.geo.distance import haversine_km
from pipeline.schemas import EVENT_TYPES, EnrichedArticle, RawArticle
from pipeline.settings import PROJECT_ROOT

DEFAULT_FILE = PROJECT_ROOT / "tests" / "data" / "devset.jsonl"
KM_THRESHOLD = 161.0
_STOP = {"the", "a", "an", "of", "group", "forces", "force"}


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Labelled rows of a JSONL file (blank lines skipped)."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def to_raw(row: dict[str, Any]) -> RawArticle:
    """The RawArticle a labelled row stands for."""
    return RawArticle(
        id=str(row["id"]), url=row.get("url"), source=row.get("source"), title=row.get("title", ""),
        body=row.get("body", ""), published_at=row.get("published") or row.get("published_at"),
        language=row.get("feed_language"),
    )


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9 ]+", " ", text)


def name_variants(name: str) -> list[frozenset[str]]:
    """Token sets a name can be matched by: the name without any parenthetical, and the parenthetical."""
    variants = []
    inner = re.findall(r"\(([^)]*)\)", name)
    outer = re.sub(r"\([^)]*\)", " ", name)
    for part in [outer, *inner]:
        toks = frozenset(_singular(t) for t in _fold(part).split() if t not in _STOP)
        if toks:
            variants.append(toks)
    return variants


def _singular(tok: str) -> str:
    if tok.endswith("ies") and len(tok) > 4:
        return tok[:-3] + "y"
    if tok.endswith("men") and len(tok) > 4:
        return tok[:-3] + "man"
    if tok.endswith("s") and not tok.endswith("ss") and len(tok) > 3:
        return tok[:-1]
    return tok


def _known_groups(name: str) -> set[str]:
    """Names of the lexicon's known groups that ``name`` or its parenthetical is a name or alias of."""
    parts = [re.sub(r"\([^)]*\)", " ", name).strip(), *re.findall(r"\(([^)]*)\)", name)]
    return {g.name for g in map(known_group, parts) if g is not None}


def names_match(pred: str, gold: str) -> bool:
    """Normalised match: equal token sets, one contained in the other (``Military`` ~ ``Malian military``),
    or both names of the same known group (``IDF`` ~ ``Israeli military``)."""
    if _known_groups(pred) & _known_groups(gold):
        return True
    for p in name_variants(pred):
        for g in name_variants(gold):
            if p == g or p <= g or g <= p:
                return True
    return False


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def _macro(classes: list[str], gold: list[str | None], pred: list[str | None]) -> tuple[dict[str, dict], float]:
    per = {}
    for c in classes:
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        per[c] = _prf(tp, fp, fn)
    present = [c for c in classes if per[c]["support"] > 0]
    macro = sum(per[c]["f1"] for c in present) / len(present) if present else 0.0
    return per, round(macro, 4)


def _match_actors(pred: list, gold: list[dict]) -> list[tuple[Any, dict]]:
    pairs, used = [], set()
    for g in gold:
        for i, p in enumerate(pred):
            if i not in used and names_match(p.name, g["name"]):
                pairs.append((p, g))
                used.add(i)
                break
    return pairs


def score(rows: list[dict[str, Any]], preds: list[EnrichedArticle]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Metrics for predictions against labelled rows, and per-field error descriptions."""
    errors: dict[str, list[str]] = defaultdict(list)
    labels = [r["label"] for r in rows]
    n = len(rows)
    # violent
    gv = [bool(lab.get("violent")) for lab in labels]
    pv = [p.violent for p in preds]
    tp = sum(g and p for g, p in zip(gv, pv))
    fp = sum((not g) and p for g, p in zip(gv, pv))
    fn = sum(g and (not p) for g, p in zip(gv, pv))
    violent = {"accuracy": round(sum(g == p for g, p in zip(gv, pv)) / n, 4), **_prf(tp, fp, fn)}
    english = [i for i, lab in enumerate(labels) if (lab.get("language") or "en") == "en"]
    if english:
        violent["accuracy_english"] = round(sum(gv[i] == pv[i] for i in english) / len(english), 4)
        violent["n_english"] = len(english)
    # types
    gt = [lab.get("event_type") for lab in labels]
    pt = [p.event_type for p in preds]
    per_type, type_macro = _macro(list(EVENT_TYPES), gt, pt)
    gs = [lab.get("sub_event_type") for lab in labels]
    ps = [p.sub_event_type for p in preds]
    subs = [s for subs_ in EVENT_TYPES.values() for s in subs_]
    _, sub_macro = _macro(subs, gs, ps)
    sub_acc = sum(g == p for g, p in zip(gs, ps)) / n
    # location
    loc_ok = loc_n = cc_ok = cc_n = 0
    for row, lab, p in zip(rows, labels, preds):
        gl = lab.get("location") or {}
        if gl.get("lat") is not None and gl.get("lon") is not None:
            loc_n += 1
            pl = p.location
            dist = (haversine_km(gl["lat"], gl["lon"], pl.lat, pl.lon)
                    if pl is not None and pl.lat is not None and pl.lon is not None else None)
            if dist is not None and dist <= KM_THRESHOLD:
                loc_ok += 1
            else:
                errors["location"].append(f"{row['id']}: gold {gl.get('name')} ({gl.get('admin1')}, {gl.get('country_code')}) "
                                          f"pred {pl.name + ' (' + str(pl.admin1) + ', ' + str(pl.country_code) + ')' if pl else None}"
                                          f"{'' if dist is None else f' {dist:.0f} km'}")
        if gl.get("country_code"):
            cc_n += 1
            cc_ok += int(p.location is not None and p.location.country_code == gl["country_code"])
    # actors
    a_tp = a_fp = a_fn = cat_ok = role_ok = 0
    for row, lab, p in zip(rows, labels, preds):
        if "actors" not in lab:
            continue
        gold = lab.get("actors") or []
        pairs = _match_actors(p.actors, gold)
        a_tp += len(pairs)
        a_fp += len(p.actors) - len(pairs)
        a_fn += len(gold) - len(pairs)
        cat_ok += sum(pa.category == ga["category"] for pa, ga in pairs)
        role_ok += sum(pa.role == ga.get("role") for pa, ga in pairs)
        if len(pairs) != len(gold) or len(p.actors) != len(pairs) or any(pa.category != ga["category"] for pa, ga in pairs):
            errors["actors"].append(f"{row['id']}: gold {[(a['name'], a['category'], a.get('role')) for a in gold]} "
                                    f"pred {[(a.name, a.category, a.role) for a in p.actors]}")
    actors = {**_prf(a_tp, a_fp, a_fn), "category_accuracy": round(cat_ok / a_tp, 4) if a_tp else 0.0,
              "role_accuracy": round(role_ok / a_tp, 4) if a_tp else 0.0}

    def exact(field: str) -> dict[str, float]:
        ok = cnt = 0
        for row, lab, p in zip(rows, labels, preds):
            if lab.get(field) is None:
                continue
            cnt += 1
            got = getattr(p, field)
            if got == lab[field]:
                ok += 1
            else:
                errors[field].append(f"{row['id']}: gold {lab[field]} pred {got}")
        return {"accuracy": round(ok / cnt, 4) if cnt else 0.0, "n": cnt}

    events_ok = events_n = 0
    for row, lab, p in zip(rows, labels, preds):
        if lab.get("events") is not None and lab.get("event_type") is not None:
            events_n += 1
            if len(p.events) == lab["events"]:
                events_ok += 1
            else:
                errors["events"].append(f"{row['id']}: gold {lab['events']} pred {len(p.events)}")
    lang_ok = lang_n = 0
    for row, lab, p in zip(rows, labels, preds):
        if lab.get("language"):
            lang_n += 1
            lang_ok += int(p.language == lab["language"])
    for row, lab, p, g, pr in zip(rows, labels, preds, gv, pv):
        if g != pr:
            errors["violent"].append(f"{row['id']}: gold {g} pred {pr} | {row.get('title', '')[:90]}")
        if lab.get("event_type") != p.event_type or lab.get("sub_event_type") != p.sub_event_type:
            errors["event_type"].append(f"{row['id']}: gold {lab.get('event_type')}/{lab.get('sub_event_type')} "
                                        f"pred {p.event_type}/{p.sub_event_type} | {row.get('title', '')[:80]}")
    metrics = {
        "n": n,
        "violent": violent,
        "event_type": {"per_class": per_type, "macro_f1": type_macro,
                       "accuracy": round(sum(g == p for g, p in zip(gt, pt)) / n, 4),
                       "pairs": [[g or NO_EVENT, p or NO_EVENT] for g, p in zip(gt, pt)]},
        "sub_event_type": {"accuracy": round(sub_acc, 4), "macro_f1": sub_macro},
        "location": {"accuracy_161km": round(loc_ok / loc_n, 4) if loc_n else 0.0, "n": loc_n,
                     "country_accuracy": round(cc_ok / cc_n, 4) if cc_n else 0.0},
        "actors": actors,
        "fatalities": exact("fatalities"),
        "injured": exact("injured"),
        "event_date": exact("event_date"),
        "events_count": {"accuracy": round(events_ok / events_n, 4) if events_n else 0.0, "n": events_n},
        "language": {"accuracy": round(lang_ok / lang_n, 4) if lang_n else 0.0, "n": lang_n},
    }
    return metrics, dict(errors)


def evaluate(path: str | Path = DEFAULT_FILE, errors_out: dict | None = None) -> dict[str, Any]:
    """Enrich every row of ``path`` and return the metrics (and fill ``errors_out`` if given)."""
    from pipeline.enrich import get_enricher

    rows = load_rows(Path(path))
    enricher = get_enricher()
    enricher(to_raw(rows[0]))  # load models before timing
    raws = [to_raw(r) for r in rows]
    start = time.perf_counter()
    preds = list(track(enricher.pipe(raws), len(raws), "radar eval dev"))
    elapsed = time.perf_counter() - start
    metrics, errors = score(rows, preds)
    words = sum(len((r.title + " " + r.body).split()) for r in raws)
    metrics["throughput"] = {"articles_per_s": round(len(rows) / elapsed, 2), "seconds": round(elapsed, 3),
                             "mean_words": round(words / len(rows), 1)}
    if errors_out is not None:
        errors_out.update(errors)
    return metrics


def format_report(m: dict[str, Any]) -> str:
    """Human-readable table of the metrics."""
    lines = [f"dev set: {m['n']} articles"]
    v = m["violent"]
    lines.append(f"violent       acc {v['accuracy']:.3f}  P {v['precision']:.3f}  R {v['recall']:.3f}  F1 {v['f1']:.3f}"
                 + (f"  (English only: acc {v['accuracy_english']:.3f}, n={v['n_english']})" if "n_english" in v else ""))
    lines.append(f"event_type    acc {m['event_type']['accuracy']:.3f}  macro-F1 {m['event_type']['macro_f1']:.3f}")
    for c, s in m["event_type"]["per_class"].items():
        lines.append(f"  {c:<28} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}  n={s['support']}")
    pairs = m["event_type"].get("pairs")
    if pairs:
        lines.extend("  " + line for line in confusion_lines([g for g, _ in pairs], [p for _, p in pairs]))
    lines.append(f"sub_event     acc {m['sub_event_type']['accuracy']:.3f}  macro-F1 {m['sub_event_type']['macro_f1']:.3f}")
    loc = m["location"]
    lines.append(f"location      @161km {loc['accuracy_161km']:.3f} (n={loc['n']})  country {loc['country_accuracy']:.3f}")
    a = m["actors"]
    lines.append(f"actors        P {a['precision']:.3f}  R {a['recall']:.3f}  F1 {a['f1']:.3f}  "
                 f"category {a['category_accuracy']:.3f}  role {a['role_accuracy']:.3f}")
    for f in ("fatalities", "injured", "event_date", "events_count", "language"):
        lines.append(f"{f:<13} acc {m[f]['accuracy']:.3f} (n={m[f]['n']})")
    t = m.get("throughput")
    if t:
        lines.append(f"throughput    {t['articles_per_s']:.1f} articles/s ({t['mean_words']:.0f} words/article avg)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description="Evaluate the enricher on the labelled dev set")
    ap.add_argument("--file", default=str(DEFAULT_FILE), help="JSONL dev set")
    ap.add_argument("--json", action="store_true", help="print metrics as JSON")
    ap.add_argument("--show-errors", type=int, default=0, metavar="N", help="show up to N errors per field")
    args = ap.parse_args(argv)
    errors: dict[str, list[str]] = {}
    metrics = evaluate(args.file, errors)
    print(json.dumps(metrics, indent=2) if args.json else format_report(metrics))
    if args.show_errors:
        for field, items in errors.items():
            print(f"\n== {field} errors ({len(items)})")
            for item in items[: args.show_errors]:
                print("  " + item)
    return 0


if __name__ == "__main__":
    sys.exit(main())
