"""The ``Doc`` extensions the enricher's components read and write (registered once, on import).

Input, set when the enricher makes the doc: ``raw`` (the RawArticle), ``text`` (the whole cleaned
text; the doc holds it truncated to ``enrich_max_chars``), ``title_chars``. Everything else is
written by a component, named in that component's ``assigns``.
"""

from __future__ import annotations

from spacy.tokens import Doc

from pipeline.enrich.mentions import NO_EVENT

_DOC_EXTENSIONS: dict[str, object] = {
    # input
    "raw": None, "text": "", "title_chars": 0,
    # radar_language
    "language": None, "english": True,
    # radar_parse
    "parsed": False, "title_sents": 0,
    # radar_triggers (rule evidence; the event classes go to doc.cats)
    "triggers": [], "rule_decision": None,
    # radar_geoparse
    "toponyms": [], "locations": [], "location": None, "placed": [],
    # radar_actors
    "actor_mentions": [], "actors": [],
    # radar_numbers
    "number_mentions": [], "fatalities": None, "injured": None,
    # radar_dates
    "date_mentions": [], "event_date": None, "event_date_precision": None,
    # radar_multilingual
    "evidence": None,
    # radar_decision
    "decision": NO_EVENT,
    # radar_events
    "events": [],
}


def register() -> None:
    """Register the extensions (idempotent)."""
    for name, default in _DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


register()
