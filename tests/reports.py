"""Tables that tests want shown in the terminal summary (e.g. evaluation results in CI logs)."""

from __future__ import annotations

SECTIONS: list[tuple[str, str]] = []


def add(title: str, text: str) -> None:
    """Queue a titled block of text for the end-of-run summary."""
    SECTIONS.append((title, text))
