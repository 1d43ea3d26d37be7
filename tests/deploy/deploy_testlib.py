"""Helpers for the deployment tests (compose file, Dockerfile, Kibana objects, scripts)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
TEMPLATES_DIR = ROOT / "configs" / "index_templates"

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def load_deploy_module(name: str) -> ModuleType:
    """Import ``deploy/<name>.py`` (deploy/ is a folder of scripts, not a package)."""
    key = f"radar_deploy_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, ROOT / "deploy" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a dotenv file (comments and blank lines ignored), like compose reads it."""
    env: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"malformed line in {path.name}: {line!r}"
        env[key.strip()] = value.strip()
    return env


def compose_variables(text: str) -> set[str]:
    """Names of all ``${VAR...}`` interpolations in a compose file (``$$`` escapes excluded)."""
    return {m.group(1) for m in _VAR.finditer(text.replace("$$", ""))}


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose-style interpolation: ``${V}``, ``${V:-default}``, ``${V:?error}``; ``$$`` -> ``$``."""

    def repl(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        value = env.get(name)
        if op in (":-", "-"):
            return value if value else (arg or "")
        if op in (":?", "?"):
            if not value:
                raise KeyError(f"{name}: {arg}")
            return value
        return value or ""

    placeholder = "\x00DOLLAR\x00"
    return _VAR.sub(repl, text.replace("$$", placeholder)).replace(placeholder, "$")


def resolve_compose(env: dict[str, str]) -> dict[str, Any]:
    """The compose file as data after interpolation with ``env`` (YAML anchors/merges applied)."""
    data = yaml.safe_load(interpolate(COMPOSE_FILE.read_text(encoding="utf-8"), env))
    return {k: v for k, v in data.items() if not k.startswith("x-")}


def flatten_properties(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Dotted field paths -> mapping type for an index template's properties (multi-fields too)."""
    out: dict[str, str] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        out[path] = spec.get("type", "object")
        if "properties" in spec:
            out.update(flatten_properties(spec["properties"], f"{path}."))
        for sub, sub_spec in spec.get("fields", {}).items():
            out[f"{path}.{sub}"] = sub_spec.get("type", "object")
    return out


def template_fields(name: str) -> dict[str, str]:
    """Flattened fields of ``configs/index_templates/<name>.json``."""
    import json

    body = json.loads((TEMPLATES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return flatten_properties(body["template"]["mappings"]["properties"])
