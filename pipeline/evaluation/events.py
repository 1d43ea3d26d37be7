"""Evaluate event classification: the learned model and the whole enricher on labelled texts.

``radar eval events [--enricher] [--cross-style]`` prints, for the frozen corpus test split, the GED
Syria headlines held out from training (2018-2019) and the dev set, per-class precision / recall /
F1 and a confusion table of event types (6 ACLED types and "no event"), plus violent / not.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from pipeline.enrich.model.corpus import NO_EVENT, SUB_TO_TYPE, Item, ged_headlines, load_corpus
from pipeline.schemas import EVENT_TYPES

TYPE_CLASSES: tuple[str, ...] = (*EVENT_TYPES, NO_EVENT)
_SHORT = {"Battles": "Bat", "Explosions/Remote violence": "Expl", "Violence against civilians": "VAC",
          "Protests": "Prot", "Riots": "Riot", "Strategic developments": "SD", NO_EVENT: "none"}


def prf(gold: list[str], pred: list[str], classes: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Per-class precision, recall, F1 and support; plus ``macro`` and ``accuracy`` rows."""
    out: dict[str, dict[str, float]] = {}
    for c in classes:
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        out[c] = {"p": prec, "r": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0, "n": tp + fn}
    present = [c for c in classes if out[c]["n"]]
    out["macro"] = {k: sum(out[c][k] for c in present) / max(1, len(present)) for k in ("p", "r", "f1")}
    out["macro"]["n"] = len(gold)
    out["accuracy"] = {"acc": sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold)), "n": len(gold)}
    return out


def format_table(title: str, gold: list[str], pred: list[str], classes: tuple[str, ...] = TYPE_CLASSES) -> str:
    """A per-class P/R/F1 table and a confusion table (rows gold, columns predicted)."""
    res = prf(gold, pred, classes)
    lines = [f"## {title} (n={len(gold)}): accuracy {res['accuracy']['acc']:.3f}, macro-F1 {res['macro']['f1']:.3f}",
             f"{'class':32s} {'P':>6s} {'R':>6s} {'F1':>6s} {'n':>5s}"]
    for c in classes:
        r = res[c]
        lines.append(f"{c:32s} {r['p']:6.3f} {r['r']:6.3f} {r['f1']:6.3f} {r['n']:5d}")
    return "\n".join([*lines, *confusion_lines(gold, pred, classes)])


def confusion_lines(gold: list[str], pred: list[str], classes: tuple[str, ...] = TYPE_CLASSES) -> list[str]:
    """A confusion table of ``classes`` (rows gold, columns predicted)."""
    conf = Counter(zip(gold, pred))
    lines = ["confusion (rows gold, columns predicted): " + " ".join(f"{_SHORT.get(c, c)[:5]:>5s}" for c in classes)]
    for g in classes:
        if any(conf[(g, p)] for p in classes):
            lines.append(f"  {_SHORT.get(g, g):30s}" + "".join(f"{conf[(g, p)]:6d}" for p in classes))
    return lines


def violent_line(title: str, gold: list[bool], pred: list[bool]) -> str:
    """Violent / not accuracy, precision and recall."""
    tp = sum(g and p for g, p in zip(gold, pred))
    prec = tp / max(1, sum(pred))
    rec = tp / max(1, sum(gold))
    acc = sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold))
    return f"## {title} violent/not (n={len(gold)}): accuracy {acc:.3f}, P {prec:.3f}, R {rec:.3f}"


def _gold_type(item: Item) -> str:
    return SUB_TO_TYPE.get(item.label, NO_EVENT)


def model_predictions(items: list[Item], model=None) -> list:  # noqa: ANN001 - EventModel
    """The model's decisions on corpus items (title and lead)."""
    from pipeline.enrich.model import decide, get_event_model
    from pipeline.enrich.model.features import model_text
    from pipeline.enrich.model.train import rule_votes

    model = model or get_event_model()
    votes = rule_votes([(it.title, it.body) for it in items])
    return [decide(s) for s in model.predict([model_text(it.title, it.body) for it in items], votes)]


def ged_test_texts() -> list[tuple[int, str]]:
    """(UCDP violence type, headline) of the held-out GED Syria headlines (2018-2019, de-duplicated)."""
    seen: set[str] = set()
    out = []
    for ev, head in ged_headlines(split="test"):
        if head.lower() not in seen:
            seen.add(head.lower())
            out.append((int(ev["type_of_violence"]), head))
    return out


def ged_decisions(ged: list[tuple[int, str]], model) -> list:  # noqa: ANN001 - EventModel
    """The model's decisions on GED headlines (with the rules' vote on each)."""
    from pipeline.enrich.model import decide
    from pipeline.enrich.model.train import rule_votes

    heads = [h for _, h in ged]
    return [decide(s) for s in model.predict(heads, rule_votes([(h, "") for h in heads]))]


def model_metrics(artifact_dir: Path | None = None) -> dict[str, float]:
    """Headline numbers of a trained artifact: corpus test macro-F1 and violent accuracy, GED recall."""
    from pipeline.enrich.model import EventModel, decide

    model = EventModel(artifact_dir) if artifact_dir else None
    test = [it for it in load_corpus() if it.split == "test"]
    dec = model_predictions(test, model)
    res = prf([_gold_type(it) for it in test], [d.event_type or NO_EVENT for d in dec], TYPE_CLASSES)
    sub = prf([it.label for it in test], [d.sub_event_type or NO_EVENT for d in dec], (NO_EVENT, *SUB_TO_TYPE))
    ged = ged_test_texts()
    from pipeline.enrich.model import get_event_model

    gdec = ged_decisions(ged, model or get_event_model())
    return {
        "test_n": len(test),
        "test_type_macro_f1": round(res["macro"]["f1"], 4),
        "test_type_accuracy": round(res["accuracy"]["acc"], 4),
        "test_subtype_macro_f1": round(sub["macro"]["f1"], 4),
        "test_violent_accuracy": round(sum(d.violent == it.violent for d, it in zip(dec, test)) / len(test), 4),
        "ged_test_n": len(ged),
        "ged_test_violent_recall": round(sum(d.violent for d in gdec) / max(1, len(gdec)), 4),
    }


def _enricher_decisions(items: list[Item]) -> list[tuple[bool, str]]:
    from pipeline.enrich import get_enricher
    from pipeline.progress import track
    from pipeline.schemas import RawArticle

    raws = [RawArticle(id=it.id, title=it.title, body=it.body) for it in items]
    return [(a.violent, a.event_type or NO_EVENT) for a in track(get_enricher().pipe(raws), len(raws), "eval events")]


def cross_style(items: list[Item], styles: tuple[str, ...] = ("headline", "sitrep", "translated")) -> list[str]:
    """Train without one style (no calibration), test on that style's items of the frozen test split."""
    from pipeline.enrich.model import EventModel
    from pipeline.enrich.model.train import fit, save, training_data
    import tempfile

    out = []
    for style in styles:
        tr, ged = training_data(items, exclude_style=style)
        with tempfile.TemporaryDirectory() as tmp:
            model = EventModel(save(fit(tr, ged, calibrate=False), Path(tmp)))
            test = [it for it in items if it.split == "test" and it.style == style]
            dec = model_predictions(test, model)
        out.append(format_table(f"cross-style: trained without '{style}', tested on its test items",
                                [_gold_type(it) for it in test], [d.event_type or NO_EVENT for d in dec]))
    return out


def report(enricher: bool = False, with_cross_style: bool = False) -> str:
    """Every table of this evaluation, as text."""
    from pipeline.enrich.model import decide, get_event_model

    items = load_corpus()
    test = [it for it in items if it.split == "test"]
    gold_t = [_gold_type(it) for it in test]
    dec = model_predictions(test)
    parts = [format_table("corpus frozen test split: event model (title + lead)", gold_t, [d.event_type or NO_EVENT for d in dec]),
             violent_line("corpus frozen test split: event model", [it.violent for it in test], [d.violent for d in dec])]
    ged = ged_test_texts()
    gdec = ged_decisions(ged, get_event_model())
    by_type = Counter(t for t, _ in ged)
    hits = Counter(t for (t, _), d in zip(ged, gdec) if d.violent)
    parts.append(f"## GED Syria headlines 2018-2019 (held out, n={len(ged)}): violent recall "
                 f"{sum(hits.values()) / max(1, len(ged)):.3f}; by UCDP type " + ", ".join(
                     f"{t} ({ {1: 'state-based', 2: 'non-state', 3: 'one-sided'}[t]}) {hits[t] / by_type[t]:.3f} n={by_type[t]}"
                     for t in sorted(by_type)))
    parts.append("   UCDP type -> predicted ACLED type: " + "; ".join(
        f"{t}: " + ", ".join(f"{_SHORT.get(k, k)} {v}" for k, v in Counter(
            d.event_type or NO_EVENT for (tt, _), d in zip(ged, gdec) if tt == t).most_common(4)) for t in sorted(by_type)))
    if enricher:
        en = _enricher_decisions(test)
        parts.append(format_table("corpus frozen test split: whole enricher", gold_t, [e[1] for e in en]))
        parts.append(violent_line("corpus frozen test split: whole enricher", [it.violent for it in test], [e[0] for e in en]))
    if with_cross_style:
        parts.extend(cross_style(items))
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """``radar eval events``."""
    ap = argparse.ArgumentParser(prog="radar eval events", description=__doc__.splitlines()[0])
    ap.add_argument("--enricher", action="store_true", help="also run the whole enricher on the test split")
    ap.add_argument("--cross-style", action="store_true", help="also train without each style and test on it")
    args = ap.parse_args(argv)
    print(report(args.enricher, args.cross_style))
    return 0


if __name__ == "__main__":
    sys.exit(main())
