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

TEMPLATES = ("articles", "incidents", "alerts", "links", "silences")


def template_body(name: str, s: Settings | None = None, policy: str | None = None) -> dict[str, Any]:
    """The index template ``name`` from configs, with index patterns for the configured prefix and,
    when the cluster has a lifecycle policy, the settings that attach it with rollover."""
    s = s or get_settings()
    path: Path = s.configs_dir / "index_templates" / f"{name}.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body.pop("_comment", None)
    body["index_patterns"] = [f"{s.index_prefix}-{name}-*"]
    if policy:
        settings = body.setdefault("template", {}).setdefault("settings", {})
        settings["index.lifecycle.name"] = policy
        settings["index.lifecycle.rollover_alias"] = alias_name(name, s)
    return body


def lifecycle_policy(s: Settings) -> dict[str, Any]:
    """ILM policy from settings: roll over monthly or by size, keep hot N days, then delete or warm."""
    phases: dict[str, Any] = {
        "hot": {"actions": {"rollover": {"max_age": s.index_rollover_max_age,
                                          "max_primary_shard_size": s.index_rollover_max_primary_shard_size}}},
    }
    if s.index_after_hot == "warm":
        phases["warm"] = {"min_age": f"{s.index_hot_days}d", "actions": {"forcemerge": {"max_num_segments": 1}}}
        phases["delete"] = {"min_age": f"{s.index_warm_delete_days}d", "actions": {"delete": {}}}
    else:
        phases["delete"] = {"min_age": f"{s.index_hot_days}d", "actions": {"delete": {}}}
    return {"phases": phases}


def ensure_lifecycle(es: Elasticsearch, s: Settings | None = None) -> str | None:
    """Create or update the lifecycle policy; None when the server has no ILM (the embedded one)."""
    s = s or get_settings()
    name = f"{s.index_prefix}-policy"
    try:
        es.ilm.put_lifecycle(name=name, policy=lifecycle_policy(s))
    except ApiError as exc:
        if exc.status_code in (400, 404, 405, 501):
            log.info("search server has no index lifecycle management (%s); rollover/retention skipped", exc.status_code)
            return None
        raise
    return name


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


def ensure_index(es: Elasticsearch, name: str, s: Settings | None = None, policy: str | None = None) -> str:
    """Put the template for ``name`` and create its first index behind the alias if missing; an
    existing index gets the template's new fields (mappings only ever add fields)."""
    s = s or get_settings()
    path = s.configs_dir / "index_templates" / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"index template {path} is missing")
    body = template_body(name, s, policy)
    es.indices.put_index_template(name=alias_name(name, s), **body)
    alias = alias_name(name, s)
    if not es.indices.exists_alias(name=alias):
        first = f"{alias}-000001"
        if not es.indices.exists(index=first):
            es.indices.create(index=first, aliases={alias: {"is_write_index": True}})
        else:
            es.indices.put_alias(index=first, name=alias, is_write_index=True)
        log.info("created index %s behind alias %s", first, alias)
    else:
        try:
            es.indices.put_mapping(index=alias, properties=body["template"]["mappings"]["properties"])
        except ApiError as exc:
            if exc.status_code != 400:
                raise
            log.warning("index %s keeps its mapping: the template changed a field's type (%s); "
                        "new indices after rollover get the template's", alias, exc.message)
    return alias


def setup_indices(es: Elasticsearch, s: Settings | None = None) -> list[str]:
    """Create the lifecycle policy (where supported), every template and alias the project ships
    (idempotent)."""
    s = s or get_settings()
    policy = ensure_lifecycle(es, s)
    return [
        ensure_index(es, name, s, policy)
        for name in TEMPLATES
        if (s.configs_dir / "index_templates" / f"{name}.json").is_file()
    ]
