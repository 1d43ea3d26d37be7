"""Mention records the rule components find: the details behind the ``doc.spans`` groups.

``doc.spans["triggers"][i]`` is the span of ``doc._.triggers[i]`` (likewise ``actors`` /
``doc._.actor_mentions``, ``numbers`` / ``doc._.number_mentions``, ``dates`` / ``doc._.date_mentions``,
``toponyms`` / ``doc._.toponyms``); a record carries what a span cannot: weights, roles, values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Trigger:
    """One piece of evidence for an event: a trigger word/phrase in a sentence."""

    start: int  # token index of the trigger's head token
    end: int  # token index after the matched phrase
    sent: int  # sentence index
    event_type: str
    sub_event_type: str
    weight: float
    phrase: str
    violent: bool = True
    generic: bool = False  # a bare casualty word ("killed", "injured") that follows a specific trigger


@dataclass
class ActorMention:
    """An actor mention at a token span, with its role in its clause."""

    key: str  # normalisation key (one actor, several mentions)
    name: str
    category: str
    role: str
    country_code: str | None
    start: int
    end: int
    sent: int
    text: str
    armed: bool = False


@dataclass
class NumberMention:
    """A casualty count found in the text."""

    kind: str  # "fatalities" or "injured"
    value: int
    start: int
    sent: int
    text: str
    toll: bool = False  # stated as a death toll ("the toll rose to 12")


@dataclass
class DateMention:
    """A resolved date expression."""

    date: str
    precision: str
    start: int
    sent: int
    text: str
    reported: bool = False  # attached to a speech verb ("said on Tuesday"): when it was reported


@dataclass(frozen=True)
class Decision:
    """An article-level classification: by the rules, or (see :mod:`pipeline.enrich.decision`) combined with ``doc.cats``."""

    violent: bool
    event_type: str | None
    sub_event_type: str | None
    confidence: float
    score: float


NO_EVENT = Decision(False, None, None, 0.0, 0.0)


def write_spans(doc, key: str, items: list[tuple[int, int, str]], chars: bool = False) -> None:  # noqa: ANN001
    """Set ``doc.spans[key]`` to one span per ``(start, end, label)`` (token or, with ``chars``, character offsets).

    A character range that no token boundary fits is widened to the tokens it touches.
    """
    from spacy.tokens import Span

    spans = []
    for start, end, label in items:
        span = doc.char_span(start, end, label=label, alignment_mode="expand") if chars else Span(doc, start, end, label=label)
        if span is not None:
            spans.append(span)
    doc.spans[key] = spans
