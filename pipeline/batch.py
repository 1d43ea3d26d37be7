"""Batch enrichment of JSON-lines files (``radar enrich``): no servers, same enricher as the worker."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from pipeline.progress import track
from pipeline.schemas import RawArticle, SchemaError

BATCH_SIZE = 32


def parse_line(line: str, lineno: int) -> RawArticle:
    """One input line ``{"id","title","body","url"?,"published"?}`` → RawArticle (SchemaError if bad)."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"line {lineno}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise SchemaError(f"line {lineno}: expected a JSON object")
    if "published" in data and "published_at" not in data:
        data["published_at"] = data.pop("published")
    if not data.get("id"):
        basis = data.get("url") or f"{data.get('title', '')}\n{data.get('body', '')}"
        data["id"] = hashlib.sha256(str(basis).encode("utf-8")).hexdigest()[:32]
    try:
        return RawArticle.model_validate(data)
    except ValueError as exc:
        raise SchemaError(f"line {lineno}: {exc}") from None


def read_articles(fh: TextIO, errors: list[str]) -> Iterator[RawArticle]:
    """Valid articles of a JSON-lines stream; problems are appended to ``errors``."""
    for n, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            yield parse_line(line, n)
        except SchemaError as exc:
            errors.append(str(exc))


def enrich_file(src: Path, dst: Path) -> tuple[int, int]:
    """Enrich every valid line of ``src`` into ``dst``; return (enriched, bad lines)."""
    from pipeline.enrich import get_enricher

    enricher = get_enricher()
    errors: list[str] = []
    done = 0
    dst.parent.mkdir(parents=True, exist_ok=True)
    with src.open(encoding="utf-8") as fh:
        total = sum(1 for line in fh if line.strip())
    with src.open(encoding="utf-8") as fin, dst.open("w", encoding="utf-8") as fout:
        docs = enricher.pipe(read_articles(fin, errors), batch_size=BATCH_SIZE)
        for doc in track(docs, total, "radar enrich"):
            fout.write(doc.model_dump_json() + "\n")
            done += 1
    for err in errors:
        print(f"radar enrich: {err}", file=sys.stderr)
    return done, len(errors)
