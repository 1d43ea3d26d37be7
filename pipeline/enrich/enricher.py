"""The enricher: RawArticle -> EnrichedArticle through one spaCy pipeline of registered components.

The enricher cleans the title and body, makes a ``Doc`` of the text (truncated to
``enrich_max_chars``) with the article on ``doc._.raw``, and runs :data:`COMPONENTS` over it:

``radar_language`` -> ``radar_parse`` (the pinned model, selectively) -> ``radar_triggers`` ->
``radar_multilingual`` -> ``radar_decision`` -> ``radar_geoparse`` -> ``radar_actors`` ->
``radar_numbers`` -> ``radar_dates`` -> ``radar_events`` (the event assembler).

``radar_decision`` turns the rule evidence and ``doc.cats`` into the article's event decision
(:func:`pipeline.enrich.decision.event_decision`); a learned ``event_model`` component that writes
``doc.cats`` goes right before it.

Each component declares what it ``assigns`` and ``requires`` (``nlp.analyze_pipes()`` finds no
problem) and writes onto the Doc: ``doc.spans`` groups ``triggers``, ``toponyms``, ``actors``,
``numbers`` and ``dates``; ``doc.cats`` for the event classes; ``doc._`` extensions for the rest
(:mod:`pipeline.enrich.extensions`). Non-English articles skip the English-only components; for
Spanish, French and Portuguese the multilingual rule layer fills what a small lexicon can honestly
give (confidence at most 0.5). The top-level fields of the output are derived from ``events[0]``
in one place, :func:`pipeline.enrich.events.article_fields`.
"""

import threading
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from pipeline.schemas import EnrichedArticle, RawArticle, utcnow

ENRICHER_VERSION = "rules-1.1"

COMPONENTS: tuple[str, ...] = ("radar_language", "radar_parse", "radar_triggers", "radar_multilingual", "radar_event_model",
                               "radar_decision",
                               "radar_geoparse", "radar_actors", "radar_numbers", "radar_dates", "radar_events")


def _register_factories() -> None:
    """Import the modules whose ``@Language.factory`` functions define the components.

    These modules keep their annotations evaluated (no ``from __future__ import annotations``): spaCy
    3.8.6's confection validates factory signatures with pydantic v1, which cannot resolve string annotations.
    """
    from pipeline.enrich import (  # noqa: F401
        actors, classify, dates, decision, events, locate, multilingual, numbers, parse, text)


def build_pipeline(components: Iterable[str] = COMPONENTS) -> Language:
    """A spaCy pipeline of ``components`` sharing the pinned model's vocabulary and tokenizer."""
    import spacy

    from pipeline.nlp import get_nlp

    _register_factories()
    model = get_nlp()
    nlp = spacy.blank("en", vocab=model.vocab)
    nlp.tokenizer = model.tokenizer
    for name in components:
        nlp.add_pipe(name)
    return nlp


def _settings():  # noqa: ANN202 - pipeline.settings.Settings
    from pipeline.settings import get_settings

    return get_settings()


class Enricher:
    """Runs the pipeline over articles. Built once per process; the models load on first use and are shared."""

    def __init__(self, nlp: Language | None = None) -> None:
        self._nlp = nlp
        self._lock = threading.Lock()

    @property
    def nlp(self) -> Language:
        """The enrichment pipeline (built on first use)."""
        with self._lock:
            if self._nlp is None:
                self._nlp = build_pipeline()
            return self._nlp

    def make_doc(self, raw: RawArticle) -> Doc:
        """The Doc the components run on: cleaned title and body, truncated, with the article attached."""
        from pipeline.enrich.text import article_text

        text, title_chars = article_text(raw.title, raw.body)
        doc = self.nlp.make_doc(text[: _settings().enrich_max_chars])
        doc._.raw, doc._.text, doc._.title_chars = raw, text, title_chars
        return doc

    def run(self, raw: RawArticle) -> Doc:
        """The analysed Doc of one article (every component run)."""
        return self.nlp(self.make_doc(raw))

    def __call__(self, raw: RawArticle) -> EnrichedArticle:
        return to_article(self.run(raw))

    def pipe(self, raws: Iterable[RawArticle], batch_size: int = 32) -> Iterator[EnrichedArticle]:
        """Enrich many articles through ``nlp.pipe``, ``batch_size`` at a time."""
        for batch in minibatch(raws, size=batch_size):
            docs = [self.make_doc(r) for r in batch]
            for doc in self.nlp.pipe(docs, batch_size=batch_size):
                yield to_article(doc)


def to_article(doc: Doc) -> EnrichedArticle:
    """The output message of an analysed Doc."""
    from pipeline.enrich.events import article_fields

    raw = doc._.raw
    data = raw.model_dump()
    data.update(article_fields(doc), language=doc._.language or raw.language, enriched_at=utcnow(),
                enricher_version=ENRICHER_VERSION)
    return EnrichedArticle.model_validate(data)


_LOCK = threading.Lock()
_INSTANCE: Enricher | None = None


def get_enricher() -> Enricher:
    """The process-wide enricher."""
    global _INSTANCE
    with _LOCK:
        if _INSTANCE is None:
            _INSTANCE = Enricher()
        return _INSTANCE


def enrich(raw: RawArticle) -> EnrichedArticle:
    """Enrich one article with the process-wide enricher."""
    return get_enricher()(raw)
