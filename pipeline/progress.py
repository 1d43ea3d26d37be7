"""Progress lines on stderr for long batch runs: items done, rate and time left."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

INTERVAL_S = 5.0  # seconds between progress lines; runs shorter than this print nothing


def progress_line(label: str, done: int, total: int | None, elapsed: float) -> str:
    """'label: 120/400 articles, 8.1/s, 35 s left' (no total: no time left)."""
    rate = done / elapsed if elapsed > 0 else 0.0
    if total:
        left = (total - done) / rate if rate > 0 else float("inf")
        eta = f", {left:.0f} s left" if left != float("inf") else ""
        return f"{label}: {done}/{total} articles, {rate:.1f}/s{eta}"
    return f"{label}: {done} articles, {rate:.1f}/s"


def track(items: Iterable[T], total: int | None, label: str, stream: TextIO | None = None,
          interval_s: float = INTERVAL_S) -> Iterator[T]:
    """Yield ``items`` unchanged, writing a progress line to ``stream`` (stderr) every ``interval_s``
    seconds and a last one at the end if any was written."""
    out = stream if stream is not None else sys.stderr
    start = last = time.monotonic()
    done = 0
    wrote = False
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if now - last >= interval_s:
            print(progress_line(label, done, total, now - start), file=out, flush=True)
            last, wrote = now, True
    if wrote:
        print(progress_line(label, done, total, time.monotonic() - start), file=out, flush=True)
