"""Checked model artifacts: a folder whose ``meta.json`` names its version and the SHA-256 of each
file. Shared by the event model, the geo ranker and the sentence encoder's files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_meta(directory: Path, version: str, error: type[Exception], what: str, build: str) -> dict:
    """``directory/meta.json`` after checking it exists and carries ``version``; raises ``error``
    naming ``what`` (e.g. "model") and the command that builds it."""
    meta_file = directory / "meta.json"
    if not meta_file.is_file():
        raise error(f"{meta_file} is missing: run `{build}` to build it")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    if meta.get("version") != version:
        raise error(f"{directory}: {what} version {meta.get('version')!r}, expected {version!r}")
    return meta


def check_files(directory: Path, meta: dict, error: type[Exception]) -> None:
    """Raise ``error`` when a file listed in ``meta["files"]`` is missing or its SHA-256 differs."""
    for name, want in meta.get("files", {}).items():
        path = directory / name
        if not path.is_file() or file_sha256(path) != want:
            raise error(f"{path}: missing or its SHA-256 differs from meta.json (damaged artifact)")
