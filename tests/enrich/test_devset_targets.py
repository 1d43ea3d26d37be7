"""The enricher meets the issue's quality targets on the labelled dev set; the table is printed at the
end of the test run (see tests/conftest.py: pytest_terminal_summary)."""

from __future__ import annotations

from pipeline.evaluation.devset import DEFAULT_FILE, evaluate, format_report
from tests import reports


def test_dev_set_targets() -> None:
    m = evaluate(DEFAULT_FILE)
    reports.add("Enrichment quality on the dev set (radar eval dev)", format_report(m))
    assert m["n"] >= 170
    assert m["violent"]["accuracy"] >= 0.95
    assert m["event_type"]["macro_f1"] >= 0.85
    assert m["location"]["accuracy_161km"] >= 0.85
    assert m["fatalities"]["accuracy"] >= 0.85
