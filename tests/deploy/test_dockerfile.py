"""Dockerfile and .dockerignore: pinned base, non-root, constraints, baked model, radar entrypoint."""

from __future__ import annotations

import json
import re

from deploy_testlib import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def _args() -> dict[str, str]:
    return dict(rest.split("=", 1) for kw, rest in _instructions() if kw == "ARG" and "=" in rest)


def test_base_image_pinned_and_multistage() -> None:
    base = _args()["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base), base
    stages = [rest for kw, rest in _instructions() if kw == "FROM"]
    assert len(stages) >= 2 and all(s.startswith("${PYTHON_IMAGE}") for s in stages)


def test_installs_from_constraints_with_airflow() -> None:
    runs = " ".join(rest for kw, rest in _instructions() if kw == "RUN")
    assert re.search(r'pip install -c constraints\.txt "\.\[airflow\]"', runs)
    assert "psycopg2-binary==" in runs
    assert "get_nlp()" in runs, "the spaCy model must be loaded once at build time"


def test_copied_sources_exist() -> None:
    for kw, rest in _instructions():
        if kw != "COPY" or "--from=" in rest:
            continue
        sources = [s for s in rest.split() if not s.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), (
                f"COPY source {source} is missing"
                + (" (the lead creates constraints.txt from a tested pip freeze)" if source == "constraints.txt" else "")
            )


def test_runs_as_non_root_with_radar_entrypoint() -> None:
    instructions = _instructions()
    users = [rest for kw, rest in instructions if kw == "USER"]
    assert users and users[-1] not in ("root", "0")
    entry = [rest for kw, rest in instructions if kw == "ENTRYPOINT"]
    assert entry and json.loads(entry[-1]) == ["radar"]
    env = " ".join(rest for kw, rest in instructions if kw == "ENV")
    assert "RADAR_EMBEDDED=false" in env and "RADAR_DATA_DIR=/data" in env


def test_dockerignore_keeps_secrets_and_state_out() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", ".venv", ".git", "data", "tests"} <= ignored
