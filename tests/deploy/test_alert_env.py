"""Every environment variable configs/alerts.yaml reads is documented in .env.example and reaches the
services that load the rules (alert worker, Airflow for the daily digest)."""

import re

import yaml

from pipeline.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT


def alert_env_vars() -> set[str]:
    lines = (ROOT / "configs" / "alerts.yaml").read_text(encoding="utf-8").splitlines()
    text = "\n".join(line.split("#", 1)[0] for line in lines)
    names = set(re.findall(r"\$\{([A-Z0-9_]+)(?::-[^}]*)?\}", text))
    names |= set(re.findall(r"(?:secret_env|password_env):\s*([A-Z0-9_]+)", text))
    return names


def test_alert_rules_use_documented_env_vars():
    documented = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines()
                  if "=" in line and not line.startswith("#")}
    names = alert_env_vars()
    assert names and names <= documented, names - documented


def test_alert_env_vars_reach_the_alert_and_airflow_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in ("alert", "airflow-scheduler"):
        env = services[name]["environment"]
        assert alert_env_vars() <= set(env), (name, alert_env_vars() - set(env))
