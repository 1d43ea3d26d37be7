"""Setup scripts: Kafka topic init (with fake Kafka CLI tools), ES setup input checks, Airflow init."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from deploy_testlib import ROOT, load_deploy_module

CREATE_TOPICS = ROOT / "configs" / "kafka" / "create-topics.sh"
ES_SETUP = ROOT / "deploy" / "es-setup.sh"
BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="bash not available")

# A fake kafka-topics.sh: logs its arguments; `--describe` reports the partitions in $FAKE_STATE/<topic>.
FAKE_TOPICS = """#!/bin/bash
echo "kafka-topics $*" >> "$FAKE_LOG"
topic=""; prev=""
for a in "$@"; do [[ "$prev" == "--topic" ]] && topic="$a"; prev="$a"; done
if [[ " $* " == *" --describe "* ]]; then
  n=$(cat "$FAKE_STATE/$topic" 2>/dev/null || echo 0)
  printf 'Topic: %s\\tTopicId: x\\tPartitionCount: %s\\tReplicationFactor: 1\\tConfigs: \\n' "$topic" "$n"
elif [[ " $* " == *" --create "* ]]; then
  part=""; prev=""
  for a in "$@"; do [[ "$prev" == "--partitions" ]] && part="$a"; prev="$a"; done
  [[ -f "$FAKE_STATE/$topic" ]] || echo "$part" > "$FAKE_STATE/$topic"
fi
"""
FAKE_CONFIGS = """#!/bin/bash
echo "kafka-configs $*" >> "$FAKE_LOG"
"""


@pytest.fixture()
def fake_kafka(tmp_path: Path) -> dict[str, str]:
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    for name, text in (("kafka-topics.sh", FAKE_TOPICS), ("kafka-configs.sh", FAKE_CONFIGS)):
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return {
        "PATH": os.environ["PATH"], "KAFKA_BIN": str(bin_dir), "FAKE_LOG": str(tmp_path / "log"),
        "FAKE_STATE": str(state), "KAFKA_BOOTSTRAP": "kafka:9092", "KAFKA_REPLICATION": "1",
        "KAFKA_MAX_MESSAGE_BYTES": "2000000",
    }


def _run(script: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BASH, str(script)], env=env, capture_output=True, text=True, timeout=60)


def test_create_topics_creates_with_partitions_and_retention(fake_kafka: dict[str, str]) -> None:
    env = dict(fake_kafka, KAFKA_TOPICS="articles.raw:6:604800000 alerts:1:2592000000")
    result = _run(CREATE_TOPICS, env)
    assert result.returncode == 0, result.stderr
    log = Path(env["FAKE_LOG"]).read_text()
    assert ("--create --if-not-exists --topic articles.raw --partitions 6 --replication-factor 1 "
            "--config retention.ms=604800000 --config max.message.bytes=2000000") in log
    assert "--topic alerts --partitions 1" in log
    assert "--alter --topic" not in log
    assert "--entity-name alerts --add-config retention.ms=2592000000,max.message.bytes=2000000" in log


def test_create_topics_grows_but_never_shrinks(fake_kafka: dict[str, str]) -> None:
    state = Path(fake_kafka["FAKE_STATE"])
    (state / "articles.raw").write_text("2\n")
    (state / "incidents").write_text("8\n")
    env = dict(fake_kafka, KAFKA_TOPICS="articles.raw:6:1000 incidents:3:1000")
    result = _run(CREATE_TOPICS, env)
    assert result.returncode == 0, result.stderr
    log = Path(env["FAKE_LOG"]).read_text()
    assert "--alter --topic articles.raw --partitions 6" in log
    assert "--alter --topic incidents" not in log
    assert "cannot shrink" in result.stdout


@pytest.mark.parametrize("spec", ["articles.raw:0:1000", "articles.raw:x:1000", "articles.raw:3", "articles.raw:3:7d"])
def test_create_topics_rejects_bad_specs(fake_kafka: dict[str, str], spec: str) -> None:
    result = _run(CREATE_TOPICS, dict(fake_kafka, KAFKA_TOPICS=spec))
    assert result.returncode != 0 and "invalid topic spec" in result.stderr


def test_create_topics_requires_its_settings(fake_kafka: dict[str, str]) -> None:
    env = {k: v for k, v in fake_kafka.items() if k != "KAFKA_BOOTSTRAP"}
    result = _run(CREATE_TOPICS, dict(env, KAFKA_TOPICS="a:1:1"))
    assert result.returncode != 0 and "KAFKA_BOOTSTRAP" in result.stderr


@pytest.mark.parametrize("script", [CREATE_TOPICS, ES_SETUP])
def test_shell_syntax(script: Path) -> None:
    assert subprocess.run([BASH, "-n", str(script)], capture_output=True).returncode == 0


def test_es_setup_rejects_unsafe_passwords_before_any_request() -> None:
    env = {
        "PATH": os.environ["PATH"], "ES_URL": "http://127.0.0.1:9", "ELASTIC_PASSWORD": 'bad"quote',
        "KIBANA_PASSWORD": "ok-pass", "RADAR_ES_USERNAME": "radar_app", "RADAR_ES_PASSWORD": "ok-pass",
        "RADAR_INDEX_PREFIX": "radar",
    }
    result = _run(ES_SETUP, env)
    assert result.returncode == 2 and "ELASTIC_PASSWORD may only contain" in result.stderr


def test_airflow_passwords_file(tmp_path: Path) -> None:
    airflow_init = load_deploy_module("airflow_init")
    path = tmp_path / "auth" / "passwords.json"
    airflow_init.write_passwords_file(path, airflow_init.passwords_from_env(
        {"AIRFLOW_ADMIN_USER": "admin", "AIRFLOW_ADMIN_PASSWORD": "pw-123"}))
    assert json.loads(path.read_text()) == {"admin": "pw-123"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(ValueError, match="AIRFLOW_ADMIN_PASSWORD"):
        airflow_init.passwords_from_env({"AIRFLOW_ADMIN_USER": "admin"})


def test_airflow_reads_the_passwords_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    simple = pytest.importorskip("airflow.api_fastapi.auth.managers.simple.simple_auth_manager")
    airflow_init = load_deploy_module("airflow_init")
    path = tmp_path / "passwords.json"
    airflow_init.write_passwords_file(path, {"admin": "pw-123"})
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(path))
    assert simple.SimpleAuthManager.get_generated_password_file() == str(path)
    assert simple.SimpleAuthManager.get_passwords() == {"admin": "pw-123"}


def test_airflow_init_main_needs_the_passwords_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    airflow_init = load_deploy_module("airflow_init")
    monkeypatch.delenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", raising=False)
    assert airflow_init.main() == 2
