"""Fixtures for the deployment tests; helpers live in deploy_testlib.py next to this file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploy_testlib import ENV_EXAMPLE, parse_env_file, resolve_compose  # noqa: E402


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    return parse_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="session")
def compose(env_example: dict[str, str]) -> dict[str, Any]:
    return resolve_compose(env_example)
