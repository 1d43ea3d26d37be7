"""Incident clustering quality on the labelled clustering set, end to end through the real enricher;
the numbers are printed in the test run's summary."""

from __future__ import annotations

from pipeline.evaluation.clustering import DEFAULT_FILE, evaluate, load_rows
from tests import reports


def test_clustering_quality_on_labelled_groups() -> None:
    report = evaluate(load_rows(DEFAULT_FILE))
    lines = [f"{report['articles']} articles, {report['gold_incidents']} gold incidents, "
             f"{report['predicted_incidents']} predicted"]
    for name in ("pairwise", "bcubed"):
        m = report[name]
        lines.append(f"{name:8s} precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}")
    reports.add("Incident clustering on tests/data/clusters.jsonl (radar eval clustering)", "\n".join(lines))
    assert report["bcubed"]["f1"] >= 0.85
    assert report["pairwise"]["precision"] >= 0.65 and report["pairwise"]["recall"] >= 0.65
