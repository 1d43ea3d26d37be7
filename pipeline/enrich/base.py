"""The enricher's working document and its step abstraction.

A :class:`Step` is a named plain function ``EnrichDoc -> EnrichDoc`` with the fields it
``requires`` and ``provides`` declared (in the style of spaCy components / bytewax operators).
Every step can be called alone on an :class:`EnrichDoc` built by hand, without any server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from pipeline.schemas import Actor, Event, Location, RawArticle


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


@dataclass
class EnrichDoc:
    """Working state for one article while the steps build its enrichment."""

    raw: RawArticle
    language: str | None = None
    english: bool = True
    text: str = ""
    title_chars: int = 0  # characters of ``text`` that belong to the title
    doc: Any = None  # spacy.tokens.Doc
    title_sents: int = 0  # number of sentences that belong to the title
    # classification
    triggers: list[Trigger] = field(default_factory=list)
    violent: bool = False
    event_type: str | None = None
    sub_event_type: str | None = None
    confidence: float = 0.0
    # geography
    toponyms: list[Any] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    location: Location | None = None
    placed: list[Any] = field(default_factory=list)  # event-location candidates (locate.PlacedToponym)
    # participants, numbers, dates
    actor_mentions: list[ActorMention] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    number_mentions: list[NumberMention] = field(default_factory=list)
    fatalities: int | None = None
    injured: int | None = None
    date_mentions: list[DateMention] = field(default_factory=list)
    event_date: str | None = None
    event_date_precision: str | None = None
    events: list[Event] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


StepFunc = Callable[[EnrichDoc], EnrichDoc]
BatchFunc = Callable[[list[EnrichDoc], int], list[EnrichDoc]]


@dataclass(frozen=True)
class Step:
    """A named enrichment step with declared inputs and outputs."""

    name: str
    func: StepFunc
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    batch: BatchFunc | None = None  # optional faster path over many docs (e.g. nlp.pipe)

    def __call__(self, doc: EnrichDoc) -> EnrichDoc:
        return self.func(doc)


def check_steps(steps: list[Step], initial: tuple[str, ...] = ("raw",)) -> None:
    """Raise ``ValueError`` if names repeat or a step requires a field no earlier step provides."""
    seen_names: set[str] = set()
    available = set(initial)
    for step in steps:
        if step.name in seen_names:
            raise ValueError(f"duplicate step name {step.name!r}")
        seen_names.add(step.name)
        missing = [r for r in step.requires if r not in available]
        if missing:
            raise ValueError(f"step {step.name!r} requires {missing} which no earlier step provides")
        available.update(step.provides)
