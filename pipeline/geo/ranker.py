"""The learned toponym filter and sense ranker over the geoparser's candidates.

Two logistic regressions, trained by :mod:`pipeline.geo.train` (``radar train geo``):

- the *filter* decides whether a candidate mention (any entity span or capitalised gazetteer match,
  transliteration matches) is a toponym, from its NER label, context words, capitalisation, the
  candidates' population and feature class, the rules' own decision and the story's context;
- the *sense* model scores each GeoNames candidate of a kept mention, from the rules' context score,
  feature class, population, the admin1 or country named elsewhere in the story, demonyms and the
  distance to the other resolved places. One sense per name per article follows in the parser.

The feed's home region (``FeedConfig.region``) enters as evidence, like one more name of that country
or state; the training corpora carry none. The weights are a small JSON
artifact (``pipeline/geo/model``); loading checks its version, feature names and SHA-256.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path

from pipeline.artifacts import check_files, read_meta
from pipeline.geo.gazetteer import KIND_ADMIN1, KIND_ADMIN2, KIND_CITY, KIND_CONTINENT, KIND_COUNTRY, KIND_REGION

ARTIFACT_DIR = Path(__file__).resolve().parent / "model"
MODEL_VERSION = "geo-ranker-1"
NEAR_SCALE_KM = 500.0
LABEL_GROUPS = ("GPE", "LOC", "FAC", "NORP", "PERSON", "ORG")
CUE_GROUPS: dict[str, frozenset[str]] = {
    "in": frozenset({"in", "inside", "throughout", "across"}),
    "near": frozenset({"near", "outside", "around", "nearby", "between", "towards", "toward"}),
    "from_to": frozenset({"from", "to", "into", "via", "through"}),
    "at": frozenset({"at", "on"}),
    "of": frozenset({"of"}),
}
PLACE_NOUNS = frozenset({"village", "town", "city", "province", "district", "region", "state", "county",
                         "governorate", "capital", "area", "suburb", "municipality", "outskirts", "border", "port"})
PERSON_TITLES = frozenset({"mr", "mrs", "ms", "dr", "president", "minister", "gen", "general", "col", "capt",
                           "sen", "rep", "gov", "judge", "coach", "officer", "sgt", "lt", "chief", "prof"})

FILTER_FEATURES: tuple[str, ...] = (
    "rule_ok", "rule_sure", *(f"label_{g}" for g in LABEL_GROUPS), "label_other", "label_none", "exact_ent",
    "ent_start", "inside_longer", "multi_person", "after_locative", "admin_word", "settlement_of", "fuzzy",
    "qualified", "is_qualifier", "common_word", "all_upper", "sent_start", "n_tokens",
    *(f"cue_{k}" for k in CUE_GROUPS), "prev_place_noun", "next_place_noun", "prev_title", "prev_capital",
    "next_capital", "next_possessive", "log_pop", "has_country", "has_admin1", "has_admin2", "has_region",
    "only_alt", "log_cands", "support_a1", "support_cc", "key_elsewhere",
)
SENSE_FEATURES: tuple[str, ...] = (
    "rule_margin", "rule_prob", "rule_best", "kind_country", "kind_admin1", "kind_admin2", "kind_city",
    "kind_area", "log_pop", "pop_rank0", "pop_share", "alt_name", "evidence_cc", "evidence_a1", "qualifier",
    "named_country", "named_admin1", "demonym_country", "near_other", "near_distance", "fuzzy",
)


class RankerArtifactError(RuntimeError):
    """The ranker artifact is missing, damaged or does not match this code's features."""


@dataclass
class DocContext:
    """What the story says around the candidates: evidence per name, named countries and admin1s,
    demonym countries and confident anchor points."""

    per_cc: dict
    per_a1: dict
    tot_cc: dict
    tot_a1: dict
    named_cc: set[str]
    named_a1: set[str]
    demonym_cc: set[str]
    anchors: dict[str, tuple[float, float]]
    keys: set[str]


def doc_context(parser, doc, mentions: list, region=None) -> DocContext:  # noqa: ANN001 - Geoparser, Doc, _Mention, Region
    """The context of ``mentions`` (already scored by the parser) and the feed's ``region``."""
    g = parser.g
    per_cc, per_a1 = parser._evidence(mentions, region)
    tot_cc, tot_a1 = parser._totals(per_cc, per_a1)
    named_cc: set[str] = set()
    named_a1: set[str] = set()
    demonym_cc: set[str] = set()
    for m in mentions:
        if not m.scores:
            continue
        best = max(m.scores, key=m.scores.get)
        if m.demonym:
            demonym_cc.add(g.cc[best])
        elif g.kind[best] == KIND_COUNTRY:
            named_cc.add(g.cc[best])
        elif g.kind[best] == KIND_ADMIN1:
            named_a1.add(g.a1key[best])
    return DocContext(per_cc, per_a1, tot_cc, tot_a1, named_cc, named_a1, demonym_cc, parser._anchors(mentions),
                      {m.key for m in mentions if not m.demonym})


def _cue(word: str) -> dict[str, float]:
    return {f"cue_{k}": 1.0 for k, words in CUE_GROUPS.items() if word in words}


def _support(own: dict, tot: dict, keys: list[str]) -> float:
    best = max((tot.get(k, 0.0) - own.get(k, 0.0) for k in keys if k), default=0.0)
    return 1.0 - math.exp(-max(best, 0.0))


def filter_features(parser, doc, m, rule_ok: bool, ctx: DocContext) -> list[float]:  # noqa: ANN001
    """Filter features of one candidate mention, in :data:`FILTER_FEATURES` order."""
    from pipeline.geo.parser import COMMON_WORDS

    g = parser.g
    first, last = doc[m.first_tok], doc[m.last_tok]
    prev = doc[m.first_tok - 1] if m.first_tok > 0 else None
    prev2 = doc[m.first_tok - 2] if m.first_tok > 1 else None
    nxt = doc[m.last_tok + 1] if m.last_tok + 1 < len(doc) else None
    label = first.ent_type_ or last.ent_type_
    main = [c for c in m.cands if c not in m.alt] or m.cands
    kinds = {g.kind[c] for c in m.cands}
    f: dict[str, float] = {
        "rule_ok": float(rule_ok), "rule_sure": float(parser._sure(m)),
        "label_other": float(bool(label) and label not in LABEL_GROUPS), "label_none": float(not label),
        "exact_ent": float(m.exact_ent), "ent_start": float(m.ent_start), "inside_longer": float(m.inside_longer),
        "multi_person": float(m.multi_person), "after_locative": float(m.after_locative),
        "admin_word": float(m.admin_word), "settlement_of": float(m.settlement_of), "fuzzy": float(m.fuzzy),
        "qualified": float(m.qualifier is not None or m.qualifier_a1 is not None),
        "is_qualifier": float(m.is_qualifier), "common_word": float(m.key in COMMON_WORDS),
        "all_upper": float(m.text.isupper()), "sent_start": float(bool(first.is_sent_start)),
        "n_tokens": min(m.last_tok - m.first_tok + 1, 4) / 4.0,
        "prev_place_noun": float(prev is not None and (prev.lower_ in PLACE_NOUNS or (
            prev.lower_ == "of" and prev2 is not None and prev2.lower_ in PLACE_NOUNS))),
        "next_place_noun": float(nxt is not None and nxt.lower_ in PLACE_NOUNS),
        "prev_title": float(prev is not None and prev.lower_.rstrip(".") in PERSON_TITLES),
        "prev_capital": float(prev is not None and prev.text[:1].isupper() and not first.is_sent_start),
        "next_capital": float(nxt is not None and nxt.text[:1].isupper() and nxt.is_alpha),
        "next_possessive": float(nxt is not None and nxt.text in ("'s", "\u2019s")),
        "log_pop": math.log10(max(max((g.pop[c] for c in main), default=0), 10)) / 7.0,
        "has_country": float(KIND_COUNTRY in kinds), "has_admin1": float(KIND_ADMIN1 in kinds),
        "has_admin2": float(KIND_ADMIN2 in kinds), "has_region": float(bool(kinds & {KIND_REGION, KIND_CONTINENT})),
        "only_alt": float(all(c in m.alt for c in m.cands)), "log_cands": math.log1p(len(m.cands)) / 4.0,
        "support_a1": _support(ctx.per_a1.get(m.key, {}), ctx.tot_a1, [g.a1key[c] for c in m.cands]),
        "support_cc": _support(ctx.per_cc.get(m.key, {}), ctx.tot_cc, [g.cc[c] for c in m.cands]),
        "key_elsewhere": float(m.key in ctx.keys and not rule_ok),
    }
    if label in LABEL_GROUPS:
        f[f"label_{label}"] = 1.0
    if prev is not None:
        f.update(_cue(prev.lower_))
    return [f.get(name, 0.0) for name in FILTER_FEATURES]


def sense_features(parser, m, c: int, ctx: DocContext) -> list[float]:  # noqa: ANN001
    """Sense features of candidate place ``c`` of mention ``m``, in :data:`SENSE_FEATURES` order."""
    from pipeline.geo.parser import _near, _softmax

    g = parser.g
    top = max(m.scores.values())
    probs = _softmax(m.scores)
    pops = sorted((g.pop[o] for o in m.cands), reverse=True)
    kind = g.kind[c]
    q_cc, q_a1 = parser._qualifier_targets(m)
    cc, a1 = g.cc[c], g.a1key[c]
    e_cc = ctx.tot_cc.get(cc, 0.0) - ctx.per_cc.get(m.key, {}).get(cc, 0.0) if cc else 0.0
    e_a1 = ctx.tot_a1.get(a1, 0.0) - ctx.per_a1.get(m.key, {}).get(a1, 0.0) if a1 else 0.0
    points = [pt for k, pt in ctx.anchors.items() if k != m.key]
    dist = min((_km(g.lat[c], g.lon[c], la, lo) for la, lo in points), default=None)
    f = {
        "rule_margin": max(m.scores[c] - top, -10.0) / 10.0, "rule_prob": probs[c],
        "rule_best": float(m.scores[c] == top),
        "kind_country": float(kind == KIND_COUNTRY), "kind_admin1": float(kind == KIND_ADMIN1),
        "kind_admin2": float(kind == KIND_ADMIN2), "kind_city": float(kind == KIND_CITY),
        "kind_area": float(kind in (KIND_REGION, KIND_CONTINENT)),
        "log_pop": math.log10(max(g.pop[c], 10)) / 7.0, "pop_rank0": float(g.pop[c] == pops[0]),
        "pop_share": g.pop[c] / max(sum(pops), 1), "alt_name": float(c in m.alt),
        "evidence_cc": 1.0 - math.exp(-max(e_cc, 0.0)), "evidence_a1": 1.0 - math.exp(-max(e_a1, 0.0)),
        "qualifier": float(bool((a1 and a1 in q_a1) or (cc and cc in q_cc and not q_a1))),
        "named_country": float(cc in ctx.named_cc and kind != KIND_COUNTRY),
        "named_admin1": float(bool(a1) and a1 in ctx.named_a1 and kind != KIND_ADMIN1),
        "demonym_country": float(cc in ctx.demonym_cc),
        "near_other": float(bool(points) and kind in (KIND_CITY, KIND_ADMIN2) and _near(g.lat[c], g.lon[c], points)),
        "near_distance": 1.0 - min(dist, 5 * NEAR_SCALE_KM) / (5 * NEAR_SCALE_KM) if dist is not None else 0.0,
        "fuzzy": float(m.fuzzy),
    }
    return [f[name] for name in SENSE_FEATURES]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    from pipeline.geo.distance import haversine_km

    return haversine_km(lat1, lon1, lat2, lon2)


class Ranker:
    """The loaded artifact: two linear models over :data:`FILTER_FEATURES` and :data:`SENSE_FEATURES`."""

    def __init__(self, directory: Path = ARTIFACT_DIR) -> None:
        self.meta = load_meta(directory)
        weights = json.loads((directory / "weights.json").read_text(encoding="utf-8"))
        self.filter_coef = [float(w) for w in weights["filter"]["coef"]]
        self.filter_bias = float(weights["filter"]["bias"])
        self.threshold = float(weights["filter"]["threshold"])
        self.drop_below = float(weights["filter"]["drop_below"])
        self.add_from = float(weights["filter"]["add_from"])
        self.sense_coef = [float(w) for w in weights["sense"]["coef"]]
        self.sense_bias = float(weights["sense"]["bias"])
        if len(self.filter_coef) != len(FILTER_FEATURES) or len(self.sense_coef) != len(SENSE_FEATURES):
            raise RankerArtifactError(f"{directory}: weight vectors do not match the feature lists")

    def filter_probs(self, rows: list[list[float]]) -> list[float]:
        """Probability that each candidate mention is a toponym."""
        return [1.0 / (1.0 + math.exp(-(self.filter_bias + sum(w * x for w, x in zip(self.filter_coef, r)))))
                for r in rows]

    def keep(self, rows: list[list[float]]) -> list[bool]:
        """Which candidate mentions are toponyms: the rules' toponyms the filter does not reject
        (probability below ``drop_below``) plus any candidate it is sure of (``add_from``)."""
        rule = FILTER_FEATURES.index("rule_ok")
        return [(r[rule] > 0.5 and p >= self.drop_below) or p >= self.add_from
                for r, p in zip(rows, self.filter_probs(rows))]

    def sense(self, rows: list[list[float]]) -> list[float]:
        """Log-odds of each candidate place being the mention's sense."""
        return [self.sense_bias + sum(w * x for w, x in zip(self.sense_coef, r)) for r in rows]


def load_meta(directory: Path = ARTIFACT_DIR) -> dict:
    """The artifact's ``meta.json``, after checking its version, feature names and file hash."""
    meta = read_meta(directory, MODEL_VERSION, RankerArtifactError, "ranker", "radar train geo")
    if meta.get("filter_features") != list(FILTER_FEATURES) or meta.get("sense_features") != list(SENSE_FEATURES):
        raise RankerArtifactError(f"{directory}: the artifact's feature names differ from pipeline.geo.ranker")
    check_files(directory, meta, RankerArtifactError)
    return meta


_LOCK = threading.Lock()
_RANKER: Ranker | None = None


def get_ranker() -> Ranker:
    """The process-wide ranker."""
    global _RANKER
    with _LOCK:
        if _RANKER is None:
            _RANKER = Ranker()
        return _RANKER
