"""The article's event decision: one small function of the rule evidence and ``doc.cats``.

The rules (:func:`pipeline.enrich.classify.decide` over the triggers, or the multilingual rule
layer) give ``doc._.rule_decision``. The learned ``radar_event_model`` component, after
``radar_multilingual``, writes ``doc.cats`` with keys ``"violent"``, ``"type:<event type>"``
(e.g. ``"type:Battles"``), ``"sub:<sub-event type>"`` and ``"model"``; :func:`event_decision`
combines both. The ``radar_decision`` component writes the result to ``doc._.decision``, which
everything downstream reads: geoparse and actors (which place and whom the main event concerns)
and the event assembler (``radar_events``), which re-decides each event of a multi-event article
from its own sentences (:func:`sentence_decisions`).
"""

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


MODEL_KEY = "model"  # doc.cats["model"] == 1.0: the cats are the learned model's scores
SENTENCE_VETO_CONFIDENCE = 0.8  # the model's "no event" on an event's own sentences overrules the rules' triggers
# only from this confidence: it was trained on titles and leads, a lone sentence is new to it (dev set unchanged by it)


def event_decision(rules: Decision | None, cats: dict[str, float], min_confidence: float | None = None) -> Decision:
    """The article's event decision from the rule evidence and ``doc.cats``.

    When the learned model scored the text (``cats["model"]``), its decision wins (see
    :func:`pipeline.enrich.model.decide`) when its confidence reaches ``min_confidence`` (default: the
    floor that training chose on out-of-fold predictions, ``EventModel.min_confidence``); below it the
    rules decide. Without model scores (non-English text, model disabled) the rules decide.
    """
    rules = rules if rules is not None else NO_EVENT
    if not cats.get(MODEL_KEY):
        return rules
    from pipeline.enrich.model import decide, get_event_model, scores_from_cats

    dec = decide(scores_from_cats(cats))
    floor = get_event_model().min_confidence if min_confidence is None else min_confidence
    if dec.confidence < floor:
        return rules
    return Decision(dec.violent, dec.event_type, dec.sub_event_type, dec.confidence, dec.confidence)


def decision_component(doc: Doc) -> Doc:
    """Set ``doc._.decision`` from ``doc._.rule_decision`` and ``doc.cats``.

    The model reads the title and lead only. When it finds no event there but the rules found one,
    the model judges the rules' trigger sentences too, so an event told deep in an article is kept
    when the model agrees on those sentences."""
    rules = doc._.rule_decision
    decision = event_decision(rules, doc.cats)
    if decision.event_type is None and rules is not None and rules.event_type is not None:
        sents = {t.sent for t in (doc._.triggers or [])}
        if sents:
            decision = sentence_decisions(doc, [(sents, rules)])[0]
    doc._.decision = decision
    return doc


def event_model_component(doc: Doc) -> Doc:
    """Score the article's title and lead with the learned event model into ``doc.cats`` (English only)."""
    from pipeline.settings import get_settings

    if not doc._.english or not get_settings().enrich_event_model or not doc._.text.strip():
        return doc
    from pipeline.enrich.model import get_event_model

    text, n = doc._.text, doc._.title_chars
    scores = get_event_model().predict_article(text[:n], text[n:], vote(doc._.rule_decision))
    doc.cats = {**scores.cats(), MODEL_KEY: 1.0}
    return doc


def sentence_decisions(doc: Doc, groups: list[tuple[set[int], Decision]]) -> list[Decision]:
    """The decision of each event, given as (its sentences, its rule decision): the model's scores of
    those sentences' text (one batched call), combined with the rules."""
    if not doc.cats.get(MODEL_KEY):
        return [rules for _, rules in groups]
    from pipeline.enrich.model import get_event_model
    from pipeline.enrich.model.encoder import SENTENCE_MAX_TOKENS
    from pipeline.enrich.sents import sentences

    all_sents = sentences(doc)
    todo = [i for i, (sents, _) in enumerate(groups) if sents]
    texts = [" ".join(all_sents[k].text.strip() for k in sorted(groups[i][0]) if k < len(all_sents)) for i in todo]
    votes = [vote(groups[i][1]) for i in todo]
    scores = get_event_model().predict(texts, votes, SENTENCE_MAX_TOKENS) if todo else []
    out = [rules for _, rules in groups]
    for i, sc in zip(todo, scores):
        dec = event_decision(groups[i][1], {**sc.cats(), MODEL_KEY: 1.0})
        vetoed = dec.event_type is None and groups[i][1].event_type is not None
        out[i] = groups[i][1] if vetoed and dec.confidence < SENTENCE_VETO_CONFIDENCE else dec
    return out


def vote(rules: Decision | None) -> tuple[bool, str | None, str | None, float]:
    """The rules' decision as the event model's rule-evidence input."""
    if rules is None:
        return (False, None, None, 0.0)
    return (rules.violent, rules.event_type, rules.sub_event_type, rules.confidence)


@Language.factory("radar_event_model", assigns=["doc.cats"], requires=["doc._.english", "doc._.rule_decision"])
def make_event_model(nlp: Language, name: str):  # noqa: ANN201, ARG001
    """The learned event model's calibrated scores of the title and lead (``doc.cats``)."""
    register_extensions()
    return event_model_component


@Language.factory("radar_decision", assigns=["doc._.decision"],
                  requires=["doc._.rule_decision", "doc._.triggers", "doc.cats"])
def make_decision(nlp: Language, name: str):  # noqa: ANN201, ARG001
    """The article's event decision from the rules and the learned model's ``doc.cats``."""
    register_extensions()
    return decision_component
