"""Train the geoparser's toponym filter and sense ranker deterministically (``radar train geo``).

Training data: the WoTR train split (``benchmarks/wotr_toponyms/train``, MIT). The filter's threshold
is tuned on LGL and TR-News. GeoVirus, GeoCorpora, WoTR test and the GED Syria headlines are never
read here. Candidates and features come from :meth:`pipeline.geo.parser.Geoparser.candidates` and
:meth:`~pipeline.geo.parser.Geoparser.rank`; a candidate mention is a toponym when it overlaps a gold
span, a candidate place is the sense when it lies within 161 km of the gold point.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from pipeline.artifacts import file_sha256
from pipeline.geo.ranker import ARTIFACT_DIR, FILTER_FEATURES, MODEL_VERSION, SENSE_FEATURES

TRAIN_CORPUS = "wotr_train"
TUNE_CORPORA = ("lgl", "trnews")
C_FILTER = 1.0
C_SENSE = 1.0
SENSE_KM = 161.0
THRESHOLDS = tuple(round(0.2 + 0.025 * i, 3) for i in range(25))


def _log(msg: str) -> None:
    print(f"[train geo] {msg}", file=sys.stderr, flush=True)


def load_articles(corpus: str) -> list:
    """Gold articles of the training corpus or a tuning corpus (never a held-out one)."""
    from pipeline.evaluation import corpora

    if corpus == TRAIN_CORPUS:
        return corpora.load_wotr(corpora.corpus_path("wotr").parent / "train")
    if corpus not in TUNE_CORPORA:
        raise ValueError(f"{corpus} is held out: the geo ranker never trains or tunes on it")
    return corpora.load_corpus(corpus)


def parsed_docs(name: str, texts: list[str]) -> list:
    """spaCy Docs of ``texts`` with the pinned model, cached as a DocBin under ``<cache dir>/geo``."""
    from spacy.tokens import DocBin

    from pipeline.nlp import get_nlp
    from pipeline.settings import get_settings

    nlp = get_nlp()
    digest = hashlib.sha256("\x00".join([nlp.meta.get("version", ""), *texts]).encode()).hexdigest()[:16]
    path = get_settings().cache_dir / "geo" / f"docs-{name}-{digest}.spacy"
    if path.is_file():
        return list(DocBin().from_disk(path).get_docs(nlp.vocab))
    from pipeline.progress import track

    docs = list(track(nlp.pipe(texts, batch_size=16), len(texts), f"[train geo] parse {name}"))
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs).to_disk(path)
    return docs


def _overlap(m, gold: list) -> object | None:  # noqa: ANN001
    return next((g for g in gold if m.start < g.end and g.start < m.end), None)


def examples(parser, articles: list, docs: list) -> tuple[list, list, list, list, list]:  # noqa: ANN001
    """Filter rows and labels, sense rows, labels and group ids, with the gold toponyms as the filter."""
    from pipeline.geo.distance import haversine_km

    fx, fy, sx, sy, sg = [], [], [], [], []
    g = parser.g
    group = 0
    for art, doc in zip(articles, docs):
        gold = [t for t in art.toponyms if t.lat is not None]
        demonyms, mentions, accepted = parser.candidates(art.text, doc)
        labels = [_overlap(m, gold) is not None for m in mentions]
        captured: list = []

        def oracle(rows: list, labels: list = labels, captured: list = captured) -> list[bool]:
            captured.extend(rows)
            return labels

        kept = parser.rank(doc, demonyms, mentions, {id(m) for m in accepted}, oracle)
        fx += captured
        fy += labels
        for m in kept:
            gt = _overlap(m, gold) if m.sense_rows else None
            if gt is None:
                continue
            ok = [haversine_km(gt.lat, gt.lon, g.lat[c], g.lon[c]) <= SENSE_KM for c in m.cands]
            if any(ok) and not all(ok):
                sx += m.sense_rows
                sy += ok
                sg += [group] * len(ok)
                group += 1
    return fx, fy, sx, sy, sg


def _lr(c: float):  # noqa: ANN202 - sklearn LogisticRegression
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000, solver="lbfgs", tol=1e-6)


def _f1(probs: np.ndarray, y: np.ndarray, threshold: float, rule: np.ndarray | None = None,
        add: float = 2.0) -> float:
    """Mention-level F1 of keeping ``probs >= threshold`` (or, given the rules' decisions ``rule``:
    the rules' toponyms above ``threshold`` plus any candidate at or above ``add``)."""
    pred = probs >= threshold if rule is None else (rule & (probs >= threshold)) | (probs >= add)
    tp = float((pred & y).sum())
    return 2 * tp / max(float(pred.sum() + y.sum()), 1.0)


def _sense_accuracy(scores: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    right = total = 0
    for k in np.unique(groups):
        idx = np.flatnonzero(groups == k)
        right += int(y[idx[np.argmax(scores[idx])]])
        total += 1
    return right / max(total, 1)


def _stack(data: dict, corpora: tuple[str, ...], column: int) -> np.ndarray:
    return np.asarray(sum((list(data[c][column]) for c in corpora), []), dtype=float)


def fit(parser, with_tuning: bool = False) -> tuple[dict, dict]:  # noqa: ANN001
    """Fit both models on WoTR train (and, with ``with_tuning``, on LGL + TR-News too) and choose the
    filter threshold on LGL + TR-News."""
    data: dict[str, tuple] = {}
    digest = hashlib.sha256()
    for corpus in (TRAIN_CORPUS, *TUNE_CORPORA):
        arts = load_articles(corpus)
        for a in arts:
            digest.update(a.text.encode())
            digest.update(repr([(t.start, t.end, t.lat, t.lon) for t in a.toponyms]).encode())
        data[corpus] = examples(parser, arts, parsed_docs(corpus, [a.text for a in arts]))
        _log(f"{corpus}: {len(arts)} articles, {len(data[corpus][0])} candidate mentions, "
             f"{len(set(data[corpus][4]))} ambiguous resolved mentions")
    fit_on = (TRAIN_CORPUS, *TUNE_CORPORA) if with_tuning else (TRAIN_CORPUS,)
    fx, fy, sx, sy = (_stack(data, fit_on, i) for i in range(4))
    sg = np.concatenate([np.asarray(data[c][4], dtype=float) + 1e6 * k for k, c in enumerate(fit_on)])
    filt = _lr(C_FILTER).fit(fx, fy.astype(int))
    sense = _lr(C_SENSE).fit(sx, sy.astype(int))
    tx, ty = _stack(data, TUNE_CORPORA, 0), _stack(data, TUNE_CORPORA, 1).astype(bool)
    probs = filt.predict_proba(tx)[:, 1]
    rule = tx[:, FILTER_FEATURES.index("rule_ok")] > 0.5
    drop, add = max(((d, a) for d in (0.0, *THRESHOLDS) for a in (*THRESHOLDS, 2.0)),
                    key=lambda da: (_f1(probs, ty, da[0], rule, da[1]), -da[0], da[1]))
    threshold = max(THRESHOLDS, key=lambda t: (_f1(probs, ty, t), -t))
    rule_col = FILTER_FEATURES.index("rule_ok")
    metrics = {
        "tune_filter_f1": round(_f1(probs, ty, threshold), 4),
        "tune_rules_plus_filter_f1": round(_f1(probs, ty, drop, rule, add), 4),
        "tune_rules_f1": round(_f1(tx[:, rule_col], ty, 0.5), 4),
        "train_filter_f1": round(_f1(filt.predict_proba(fx)[:, 1], fy.astype(bool), threshold), 4),
        "n_sense_groups": len(set(sg.tolist())),
    }
    for c in (TRAIN_CORPUS, *TUNE_CORPORA):
        x, y, g = (np.asarray(data[c][i], dtype=float) for i in (2, 3, 4))
        if len(x):
            metrics[f"{c}_sense_acc"] = round(_sense_accuracy(sense.decision_function(x), y, g), 4)
            metrics[f"{c}_rules_sense_acc"] = round(_sense_accuracy(x[:, SENSE_FEATURES.index("rule_margin")], y, g), 4)
    weights = {
        "filter": {"coef": [round(float(w), 6) for w in filt.coef_[0]], "bias": round(float(filt.intercept_[0]), 6),
                   "threshold": threshold, "drop_below": drop, "add_from": add},
        "sense": {"coef": [round(float(w), 6) for w in sense.coef_[0]], "bias": round(float(sense.intercept_[0]), 6)},
    }
    info = {"data_hash": digest.hexdigest(), "fit_on": list(fit_on), "n_filter": len(fy),
            "metrics": metrics}
    return weights, info


def save(weights: dict, info: dict, out_dir: Path = ARTIFACT_DIR) -> Path:
    """Write ``weights.json`` and ``meta.json`` (version, feature names, hashes, metrics) under ``out_dir``."""
    import sklearn

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "weights.json").write_text(json.dumps(weights, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    meta = {"version": MODEL_VERSION, "filter_features": list(FILTER_FEATURES), "sense_features": list(SENSE_FEATURES),
            "train": TRAIN_CORPUS, "tune": list(TUNE_CORPORA), "sklearn": sklearn.__version__,
            "files": {"weights.json": file_sha256(out_dir / "weights.json")}, **info}
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out_dir


def main(argv: list[str] | None = None) -> int:
    """Train the geo ranker and write its artifact."""
    ap = argparse.ArgumentParser(prog="radar train geo", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ARTIFACT_DIR, help="artifact folder")
    ap.add_argument("--with-tuning", action="store_true",
                    help="also fit on LGL and TR-News (their numbers are then in-sample)")
    args = ap.parse_args(argv)
    from pipeline.geo.gazetteer import load_gazetteer
    from pipeline.geo.parser import Geoparser
    from pipeline.settings import get_settings

    parser = Geoparser(load_gazetteer(get_settings().cache_dir))
    weights, info = fit(parser, args.with_tuning)
    out = save(weights, info, args.out)
    _log(f"wrote {out}: {json.dumps(info['metrics'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
