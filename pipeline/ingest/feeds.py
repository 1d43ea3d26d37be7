"""The feed list (``configs/feeds.yaml``): validated at load with clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from pipeline.settings import Settings, get_settings

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_REGION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


class FeedConfig(BaseModel):
    """One news feed to poll."""

    name: str
    url: str
    language: str = "en"
    tags: list[str] = Field(default_factory=list)
    enabled: bool = True
    poll_minutes: int = Field(default=5, ge=1, le=24 * 60)
    region: str | None = Field(None, description="the feed's home region, ISO 3166: a country ('MX') or a "
                               "subdivision ('US-TX'); the geoparser prefers places there when the story says nothing else")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("must be lowercase letters, digits, '.', '_' or '-' (max 64)")
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        if v is not None and not _REGION.match(v.upper()):
            raise ValueError("must be an ISO 3166 country code ('MX') or subdivision code ('US-TX')")
        return v.upper() if v else None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return v


class FeedsFileError(ValueError):
    """feeds.yaml is unreadable or invalid."""


def load_feeds(path: Path | None = None, s: Settings | None = None, only_enabled: bool = True) -> list[FeedConfig]:
    """Read and validate the feed list; raise :class:`FeedsFileError` naming the entry and field."""
    s = s or get_settings()
    path = path or s.feeds_file
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FeedsFileError(f"{path}: {exc}") from exc
    defaults = data.get("defaults", {}) or {}
    feeds: list[FeedConfig] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("feeds", []) or []):
        try:
            feed = FeedConfig(**{**defaults, **entry})
        except (ValidationError, TypeError) as exc:
            name = entry.get("name", f"#{i + 1}") if isinstance(entry, dict) else f"#{i + 1}"
            raise FeedsFileError(f"{path}: feed {name}: {exc}") from exc
        if feed.name in seen:
            raise FeedsFileError(f"{path}: duplicate feed name {feed.name!r}")
        seen.add(feed.name)
        if feed.enabled or not only_enabled:
            feeds.append(feed)
    return feeds
