"""Train the event model deterministically from the project's corpus (plus UCDP GED Syria headlines).

``radar train`` (``make train``) runs :func:`main`. Two calibrated linear heads share one featurizer:

- the *type head*: a multinomial logistic regression over the 25 sub-types and "no event", trained on
  the corpus train split;
- the *violent head*: a binary logistic regression trained on the corpus train split plus the GED
  Syria headlines dated before 2018 (every GED row is a lethal event).

Each head's probabilities are calibrated by one temperature fitted on out-of-fold predictions of the
train split (5 folds); the same predictions choose the confidence floor below which the rules decide
(:func:`choose_min_confidence`). The frozen test split and the later GED headlines are never used here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from pipeline.artifacts import file_sha256
from pipeline.enrich.model import ARTIFACT_DIR, EXPECTED_VERSION
from pipeline.enrich.model.corpus import LABELS, NO_EVENT, Item, ged_headlines, load_corpus
from pipeline.enrich.decision import vote
from pipeline.enrich.model.features import Featurizer, RuleVote, model_text

C_TYPE = 8.0
C_VIOLENT = 4.0
GED_WEIGHT = 0.25  # one GED headline counts a quarter of a corpus item in the violent head
FOLDS = 5
SEED = 13
MIN_CONFIDENCE_GRID = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)  # candidate floors of the model's confidence
DEFAULT_MIN_CONFIDENCE = 0.6  # without calibration folds (quick fits in tests)


def _log(msg: str) -> None:
    print(f"[train] {msg}", file=sys.stderr, flush=True)


def _lr(c: float):  # noqa: ANN202 - sklearn LogisticRegression
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000, solver="lbfgs", tol=1e-5)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature T minimising the log loss of softmax(logits / T) on labels ``y``."""
    best_t, best_loss = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.25), np.log(4.0), 121)):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -logp[np.arange(len(y)), y].mean()
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return best_t


def _binary_logits(scores: np.ndarray) -> np.ndarray:
    return np.stack([np.zeros_like(scores), scores], axis=1)


def _folds(n: int) -> np.ndarray:
    return np.random.RandomState(SEED).permutation(n) % FOLDS


def data_hash(items: list[Item], ged: list[str]) -> str:
    """SHA-256 over every training text and label, in order."""
    h = hashlib.sha256()
    for it in items:
        h.update(f"{it.id}\t{it.label}\t{it.title}\t{it.body}\n".encode())
    for text in ged:
        h.update(f"ged\t{text}\n".encode())
    return h.hexdigest()


def training_data(items: list[Item] | None = None, use_ged: bool = True,
                  exclude_style: str | None = None) -> tuple[list[Item], list[str]]:
    """Corpus train items (optionally without one style) and de-duplicated GED train headlines."""
    items = [it for it in (items if items is not None else load_corpus()) if it.split == "train"]
    if exclude_style:
        items = [it for it in items if it.style != exclude_style]
    ged: list[str] = []
    if use_ged:
        seen: set[str] = set()
        for _, head in ged_headlines(split="train"):
            key = head.lower()
            if key not in seen:
                seen.add(key)
                ged.append(head)
    return items, ged


_VOTES: dict[tuple[str, str], RuleVote] = {}
RULE_COMPONENTS = ("radar_language", "radar_parse", "radar_triggers", "radar_multilingual")


def rule_votes(articles: list[tuple[str, str]]) -> list[RuleVote]:
    """The rules' decision on each (title, body), from the enricher's components up to the triggers."""
    todo = [a for a in dict.fromkeys(articles) if a not in _VOTES]
    if todo:
        from pipeline.enrich.enricher import Enricher, build_pipeline
        from pipeline.progress import track
        from pipeline.schemas import RawArticle

        enricher = Enricher(build_pipeline(RULE_COMPONENTS))
        docs = (enricher.make_doc(RawArticle(id=str(i), title=t, body=b)) for i, (t, b) in enumerate(todo))
        for key, doc in zip(todo, track(enricher.nlp.pipe(docs, batch_size=64), len(todo), "[train] rule votes")):
            _VOTES[key] = vote(doc._.rule_decision)
    return [_VOTES[a] for a in articles]


def fit(items: list[Item], ged: list[str], calibrate: bool = True) -> dict:
    """Fit the featurizer and both heads; returns the model's parts (see :func:`save`)."""
    texts = [model_text(it.title, it.body) for it in items]
    votes = rule_votes([(it.title, it.body) for it in items])
    ged_votes = rule_votes([(h, "") for h in ged])
    y_type = np.array([LABELS.index(it.label) for it in items])
    y_viol = np.array([int(it.violent) for it in items] + [1] * len(ged))
    w_viol = np.array([1.0] * len(items) + [GED_WEIGHT] * len(ged))
    t0 = time.time()
    feats = Featurizer.fit(texts)
    x = feats.transform(texts, votes)
    xg = feats.transform(ged, ged_votes) if ged else None
    from scipy import sparse

    xv = sparse.vstack([x, xg], format="csr") if xg is not None else x
    _log(f"features: {x.shape[1]} columns, {len(items)} corpus items, {len(ged)} GED headlines "
         f"({time.time() - t0:.1f}s)")
    t_type = t_viol = 1.0
    floor, floor_f1 = DEFAULT_MIN_CONFIDENCE, {}
    if calibrate:
        oof_type = np.zeros((len(items), len(LABELS)))
        oof_viol = np.zeros(len(y_viol))
        folds = _folds(len(y_viol))
        for k in range(FOLDS):
            tr, te = folds != k, folds == k
            trc, tec = tr[: len(items)], te[: len(items)]
            head = _lr(C_TYPE).fit(x[trc], y_type[trc])
            oof_type[np.ix_(tec, head.classes_)] = head.decision_function(x[tec])
            oof_type[np.ix_(tec, np.setdiff1d(np.arange(len(LABELS)), head.classes_))] = -30.0
            vh = _lr(C_VIOLENT).fit(xv[tr], y_viol[tr], sample_weight=w_viol[tr])
            oof_viol[te] = vh.decision_function(xv[te])
            _log(f"calibration fold {k + 1}/{FOLDS} done ({time.time() - t0:.0f}s)")
        t_type = fit_temperature(oof_type, y_type)
        t_viol = fit_temperature(_binary_logits(oof_viol), y_viol)
        floor, floor_f1 = choose_min_confidence(items, votes, oof_type / t_type, oof_viol[: len(items)] / t_viol)
        _log(f"model confidence floor {floor} (out-of-fold type macro-F1 by floor: {floor_f1})")
    type_head = _lr(C_TYPE).fit(x, y_type)
    viol_head = _lr(C_VIOLENT).fit(xv, y_viol, sample_weight=w_viol)
    _log(f"heads fitted ({time.time() - t0:.0f}s); temperatures type={t_type:.3f} violent={t_viol:.3f}")
    coef = np.zeros((len(LABELS), x.shape[1]), dtype=np.float32)
    bias = np.full(len(LABELS), -30.0, dtype=np.float32)
    coef[type_head.classes_] = type_head.coef_
    bias[type_head.classes_] = type_head.intercept_
    return {
        "featurizer": feats,
        "type_coef": coef, "type_bias": bias, "type_temperature": t_type,
        "violent_coef": viol_head.coef_[0].astype(np.float32),
        "violent_bias": float(viol_head.intercept_[0]), "violent_temperature": t_viol,
        "min_confidence": floor, "min_confidence_oof_f1": floor_f1,
        "data_hash": data_hash(items, ged), "n_items": len(items), "n_ged": len(ged),
    }


def choose_min_confidence(items: list[Item], votes: list[RuleVote], type_logits: np.ndarray,
                          violent_logits: np.ndarray) -> tuple[float, dict[str, float]]:
    """The floor of the model's confidence below which the rules decide: the one of
    :data:`MIN_CONFIDENCE_GRID` whose combined decision (:func:`pipeline.enrich.decision.event_decision`)
    has the best event-type macro-F1 on out-of-fold predictions of the train split (calibrated logits)."""
    from pipeline.enrich.decision import MODEL_KEY, event_decision
    from pipeline.enrich.mentions import NO_EVENT as NO_DECISION, Decision
    from pipeline.enrich.model import Scores, _softmax
    from pipeline.evaluation.events import TYPE_CLASSES, prf

    probs = _softmax(type_logits)
    p_violent = 1.0 / (1.0 + np.exp(-violent_logits))
    cats = [{**Scores(float(v), dict(zip(LABELS, map(float, row)))).cats(), MODEL_KEY: 1.0}
            for v, row in zip(p_violent, probs)]
    rules = [Decision(*v, v[3]) if v[1] else NO_DECISION for v in votes]
    gold = [it.event_type or NO_EVENT for it in items]
    f1 = {}
    for floor in MIN_CONFIDENCE_GRID:
        pred = [event_decision(r, c, floor).event_type or NO_EVENT for r, c in zip(rules, cats)]
        f1[str(floor)] = round(prf(gold, pred, TYPE_CLASSES)["macro"]["f1"], 4)
    best = max(MIN_CONFIDENCE_GRID, key=lambda fl: (f1[str(fl)], fl))
    return best, f1


def save(parts: dict, out_dir: Path = ARTIFACT_DIR, metrics: dict | None = None) -> Path:
    """Write the artifact: ``meta.json``, ``terms.json`` and ``weights.npz`` under ``out_dir``."""
    import sklearn

    out_dir.mkdir(parents=True, exist_ok=True)
    terms, arrays = parts["featurizer"].state()
    (out_dir / "terms.json").write_text(json.dumps(terms, ensure_ascii=False, separators=(",", ":")),
                                        encoding="utf-8")
    np.savez_compressed(
        out_dir / "weights.npz", type_coef=parts["type_coef"].astype(np.float16), type_bias=parts["type_bias"],
        violent_coef=parts["violent_coef"].astype(np.float16), violent_bias=np.float32(parts["violent_bias"]),
        **arrays,
    )
    files = {name: file_sha256(out_dir / name) for name in ("terms.json", "weights.npz")}
    from pipeline.enrich.model.encoder import identity

    meta = {
        "version": EXPECTED_VERSION, "encoder": identity(), "labels": list(LABELS), "data_hash": parts["data_hash"],
        "n_items": parts["n_items"], "n_ged": parts["n_ged"], "files": files,
        "type_temperature": parts["type_temperature"], "violent_temperature": parts["violent_temperature"],
        "min_confidence": parts["min_confidence"], "min_confidence_oof_f1": parts["min_confidence_oof_f1"],
        "sklearn": sklearn.__version__, "metrics": metrics or {},
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out_dir


def main(argv: list[str] | None = None) -> int:
    """Train on the corpus train split (+ GED before 2018) and write the artifact."""
    ap = argparse.ArgumentParser(prog="radar train", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ARTIFACT_DIR, help="artifact folder")
    ap.add_argument("--no-ged", action="store_true", help="train without the GED Syria headlines")
    args = ap.parse_args(argv)
    from pipeline.enrich.model.corpus import ged_file

    use_ged = not args.no_ged and ged_file().is_file()
    if not args.no_ged and not use_ged:
        _log(f"{ged_file()} not found: training without the GED Syria headlines")
    items, ged = training_data(use_ged=use_ged)
    parts = fit(items, ged)
    from pipeline.evaluation.events import model_metrics

    out = save(parts, args.out)
    metrics = model_metrics(args.out)
    save(parts, args.out, metrics)
    _log(f"wrote {out} (data {parts['data_hash'][:12]}); test macro-F1 {metrics.get('test_type_macro_f1')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
