"""The learned event model: calibrated violent / event type / sub-type probabilities for a text.

Load with :func:`get_event_model` (once per process; the artifact's metadata and file hashes are
checked). :meth:`EventModel.predict` scores texts; :func:`decide` turns one row of scores into the
event decision. Training: :mod:`pipeline.enrich.model.train` (``radar train``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.artifacts import check_files, read_meta
from pipeline.enrich.model.corpus import LABELS, NO_EVENT, SUB_TO_TYPE, VIOLENT_SUBTYPES
from pipeline.enrich.model.features import Featurizer, RuleVote, model_text

ARTIFACT_DIR = Path(__file__).parent / "artifact"
EXPECTED_VERSION = "event-model-3"
TYPES: tuple[str, ...] = tuple(dict.fromkeys(SUB_TO_TYPE.values()))
NO_VOTE: RuleVote = (False, None, None, 0.0)
_VIOLENT_MASK = np.array([lab in VIOLENT_SUBTYPES for lab in LABELS])


class ModelArtifactError(RuntimeError):
    """The event-model artifact is missing, damaged or not the expected version."""


@dataclass(frozen=True)
class Scores:
    """Calibrated scores of one text."""

    p_violent: float
    labels: dict[str, float]  # sub-type (or "none") -> probability, summing to 1

    def type_probs(self) -> dict[str, float]:
        """Event type (or "none") -> probability: the sum over its sub-types."""
        out = {t: 0.0 for t in (NO_EVENT, *TYPES)}
        for lab, p in self.labels.items():
            out[SUB_TO_TYPE.get(lab, NO_EVENT)] += p
        return out

    def cats(self) -> dict[str, float]:
        """The scores as ``doc.cats`` keys: ``violent``, ``type:<T>``, ``sub:<S>``."""
        out = {"violent": self.p_violent}
        out.update({f"type:{t}": p for t, p in self.type_probs().items()})
        out.update({f"sub:{s}": p for s, p in self.labels.items()})
        return out


def scores_from_cats(cats: dict[str, float]) -> Scores:
    """The :class:`Scores` that :meth:`Scores.cats` wrote into ``doc.cats``."""
    return Scores(cats["violent"], {lab: cats[f"sub:{lab}"] for lab in LABELS})


@dataclass(frozen=True)
class Decision:
    """The model's event decision for one text."""

    violent: bool
    event_type: str | None
    sub_event_type: str | None
    confidence: float  # probability of the decided type (of "no event" when event_type is None)


def decide(scores: Scores) -> Decision:
    """Violent from both heads (the mean of the violent head's probability and the type head's mass on
    violent sub-types); the type and sub-type from the type head within that side.

    When the violent head says violent, the type is the most probable violent type (its sub-types'
    probabilities renormalised within the violent side); otherwise the most probable of no event,
    Strategic developments and Peaceful protest. Confidence multiplies the side's probability by the
    type's share of that side.
    """
    probs = np.array([scores.labels[lab] for lab in LABELS])
    p_violent = (scores.p_violent + float(probs[_VIOLENT_MASK].sum())) / 2
    violent = p_violent >= 0.5
    side = _VIOLENT_MASK if violent else ~_VIOLENT_MASK
    p_side = p_violent if violent else 1.0 - p_violent
    masked = np.where(side, probs, 0.0)
    total = masked.sum() or 1.0
    by_type: dict[str | None, float] = {}
    for lab, p in zip(LABELS, masked):
        key = SUB_TO_TYPE.get(lab)
        by_type[key] = by_type.get(key, 0.0) + p / total
    etype = max(by_type, key=lambda k: (by_type[k], k or ""))
    if etype is None:
        return Decision(False, None, None, round(float(p_side * by_type[None]), 4))
    subs = [(p, lab) for lab, p in zip(LABELS, masked) if SUB_TO_TYPE.get(lab) == etype]
    sub = max(subs)[1]
    return Decision(sub in VIOLENT_SUBTYPES, etype, sub, round(float(p_side * by_type[etype]), 4))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class EventModel:
    """The loaded artifact: a featurizer and two calibrated linear heads."""

    def __init__(self, directory: Path = ARTIFACT_DIR) -> None:
        self.meta = load_meta(directory)
        terms = json.loads((directory / "terms.json").read_text(encoding="utf-8"))
        with np.load(directory / "weights.npz") as npz:
            arrays = {k: npz[k] for k in npz.files}
        self.featurizer = Featurizer.from_state(terms, arrays)
        self.type_coef = arrays["type_coef"].astype(np.float32).T.copy()
        self.type_bias = arrays["type_bias"].astype(np.float32)
        self.violent_coef = arrays["violent_coef"].astype(np.float32)
        self.violent_bias = float(arrays["violent_bias"])
        self.t_type = float(self.meta["type_temperature"])
        self.t_violent = float(self.meta["violent_temperature"])
        self.min_confidence = float(self.meta["min_confidence"])  # below it the rules decide (see train.choose_min_confidence)
        if self.type_coef.shape[0] != self.featurizer.n_features:
            raise ModelArtifactError(f"{directory}: weights have {self.type_coef.shape[0]} features, "
                                     f"the featurizer {self.featurizer.n_features}")

    @property
    def version(self) -> str:
        return f"{self.meta['version']}+{self.meta['data_hash'][:8]}"

    def predict(self, texts: list[str], votes: list[RuleVote] | None = None,
                max_tokens: int | None = None) -> list[Scores]:
        """Calibrated scores of each text, given the rules' vote on it (none: the rules found nothing);
        ``max_tokens`` caps what the sentence encoder reads of each text."""
        if not texts:
            return []
        x = self.featurizer.transform(texts, votes or [NO_VOTE] * len(texts), max_tokens)
        probs = _softmax(np.asarray(x @ self.type_coef + self.type_bias) / self.t_type)
        pv = 1.0 / (1.0 + np.exp(-(np.asarray(x @ self.violent_coef).ravel() + self.violent_bias) / self.t_violent))
        return [Scores(float(v), {lab: float(p) for lab, p in zip(LABELS, row)}) for v, row in zip(pv, probs)]

    def predict_article(self, title: str, body: str, vote: RuleVote | None = None) -> Scores:
        """Scores of an article's title and lead."""
        return self.predict([model_text(title, body)], [vote or NO_VOTE])[0]


def load_meta(directory: Path = ARTIFACT_DIR) -> dict:
    """The artifact's ``meta.json``, after checking its version, labels, encoder and file hashes."""
    from pipeline.enrich.model.encoder import identity

    meta = read_meta(directory, EXPECTED_VERSION, ModelArtifactError, "model", "make train")
    if meta.get("labels") != list(LABELS):
        raise ModelArtifactError(f"{directory}: the model's labels differ from pipeline.schemas.EVENT_TYPES")
    if meta.get("encoder") != identity():
        raise ModelArtifactError(f"{directory}: trained with encoder {meta.get('encoder')}, installed {identity()}")
    check_files(directory, meta, ModelArtifactError)
    return meta


_LOCK = threading.Lock()
_MODEL: EventModel | None = None


def get_event_model() -> EventModel:
    """The process-wide event model."""
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            _MODEL = EventModel()
        return _MODEL


__all__ = ["Decision", "EventModel", "ModelArtifactError", "Scores", "decide", "get_event_model", "load_meta",
           "scores_from_cats"]
