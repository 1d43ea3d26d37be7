"""The enricher's output on a fixed sample equals the committed expected file (refactors must not change it).

A deliberate change of behaviour rewrites the file: ``python -m tests.enrich.test_expected_output``
(then review the diff of ``tests/data/enrich_expected.jsonl``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.batch import parse_line
from pipeline.enrich import Enricher

DATA = Path(__file__).resolve().parent.parent / "data"
EXPECTED = DATA / "enrich_expected.jsonl"
VOLATILE = ("enriched_at", "fetched_at")
CONFIDENCE_TOLERANCE = 0.005


def sample() -> list:
    """Every 8th dev-set article, every 6th clustering article (English, Spanish and French among them)."""
    rows = []
    for name, step in (("devset.jsonl", 8), ("clusters.jsonl", 6)):
        lines = [ln for ln in (DATA / name).read_text(encoding="utf-8").splitlines() if ln.strip()]
        rows += [parse_line(ln, i) for i, ln in enumerate(lines, 1) if i % step == 1 or '"language": "es"' in ln
                 or '"language": "fr"' in ln]
    return rows


def enriched(enricher: Enricher) -> list[dict]:
    out = []
    for art in enricher.pipe(sample(), batch_size=8):
        data = json.loads(art.model_dump_json())
        for key in VOLATILE:
            data.pop(key, None)
        out.append(data)
    return out


def _split_confidences(data: object, found: list[float]) -> object:
    """``data`` without its 'confidence' values, which are appended to ``found`` in document order."""
    if isinstance(data, dict):
        if isinstance(data.get("confidence"), (int, float)):
            found.append(data["confidence"])
        return {k: _split_confidences(v, found) for k, v in data.items() if k != "confidence"}
    if isinstance(data, list):
        return [_split_confidences(v, found) for v in data]
    return data


def test_output_matches_the_expected_file(enricher: Enricher) -> None:
    """Equal output; classifier confidences within CONFIDENCE_TOLERANCE (their last digits move with the CPU's
    floating-point kernels from one machine to another)."""
    expected = [json.loads(ln) for ln in EXPECTED.read_text(encoding="utf-8").splitlines()]
    got = enriched(enricher)
    assert [a["id"] for a in got] == [a["id"] for a in expected]
    for a, b in zip(got, expected):
        conf_a: list[float] = []
        conf_b: list[float] = []
        assert _split_confidences(a, conf_a) == _split_confidences(b, conf_b), \
            f"article {a['id']} differs from tests/data/enrich_expected.jsonl"
        assert conf_a == pytest.approx(conf_b, abs=CONFIDENCE_TOLERANCE), f"article {a['id']}: confidences differ"


if __name__ == "__main__":
    from pipeline.enrich import get_enricher

    EXPECTED.write_text("".join(json.dumps(a, ensure_ascii=False, sort_keys=True) + "\n"
                                for a in enriched(get_enricher())), encoding="utf-8")
    print(f"wrote {EXPECTED}")
