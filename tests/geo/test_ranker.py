"""The learned geo ranker: features, decisions, artifact checks and the training examples, on sentences
written for these tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.evaluation.corpora import GoldArticle, GoldToponym
from pipeline.geo import Geoparser, get_geoparser
from pipeline.geo.ranker import (
    ARTIFACT_DIR,
    FILTER_FEATURES,
    SENSE_FEATURES,
    Ranker,
    RankerArtifactError,
    doc_context,
    filter_features,
    load_meta,
)
from pipeline.nlp import get_nlp


@pytest.fixture(scope="module")
def gp() -> Geoparser:
    return get_geoparser()


@pytest.fixture(scope="module")
def learned(gp: Geoparser) -> Geoparser:
    return Geoparser(gp.g, Ranker())


def _features(gp: Geoparser, text: str) -> dict[str, dict[str, float]]:
    doc = get_nlp()(text)
    demonyms, mentions, accepted = gp.candidates(text, doc)
    ok = {id(m) for m in accepted}
    ctx = doc_context(gp, doc, accepted)
    return {m.text: dict(zip(FILTER_FEATURES, filter_features(gp, doc, m, id(m) in ok, ctx))) for m in mentions}


def test_filter_features_read_context_words_and_capitalisation(gp: Geoparser) -> None:
    f = _features(gp, "Troops were sent to the village of Douentza and fighting went on near Timbuktu.")
    assert f["Douentza"]["prev_place_noun"] == 1.0
    assert f["Timbuktu"]["cue_near"] == 1.0
    assert len(f["Timbuktu"]) == len(FILTER_FEATURES)
    upper = _features(gp, "REPORT FROM KANSAS CITY ON MONDAY.")
    assert any(v["all_upper"] == 1.0 for v in upper.values())


def test_filter_features_see_the_story_admin1(gp: Geoparser) -> None:
    f = _features(gp, "Gunmen fired on police in Madera, in the state of Chihuahua, and later near Ciudad Juarez.")
    assert f["Madera"]["qualified"] == 1.0 or f["Madera"]["support_a1"] > 0.0
    assert f["Madera"]["rule_ok"] == 1.0


def test_sense_rows_follow_the_feature_list(gp: Geoparser) -> None:
    text = "Clashes broke out in Tripoli overnight and the army sent troops north from Beirut."
    doc = get_nlp()(text)
    demonyms, mentions, accepted = gp.candidates(text, doc)
    kept = gp.rank(doc, demonyms, mentions, {id(m) for m in accepted}, lambda rows: [True] * len(rows))
    tripoli = next(m for m in kept if m.text == "Tripoli")
    assert len(tripoli.sense_rows) == len(tripoli.cands) > 1
    assert all(len(r) == len(SENSE_FEATURES) for r in tripoli.sense_rows)


def test_learned_path_keeps_the_madera_chihuahua_reading(learned: Geoparser) -> None:
    locs = {t.text: t.location for t in learned.parse("The video was recorded in Madera, Chihuahua, on Tuesday.")
            if t.location}
    assert (locs["Madera"].country_code, locs["Madera"].admin1) == ("MX", "Chihuahua")


def test_learned_path_keeps_one_sense_per_name(learned: Geoparser) -> None:
    text = ("Two hurt in shooting near Savannah bus station\n\nTwo men were wounded near the bus station in "
            "Savannah, Georgia, on Friday night, police said. Savannah police are investigating.")
    senses = {t.location.geonameid for t in learned.parse(text) if t.text == "Savannah" and t.location}
    assert len(senses) == 1


def test_keep_adds_and_drops_by_the_thresholds() -> None:
    ranker = Ranker()
    rule = FILTER_FEATURES.index("rule_ok")
    row = [0.0] * len(FILTER_FEATURES)
    ruled = list(row)
    ruled[rule] = 1.0
    ranker.filter_probs = lambda rows: [0.5] * len(rows)  # type: ignore[method-assign]
    ranker.drop_below, ranker.add_from = 0.6, 2.0
    assert ranker.keep([row, ruled]) == [False, False]
    ranker.drop_below = 0.4
    assert ranker.keep([row, ruled]) == [False, True]
    ranker.add_from = 0.45
    assert ranker.keep([row, ruled]) == [True, True]


def test_artifact_metadata_is_checked(tmp_path: Path) -> None:
    meta = load_meta()
    assert meta["train"] == "wotr_train"
    assert not {"geovirus", "geocorpora", "wotr", "ged"} & set(meta["tune"])
    bad = tmp_path / "model"
    shutil.copytree(ARTIFACT_DIR, bad)
    weights = json.loads((bad / "weights.json").read_text())
    weights["filter"]["bias"] += 1.0
    (bad / "weights.json").write_text(json.dumps(weights))
    with pytest.raises(RankerArtifactError, match="SHA-256"):
        Ranker(bad)
    shutil.copy(ARTIFACT_DIR / "weights.json", bad / "weights.json")
    m = json.loads((bad / "meta.json").read_text())
    m["filter_features"] = m["filter_features"][:-1]
    (bad / "meta.json").write_text(json.dumps(m))
    with pytest.raises(RankerArtifactError, match="feature names"):
        Ranker(bad)


def test_training_examples_label_overlap_and_161km(gp: Geoparser) -> None:
    from pipeline.geo.train import examples

    text = "Rebels attacked Tripoli in Libya on Sunday, and later shelled Misrata."
    start = text.index("Tripoli")
    art = GoldArticle(text, [GoldToponym(start, start + 7, "Tripoli", 32.89, 13.19, None)])
    fx, fy, sx, sy, sg = examples(gp, [art], [get_nlp()(text)])
    assert len(fx) == len(fy) and sum(fy) == 1
    assert sx and len(sx) == len(sy) == len(sg) and 0 < sum(sy) < len(sy)


def test_training_refuses_held_out_corpora() -> None:
    from pipeline.geo.train import load_articles

    for corpus in ("geovirus", "geocorpora", "wotr", "ged"):
        with pytest.raises(ValueError, match="held out"):
            load_articles(corpus)
