"""Per-feed state kept between runs: conditional-GET validators, last run and error."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

from pipeline.settings import Settings, get_settings


class FeedState(BaseModel):
    """What we remember about one feed."""

    etag: str | None = None
    last_modified: str | None = None
    last_run: datetime | None = None
    last_success: datetime | None = None
    last_status: str | None = None
    last_error: str | None = None
    last_entries: int = 0
    last_sent: int = 0
    total_sent: int = 0


def state_path(feed: str, s: Settings | None = None) -> Path:
    """File holding the state of ``feed``."""
    s = s or get_settings()
    return s.feed_state_dir / f"{feed}.json"


def load_state(feed: str, s: Settings | None = None) -> FeedState:
    """State of ``feed`` (empty if never run or unreadable)."""
    path = state_path(feed, s)
    try:
        return FeedState.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return FeedState()


def save_state(feed: str, state: FeedState, s: Settings | None = None) -> None:
    """Write the state atomically (temp file + rename)."""
    path = state_path(feed, s)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(state.model_dump_json(indent=1), encoding="utf-8")
    tmp.replace(path)


def all_states(s: Settings | None = None) -> dict[str, FeedState]:
    """State of every feed that ran at least once."""
    s = s or get_settings()
    if not s.feed_state_dir.is_dir():
        return {}
    return {p.stem: FeedState.model_validate(json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(s.feed_state_dir.glob("*.json"))}
