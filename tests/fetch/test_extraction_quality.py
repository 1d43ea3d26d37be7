"""Extraction quality on the 36 pages of tests/data/extraction (six layouts, gold main text)."""

from pipeline.evaluation.extraction import evaluate, format_report
from tests import reports


def test_word_precision_and_recall_at_least_095():
    report = evaluate()
    reports.add("article text extraction (tests/data/extraction)", format_report(report))
    assert report["pages"] >= 30
    assert report["precision"] >= 0.95 and report["recall"] >= 0.95, format_report(report)
