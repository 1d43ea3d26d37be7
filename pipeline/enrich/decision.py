"""The article's event decision: one small function of the rule evidence and ``doc.cats``.

Today the decision is the rules' (:func:`pipeline.enrich.classify.decide` over the triggers, or
the multilingual rule layer). The place for a learned model: a component named ``event_model``,
after ``radar_triggers``, writes ``doc.cats`` with keys ``"violent"``, ``"type:<event type>"``
(e.g. ``"type:Battles"``) and ``"sub:<sub-event type>"`` (e.g. ``"sub:Armed clash"``) and
per-sentence scores; :func:`event_decision` is then the one function to change so that it
combines those scores with the rule evidence. Everything downstream (geoparse, actors and the
event assembler) reads ``doc._.decision``, which is this function's result.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Decision:
    """The article-level classification."""

    violent: bool
    event_type: str | None
    sub_event_type: str | None
    confidence: float
    score: float


NO_EVENT = Decision(False, None, None, 0.0, 0.0)


def rule_cats(decision: Decision) -> dict[str, float]:
    """``doc.cats`` as the rules see it: the chosen classes with the rules' confidence."""
    cats = {"violent": 1.0 if decision.violent else 0.0}
    if decision.event_type is not None:
        cats[f"type:{decision.event_type}"] = decision.confidence
        cats[f"sub:{decision.sub_event_type}"] = decision.confidence
    return cats


def event_decision(rules: Decision | None, cats: dict[str, float]) -> Decision:  # noqa: ARG001 - cats: see module doc
    """The article's event decision from the rule evidence and ``doc.cats`` (today: the rules')."""
    return rules if rules is not None else NO_EVENT
