"""The enricher's output does not depend on the process: Python's string hashing (set order) is
randomised per process, and no decision may follow it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, sys
from pipeline.evaluation.devset import DEFAULT_FILE, load_rows, to_raw
from pipeline.enrich import get_enricher
rows = load_rows(DEFAULT_FILE)[:80]
out = get_enricher().pipe([to_raw(r) for r in rows], batch_size=16)
print(json.dumps([a.model_dump(mode="json", exclude={"fetched_at", "enriched_at"}) for a in out]))
"""


def _enrich_with_hash_seed(seed: int) -> list[dict]:
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    return json.loads(proc.stdout)


def test_same_output_under_different_hash_seeds() -> None:
    first, second = _enrich_with_hash_seed(1), _enrich_with_hash_seed(3)
    diffs = [(a["id"], k) for a, b in zip(first, second) for k in a if a[k] != b[k]]
    assert len(first) == 80 and diffs == []
