"""docker-compose.yml and .env.example: valid, complete, pinned, wired to the pipeline settings."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.settings import Settings

from deploy_testlib import COMPOSE_FILE, ENV_EXAMPLE, ROOT, compose_variables, interpolate, resolve_compose

WORKERS = ("fetch", "enrich", "index", "alert")
PROJECT_SERVICES = (*WORKERS, "setup", "airflow-init", "airflow-apiserver", "airflow-scheduler",
                    "airflow-dag-processor", "airflow-triggerer")
PUBLISHED = {"kibana": 5601, "airflow-apiserver": 8080, "elasticsearch": 9200, "web": 18000}
# Read from the environment by the OS, Python or the base image, never set by us.
AMBIENT_VARS = {"PATH", "HOME", "HOSTNAME", "USER", "TZ", "LANG", "TMPDIR", "CI", "PYTHONPATH"}


def _compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def _is_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _run_compose_config(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = _compose_command()
    if cmd is None:
        if _is_ci():
            pytest.fail("docker-compose is not installed but CI is set: apt-get install -y docker-compose")
        pytest.skip("docker-compose binary not found (install it: apt-get install -y docker-compose)")
    env_file = tmp_path / ".env"
    shutil.copy(ENV_EXAMPLE, env_file)
    return subprocess.run(
        [*cmd, "--project-directory", str(ROOT), "--env-file", str(env_file), "-f", str(COMPOSE_FILE),
         "config", *extra],
        capture_output=True, text=True, timeout=120,
    )


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def _project_image(compose: dict[str, Any]) -> str:
    return compose["services"]["enrich"]["image"]


def test_compose_config_validates(tmp_path: Path) -> None:
    result = _run_compose_config(tmp_path, "-q")
    assert result.returncode == 0, result.stderr


def test_compose_binary_agrees_with_our_resolution(tmp_path: Path, compose: dict[str, Any]) -> None:
    result = _run_compose_config(tmp_path)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert set(resolved["services"]) == set(compose["services"])
    for name in PROJECT_SERVICES:
        assert _env(resolved["services"][name]) == _env(compose["services"][name]), name


def test_missing_secret_fails_fast(env_example: dict[str, str]) -> None:
    env = dict(env_example, ELASTIC_PASSWORD="")
    with pytest.raises(KeyError, match="ELASTIC_PASSWORD"):
        resolve_compose(env)


def test_every_compose_variable_is_in_env_example(env_example: dict[str, str]) -> None:
    used = compose_variables(COMPOSE_FILE.read_text(encoding="utf-8"))
    missing = sorted(used - set(env_example))
    assert not missing, f"variables used in docker-compose.yml but not in .env.example: {missing}"
    unused = sorted(set(env_example) - used - {"COMPOSE_PROJECT_NAME"})
    assert not unused, f".env.example defines variables nothing uses: {unused}"


def test_env_example_secrets_are_placeholders(env_example: dict[str, str]) -> None:
    secret = re.compile(r"PASSWORD|SECRET|_KEY$|CLUSTER_ID")
    for name, value in env_example.items():
        if secret.search(name):
            assert "CHANGE-ME" in value, f"{name} in .env.example must be a CHANGE-ME placeholder"


@pytest.mark.parametrize("name", PROJECT_SERVICES)
def test_project_service_environment(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    env = _env(service)
    assert service["image"] == _project_image(compose)
    assert env.get("RADAR_KAFKA_BOOTSTRAP") == "kafka:9092"
    assert re.fullmatch(r"https?://elasticsearch:9200", env.get("RADAR_ES_URL", ""))
    assert env.get("RADAR_ES_USERNAME") and env.get("RADAR_ES_PASSWORD")
    assert env.get("RADAR_ES_USERNAME") != "elastic", "the pipeline must not use the superuser"
    assert env.get("RADAR_EMBEDDED") == "false"
    assert env.get("RADAR_DATA_DIR") == "/data"
    volumes = {v.split(":")[1]: v.split(":")[0] for v in service.get("volumes", [])}
    assert volumes.get("/data") in compose["volumes"], f"{name}: /data must be a named volume"


def test_radar_variables_are_settings_fields(compose: dict[str, Any]) -> None:
    fields = {f"RADAR_{name.upper()}" for name in Settings.model_fields}
    for name, service in compose["services"].items():
        unknown = sorted(k for k in _env(service) if k.startswith("RADAR_") and k not in fields)
        if name == "es-setup":  # its own script variables, not pipeline settings
            continue
        assert not unknown, f"{name}: {unknown} are not fields of pipeline/settings.py"


def test_required_settings_are_set(compose: dict[str, Any]) -> None:
    required = [f"RADAR_{n.upper()}" for n, f in Settings.model_fields.items() if f.is_required()]
    for name in PROJECT_SERVICES:
        env = _env(compose["services"][name])
        assert all(v in env for v in required), f"{name} lacks required settings {required}"


def _env_reads_without_default(path: Path) -> set[str]:
    """Names read via os.environ[...] / os.environ.get(X) / os.getenv(X) with no default."""
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("os.environ", "environ"):
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str) and isinstance(node.ctx, ast.Load):
                names.add(node.slice.value)
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ("os.environ.get", "os.getenv", "environ.get"):
            if len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.Constant):
                names.add(str(node.args[0].value))
    return names


def _dockerfile_env() -> set[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    names: set[str] = set()
    for line in text.splitlines():
        if line.strip().startswith("ENV "):
            names.update(re.findall(r"([A-Z_][A-Z0-9_]*)=", line))
    return names


def test_environment_the_code_reads_is_provided(compose: dict[str, Any]) -> None:
    reads: dict[str, set[str]] = {}
    for folder in ("pipeline", "dags"):
        for path in (ROOT / folder).rglob("*.py"):
            for name in _env_reads_without_default(path):
                reads.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    provided = _dockerfile_env() | AMBIENT_VARS
    for name in PROJECT_SERVICES:
        env = set(_env(compose["services"][name])) | provided
        missing = {var: sorted(files) for var, files in reads.items() if var not in env}
        assert not missing, f"{name}: variables read without a default but not set: {missing}"


def _defaults_only(env_example: dict[str, str]) -> dict[str, Any]:
    """The compose file resolved with only the secrets set, so every ``${VAR:-default}`` applies."""
    return resolve_compose({k: v for k, v in env_example.items() if "CHANGE-ME" in v})


@pytest.mark.parametrize("source", ["env_example", "compose_defaults"])
def test_images_are_pinned(env_example: dict[str, str], source: str) -> None:
    compose = resolve_compose(env_example) if source == "env_example" else _defaults_only(env_example)
    for name, service in compose["services"].items():
        image = service.get("image")
        assert image, f"{name} has no image"
        repo, _, tag = image.rpartition(":")
        assert repo and "/" not in tag, f"{name}: image {image!r} has no tag"
        assert tag != "latest", f"{name}: image {image!r} uses latest"
        if "build" not in service:
            assert re.search(r"\d+\.\d+", tag), f"{name}: {image!r} must pin a version, not {tag!r}"


def test_kafka_image_kraft_single_node(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    env = _env(kafka)
    assert kafka["image"].startswith("apache/kafka:")
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "ports" not in kafka, "Kafka is for the compose network only"


def test_kafka_init_creates_all_topics(compose: dict[str, Any]) -> None:
    settings = Settings()
    specs = _env(compose["services"]["kafka-init"])["KAFKA_TOPICS"].split()
    names = [s.split(":")[0] for s in specs]
    for topic in (settings.topic_entries, settings.topic_raw, settings.topic_enriched, settings.topic_dlq, "incidents", "alerts"):
        assert topic in names
    for spec in specs:
        _, partitions, retention = spec.split(":")
        assert int(partitions) >= 1 and int(retention) > 0


def test_elasticsearch_security_and_limits(compose: dict[str, Any]) -> None:
    es = compose["services"]["elasticsearch"]
    env = _env(es)
    assert es["image"].startswith("docker.elastic.co/elasticsearch/elasticsearch:9.")
    assert env["xpack.security.enabled"] == "true"
    assert env["ELASTIC_PASSWORD"] and env["ES_JAVA_OPTS"].startswith("-Xms")
    assert es["ulimits"]["memlock"] == {"soft": -1, "hard": -1}
    assert es["ulimits"]["nofile"]["soft"] >= 65535
    assert "curl" in " ".join(es["healthcheck"]["test"]) and "-u" in " ".join(es["healthcheck"]["test"])
    kibana = compose["services"]["kibana"]
    kenv = _env(kibana)
    assert kibana["image"].split(":")[1] == es["image"].split(":")[1], "Kibana and ES versions must match"
    assert kenv["ELASTICSEARCH_USERNAME"] == "kibana_system"
    assert kenv["ELASTICSEARCH_PASSWORD"] == _env(compose["services"]["es-setup"])["KIBANA_PASSWORD"]


def test_workers_are_scalable(compose: dict[str, Any]) -> None:
    for name in WORKERS:
        service = compose["services"][name]
        assert "container_name" not in service and "ports" not in service, name
        assert service["command"] == ["worker", name]
        assert service["restart"] == "unless-stopped"


def test_published_ports_only_for_user_facing_services(compose: dict[str, Any]) -> None:
    published = {n for n, s in compose["services"].items() if s.get("ports")}
    assert published == set(PUBLISHED)
    for name, container_port in PUBLISHED.items():
        for port in compose["services"][name]["ports"]:
            host, _, rest = port.partition(":")
            assert host == "127.0.0.1", f"{name}: published on {host}, expected 127.0.0.1 by default"
            assert rest.endswith(f":{container_port}")


def test_defaults_match_env_example(env_example: dict[str, str], compose: dict[str, Any]) -> None:
    assert _defaults_only(env_example) == compose, "a ${VAR:-default} in the compose file differs from .env.example"


def test_bind_address_is_configurable(env_example: dict[str, str]) -> None:
    data = resolve_compose(dict(env_example, BIND_ADDRESS="10.1.2.3", KIBANA_PORT="15601"))
    assert data["services"]["kibana"]["ports"] == ["10.1.2.3:15601:5601"]
    assert resolve_compose(dict(env_example, BIND_ADDRESS="10.1.2.3"))["services"]["web"]["ports"] == ["10.1.2.3:18000:18000"]


def test_depends_on_conditions_match_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    one_shot = {n for n, s in services.items() if s.get("restart") == "no"}
    assert {"kafka-init", "es-setup", "setup", "kibana-setup", "airflow-init"} <= one_shot
    for name, service in services.items():
        if name not in one_shot:
            assert service.get("restart") == "unless-stopped", f"{name} needs a restart policy"
        deps = service.get("depends_on", {})
        assert isinstance(deps, dict), f"{name}: use depends_on with conditions"
        for dep, spec in deps.items():
            condition = spec["condition"]
            if dep in one_shot:
                assert condition == "service_completed_successfully", f"{name} -> {dep}"
            else:
                assert condition == "service_healthy", f"{name} -> {dep}"
                assert "healthcheck" in services[dep], f"{name} waits for {dep}, which has no healthcheck"


def test_long_running_infrastructure_has_healthchecks(compose: dict[str, Any]) -> None:
    for name in ("kafka", "elasticsearch", "kibana", "postgres", "airflow-apiserver", "airflow-scheduler",
                 "airflow-dag-processor", "airflow-triggerer"):
        assert compose["services"][name].get("healthcheck", {}).get("test"), name


def test_data_lives_in_named_volumes(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source, target, *mode = volume.split(":")
            if source.startswith((".", "/")):
                assert mode == ["ro"], f"{name}: bind mount {volume} must be read-only"
                assert (ROOT / source).exists() or source == "./dags", f"{name}: {source} missing"
            else:
                assert source in declared, f"{name}: volume {source} not declared"
    for name, path in {"kafka": "/var/lib/kafka/data", "elasticsearch": "/usr/share/elasticsearch/data",
                       "postgres": "/var/lib/postgresql/data", "kibana": "/usr/share/kibana/data"}.items():
        targets = {v.split(":")[1] for v in compose["services"][name]["volumes"]}
        assert path in targets, f"{name} must keep {path} in a named volume"


def test_airflow_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, sub in {"airflow-apiserver": "api-server", "airflow-scheduler": "scheduler",
                      "airflow-dag-processor": "dag-processor", "airflow-triggerer": "triggerer"}.items():
        service = services[name]
        env = _env(service)
        assert service["entrypoint"] == ["airflow"] and service["command"][0] == sub
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://airflow:")
        assert env["AIRFLOW__CORE__PARALLELISM"].isdigit()
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        mounts = {v.split(":")[1]: v for v in service["volumes"]}
        assert mounts["/app/dags"].endswith(":ro") and mounts["/app/configs"].endswith(":ro")
    init = _env(services["airflow-init"])
    assert init["AIRFLOW_ADMIN_USER"] and init["AIRFLOW_ADMIN_PASSWORD"]
    assert "AIRFLOW_ADMIN_PASSWORD" not in _env(services["airflow-apiserver"])


def test_interpolation_helper_handles_escapes() -> None:
    assert interpolate("a $${X} ${Y:-d} ${Z}", {"Z": "z"}) == "a ${X} d z"
