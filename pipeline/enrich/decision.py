"""The article's event decision: one small function of the rule evidence and ``doc.cats``.

Today the decision is the rules' (:func:`pipeline.enrich.classify.decide` over the triggers, or
the multilingual rule layer). The place for a learned model: a component named ``event_model``,
after ``radar_triggers``, writes ``doc.cats`` with keys ``"violent"``, ``"type:<event type>"``
(e.g. ``"type:Battles"``) and ``"sub:<sub-event type>"`` (e.g. ``"sub:Armed clash"``) and
per-sentence scores; :func:`event_decision` is then the one function to change so that it
combines those scores with the rule evidence (a learned model goes between
``radar_multilingual`` and ``radar_decision``). The ``radar_decision`` component writes its result to
``doc._.decision``, which everything downstream reads: geoparse and actors (which place and whom
the main event concerns) and the event assembler (``radar_events``).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.enrich.extensions import register as register_extensions
from pipeline.enrich.mentions import NO_EVENT, Decision


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


def decision_component(doc: Doc) -> Doc:
    """Set ``doc._.decision`` from ``doc._.rule_decision`` and ``doc.cats``."""
    doc._.decision = event_decision(doc._.rule_decision, doc.cats)
    return doc


@Language.factory("radar_decision", assigns=["doc._.decision"], requires=["doc._.rule_decision", "doc.cats"])
def make_decision(nlp: Language, name: str):  # noqa: ANN201, ARG001
    """The article's event decision (rules today; rules and a learned model's doc.cats later)."""
    register_extensions()
    return decision_component
