"""The corpus evaluation runs end to end on a few LGL articles (skipped when the corpora are absent)."""

from __future__ import annotations

import math

import pytest

from pipeline.evaluation.corpora import corpus_path, evaluate, main
from pipeline.geo.distance import haversine_km


def test_haversine_known_distance() -> None:
    assert haversine_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(111.2, abs=0.2)
    assert haversine_km(10.0, 20.0, 10.0, 20.0) == 0.0


@pytest.mark.skipif(not corpus_path("lgl").is_file(), reason="LGL corpus not found under settings.benchmarks_dir")
def test_evaluate_on_five_lgl_articles(capsys: pytest.CaptureFixture[str]) -> None:
    result = evaluate("lgl", limit=5)
    assert result["articles"] == 5
    assert result["gold_toponyms"] > 0
    assert 0 <= result["found"] <= result["gold_toponyms"]
    for key in ("recall", "precision", "acc_161km", "exact_id"):
        assert 0.0 <= result[key] <= 1.0
        assert not math.isnan(result[key])
    assert result["mean_error_km"] >= 0.0
    assert result["recall"] > 0.3
    assert main(["--corpus", "lgl", "--limit", "2", "--json"]) == 0
    assert '"corpus": "lgl"' in capsys.readouterr().out


@pytest.mark.skipif(not corpus_path("trnews").is_file(), reason="TR-News corpus not found under settings.benchmarks_dir")
def test_geoparser_quality_on_corpus_samples() -> None:
    from tests import reports

    rows = []
    for corpus, limit in (("lgl", 60), ("trnews", 20)):
        r = evaluate(corpus, limit=limit)
        rows.append(f"{corpus:8s} {r['articles']:3d} articles  recall {r['recall']:.3f}  precision {r['precision']:.3f}  "
                    f"acc@161km {r['acc_161km']:.3f}  exact id {r['exact_id']:.3f}")
        assert r["recall"] >= 0.75 and r["acc_161km"] >= 0.75, (corpus, r)
    reports.add("Geoparsing, first articles of LGL / TR-News (full run: radar eval corpora)", "\n".join(rows))


@pytest.mark.skipif(not corpus_path("wotr").exists() or not corpus_path("geocorpora").exists(),
                    reason="WoTR / GeoCorpora not found under settings.benchmarks_dir")
def test_held_out_corpora_load_with_aligned_offsets() -> None:
    from pipeline.evaluation.corpora import load_corpus

    for corpus in ("wotr", "geocorpora"):
        articles = load_corpus(corpus, limit=20)
        assert len(articles) == 20
        spans = [(a.text, t) for a in articles for t in a.toponyms]
        assert spans, corpus
        assert all(text[t.start:t.end] == t.phrase for text, t in spans), corpus
    r = evaluate("wotr", limit=3)
    assert r["articles"] == 3 and 0.0 <= r["acc_161km"] <= 1.0


@pytest.mark.skipif(not corpus_path("ged").exists(), reason="GED Syria not found under settings.benchmarks_dir")
def test_ged_headlines_that_name_their_place() -> None:
    from pipeline.evaluation.corpora import evaluate_ged, ged_rows

    rows = ged_rows(limit=10)
    assert len(rows) == 10 and all(";" not in r["headline"] for r in rows)
    r = evaluate_ged(limit=5)
    assert r["headlines"] == 5 and 0.0 <= r["event_within_100km"] <= 1.0
