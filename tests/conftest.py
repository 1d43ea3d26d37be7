"""Shared fixtures: real local Kafka (Tansu) and search (osmem) servers on free loopback ports,
isolated settings per test (own topics, index prefix and data dir), and an Airflow SQLite DB."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="radar-airflow-"))
os.environ.setdefault("AIRFLOW_HOME", str(_AIRFLOW_HOME))
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).resolve().parent.parent / "dags"))
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
# test servers run on loopback: tests that check the SSRF guard turn it on explicitly
os.environ.setdefault("RADAR_FETCH_ALLOW_PRIVATE_NETWORKS", "true")

from pipeline.settings import Settings, get_settings  # noqa: E402
from pipeline.stack import Service, Stack, free_port, kafka_argv, search_argv  # noqa: E402

RADAR_ENV = ("RADAR_KAFKA_BOOTSTRAP", "RADAR_ES_URL", "RADAR_DATA_DIR", "RADAR_INDEX_PREFIX", "RADAR_TOPIC_ENTRIES",
             "RADAR_TOPIC_RAW",
             "RADAR_TOPIC_ENRICHED", "RADAR_TOPIC_DLQ", "RADAR_FEEDS_FILE", "RADAR_EXTRA_TOPICS",
             "RADAR_CONSUMER_GROUP_PREFIX")


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real Kafka broker and search server for the whole test session."""
    data = tmp_path_factory.mktemp("servers")
    kafka_port, es_port = free_port(), free_port()
    stack = Stack(Settings(data_dir=data))
    stack.start(Service("kafka", kafka_argv(kafka_port), port=kafka_port))
    stack.start(Service("search", search_argv(es_port), port=es_port))
    try:
        yield {"kafka_bootstrap": f"127.0.0.1:{kafka_port}", "es_url": f"http://127.0.0.1:{es_port}"}
    finally:
        stack.stop()


@pytest.fixture
def radar_settings(servers: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings isolated for one test: own topics, index prefix and data dir; also exported as env vars
    (for code that calls get_settings(), e.g. Airflow tasks and CLI commands)."""
    tag = "t" + uuid.uuid4().hex[:8]
    values = {
        "RADAR_KAFKA_BOOTSTRAP": servers["kafka_bootstrap"],
        "RADAR_ES_URL": servers["es_url"],
        "RADAR_DATA_DIR": str(tmp_path / "data"),
        "RADAR_INDEX_PREFIX": tag,
        "RADAR_TOPIC_ENTRIES": f"{tag}.articles.entries",
        "RADAR_TOPIC_RAW": f"{tag}.articles.raw",
        "RADAR_TOPIC_ENRICHED": f"{tag}.articles.enriched",
        "RADAR_TOPIC_DLQ": f"{tag}.articles.dlq",
        "RADAR_EXTRA_TOPICS": f'["{tag}.incidents", "{tag}.alerts"]',
        "RADAR_CONSUMER_GROUP_PREFIX": f"{tag}.",
    }
    for key in RADAR_ENV:
        monkeypatch.delenv(key, raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        yield get_settings()
    finally:
        get_settings.cache_clear()


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """An initialised Airflow metadata DB (SQLite) for dag.test()."""
    from airflow.utils import db

    db.initdb()
    return _AIRFLOW_HOME


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's TerminalReporter
    """Print the evaluation tables that tests collected (CI logs show the numbers)."""
    from tests import reports

    for title, text in reports.SECTIONS:
        terminalreporter.write_sep("=", title)
        terminalreporter.write_line(text)
