"""Index templates and aliases, created idempotently from ``configs/index_templates``."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch
from elasticsearch import ConnectionError as ESConnectionError

from pipeline.settings import Settings, get_settings

log = logging.getLogger(__name__)

TEMPLATES = ("articles", "incidents", "alerts")


def template_body(name: str, s: Settings | None = None) -> dict[str, Any]:
    """The index template ``name`` from configs, with index patterns for the configured prefix."""
    s = s or get_settings()
    path: Path = s.configs_dir / "index_templates" / f"{name}.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body.pop("_comment", None)
    body["index_patterns"] = [f"{s.index_prefix}-{name}-*"]
    return body


def alias_name(name: str, s: Settings | None = None) -> str:
    """Alias that reads and writes go through, e.g. ``radar-articles``."""
    s = s or get_settings()
    return f"{s.index_prefix}-{name}"


def wait_for_search(es: Elasticsearch, timeout_s: float) -> None:
    """Block until the search server answers, or raise with the URL in the message."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            es.info()
            return
        except (ESConnectionError, ApiError) as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"search server not reachable: {exc}") from exc
            time.sleep(0.3)


def ensure_index(es: Elasticsearch, name: str, s: Settings | None = None) -> str:
    """Put the template for ``name`` and create its first index behind the alias if missing."""
    s = s or get_settings()
    path = s.configs_dir / "index_templates" / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"index template {path} is missing")
    es.indices.put_index_template(name=alias_name(name, s), **template_body(name, s))
    alias = alias_name(name, s)
    if not es.indices.exists_alias(name=alias):
        first = f"{alias}-000001"
        if not es.indices.exists(index=first):
            es.indices.create(index=first, aliases={alias: {"is_write_index": True}})
        else:
            es.indices.put_alias(index=first, name=alias, is_write_index=True)
        log.info("created index %s behind alias %s", first, alias)
    return alias


def setup_indices(es: Elasticsearch, s: Settings | None = None) -> list[str]:
    """Create every template and alias the project ships (idempotent)."""
    s = s or get_settings()
    return [
        ensure_index(es, name, s)
        for name in TEMPLATES
        if (s.configs_dir / "index_templates" / f"{name}.json").is_file()
    ]
