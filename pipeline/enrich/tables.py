"""Word lists, mappings and pattern rows of the rule components, loaded from ``pipeline/enrich/data``.

Each ``<name>.yaml`` file maps table keys to a list of words, a mapping, or a mapping of lists;
each ``<name>.jsonl`` file holds one JSON object per line. Everything is validated when it is
loaded: a problem raises :class:`TableError` naming the file and line.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"


class TableError(ValueError):
    """A data file is missing, malformed, or holds a value of the wrong type."""


@lru_cache(maxsize=None)
def _yaml(name: str) -> tuple[dict[str, Any], dict[str, int]]:
    """(content, key -> line) of ``data/<name>.yaml``."""
    path = DATA_DIR / f"{name}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TableError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise TableError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise TableError(f"{path}:1: expected a mapping of table names")
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value} if node is not None else {}
    return data, lines


def _entry(name: str, key: str) -> tuple[Any, str]:
    data, lines = _yaml(name)
    where = f"{DATA_DIR / name}.yaml:{lines.get(key, 1)}"
    if key not in data:
        raise TableError(f"{DATA_DIR / name}.yaml: no table {key!r}")
    return data[key], where


def _strings(values: Any, where: str) -> list[str]:
    if not isinstance(values, list):
        raise TableError(f"{where}: expected a list of strings")
    seen: set[str] = set()
    for v in values:
        if not isinstance(v, str) or not v:
            raise TableError(f"{where}: {v!r} is not a non-empty string")
        if v in seen:
            raise TableError(f"{where}: {v!r} is listed twice")
        seen.add(v)
    return values


def words(name: str, key: str) -> frozenset[str]:
    """The word set ``key`` of ``data/<name>.yaml``."""
    values, where = _entry(name, key)
    return frozenset(_strings(values, where))


def seq(name: str, key: str) -> tuple[str, ...]:
    """The ordered word list ``key`` of ``data/<name>.yaml``."""
    values, where = _entry(name, key)
    return tuple(_strings(values, where))


_SCALARS = (str, int, float, bool, type(None))


def mapping(name: str, key: str, values: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """The mapping ``key`` of ``data/<name>.yaml``; list values become ``values(list)`` (tuple by default)."""
    data, where = _entry(name, key)
    if not isinstance(data, dict):
        raise TableError(f"{where}: expected a mapping")
    out: dict[str, Any] = {}
    for k, v in data.items():
        if not isinstance(k, str) or not k:
            raise TableError(f"{where}: key {k!r} is not a non-empty string")
        if isinstance(v, list):
            if not all(isinstance(x, _SCALARS) for x in v):
                raise TableError(f"{where}: {k!r}: list items must be strings or numbers")
            v = (values or tuple)(v)
        elif isinstance(v, dict):
            v = {str(a): b for a, b in v.items()}
        elif not isinstance(v, _SCALARS):
            raise TableError(f"{where}: {k!r}: unsupported value {v!r}")
        out[k] = v
    return out


def text(name: str, key: str) -> str:
    """The string ``key`` of ``data/<name>.yaml``."""
    value, where = _entry(name, key)
    if not isinstance(value, str) or not value:
        raise TableError(f"{where}: expected a non-empty string")
    return value


def _compile(source: str, flags: int, where: str) -> re.Pattern[str]:
    try:
        return re.compile(source, flags)
    except re.error as exc:
        raise TableError(f"{where}: not a valid regular expression ({exc})") from None


def pattern(name: str, key: str, flags: int = 0) -> re.Pattern[str]:
    """The regular expression ``key`` of ``data/<name>.yaml``, compiled."""
    return _compile(text(name, key), flags, _entry(name, key)[1])


def patterns(name: str, key: str, kinds: tuple[str, ...], flags: int = 0,
             macros: dict[str, str] | None = None) -> list[tuple[str, re.Pattern[str]]]:
    """``(kind, regex)`` pairs of the mapping ``key`` (in file order); each kind must be one of ``kinds``,
    and each ``macros`` name in a regex is replaced by its value before compiling."""
    table = mapping(name, key)
    where = _entry(name, key)[1]
    out = []
    for kind, source in table.items():
        check_member(kind, kinds, "pattern kind", where)
        if not isinstance(source, str):
            raise TableError(f"{where}: {kind!r}: expected a regular expression")
        for macro, value in (macros or {}).items():
            source = source.replace(macro, value)
        out.append((kind, _compile(source, flags, f"{where} ({kind})")))
    return out


def rows(name: str, fields: dict[str, tuple[type, ...]], required: tuple[str, ...]) -> list[dict[str, Any]]:
    """The objects of ``data/<name>.jsonl``, each checked against ``fields`` (field -> allowed types)."""
    path = DATA_DIR / f"{name}.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TableError(f"{path}: cannot read ({exc.strerror})") from None
    out: list[dict[str, Any]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TableError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise TableError(f"{path}:{n}: expected a JSON object")
        missing = [f for f in required if f not in row]
        if missing:
            raise TableError(f"{path}:{n}: missing field(s) {', '.join(missing)}")
        for f, v in row.items():
            if f not in fields:
                raise TableError(f"{path}:{n}: unknown field {f!r}")
            if not isinstance(v, fields[f]) or (isinstance(v, bool) and bool not in fields[f]):
                raise TableError(f"{path}:{n}: field {f!r} has a value of the wrong type ({v!r})")
        row["_line"] = f"{path}:{n}"
        out.append(row)
    return out


def check_member(value: str, allowed: frozenset[str] | set[str] | tuple[str, ...], what: str, where: str) -> str:
    """``value`` if it is one of ``allowed``, else a :class:`TableError` naming ``where``."""
    if value not in allowed:
        raise TableError(f"{where}: {what} {value!r} is not one of the known values")
    return value


@lru_cache(maxsize=None)
def number_words(lang: str) -> dict[str, int]:
    """The number words of ``lang`` (``number_words`` in ``data/numbers.yaml``: the one number-word table)."""
    table, where = _entry("numbers", "number_words")
    if not isinstance(table, dict) or lang not in table or not isinstance(table[lang], dict):
        raise TableError(f"{where}: number_words has no mapping for language {lang!r}")
    for word, value in table[lang].items():
        if not isinstance(word, str) or not isinstance(value, int) or isinstance(value, bool):
            raise TableError(f"{where}: number_words.{lang}: {word!r}: {value!r} is not an integer")
    return dict(table[lang])
