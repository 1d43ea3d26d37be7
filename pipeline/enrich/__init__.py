"""The enricher: RawArticle -> EnrichedArticle as a sequence of named, declared steps.

Steps (in order): language -> clean_text -> nlp -> classify_event -> geoparse -> actors ->
numbers -> event_date -> events -> multilingual -> finalize. Each is a plain function on an
:class:`~pipeline.enrich.base.EnrichDoc` and can be run alone.

Non-English articles: the language is detected and recorded and the English-only steps (spaCy,
event classification, geoparsing, actors, numbers, dates) are skipped. For Spanish, French and
Portuguese the ``multilingual`` step fills what a small hand-written lexicon can honestly give
(violent, a coarse event type with confidence at most 0.5, casualties, date, gazetteer places,
known groups); other languages keep ``violent`` False and null event fields.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from pipeline.enrich.actors import actors_step
from pipeline.enrich.base import EnrichDoc, Step, check_steps
from pipeline.enrich.classify import classify_step
from pipeline.enrich.dates import dates_step
from pipeline.enrich.events import events_step
from pipeline.enrich.locate import geoparse_step
from pipeline.enrich.multilingual import multilingual_step
from pipeline.enrich.numbers import numbers_step
from pipeline.enrich.sents import analysis_mask, sentences
from pipeline.enrich.text import clean_text_step, language_step
from pipeline.schemas import EnrichedArticle, RawArticle, utcnow

ENRICHER_VERSION = "rules-1.1"


def _settings():  # noqa: ANN202 - pipeline.settings.Settings
    from pipeline.settings import get_settings

    return get_settings()


def _nlp():  # noqa: ANN202 - spacy.Language
    from pipeline.nlp import get_nlp

    return get_nlp()


def _count_title_sents(doc: EnrichDoc) -> None:
    n = 0
    for sent in sentences(doc.doc):
        if sent.start_char < doc.title_chars:
            n += 1
        else:
            break
    doc.title_sents = n


def _body_start(tokens, title_chars: int) -> int | None:  # noqa: ANN001
    """Index of the first body token (the title ends before it), or None."""
    if title_chars:
        for tok in tokens:
            if tok.idx >= title_chars and not tok.is_space:
                return tok.i
    return None


def _tokenized(doc: EnrichDoc):  # noqa: ANN202 - spacy.tokens.Doc
    """Tokenise the truncated text and force a sentence break between title and body."""
    doc.text = doc.text[: _settings().enrich_max_chars]
    tokens = _nlp().make_doc(doc.text)
    body = _body_start(tokens, doc.title_chars)
    if body is not None:
        tokens[body].is_sent_start = True
    return tokens


def _split(doc: EnrichDoc):  # noqa: ANN202 - spacy.tokens.Doc
    """Tokenise the truncated text and split it into sentences by punctuation (title kept apart)."""
    from pipeline.nlp import get_sentencizer

    doc.text = doc.text[: _settings().enrich_max_chars]
    tokens = get_sentencizer()(_nlp().make_doc(doc.text))
    body = _body_start(tokens, doc.title_chars)
    if body is not None:
        tokens[body].is_sent_start = True
    return tokens


def _analysis_mask(tokens, title_chars: int) -> list[bool]:  # noqa: ANN001
    sents = list(tokens.sents)
    title_sents = sum(1 for s in sents if s.start_char < title_chars)
    lower = [s.text.lower() for s in sents]
    return analysis_mask(lower, title_sents, _settings().enrich_lead_sentences)


def _ner_mask(tokens) -> list[bool]:  # noqa: ANN001 - spacy Doc with sentences
    """Sentences NER must see: any capitalised token after the first, or a first token that is a place name.

    A sentence whose only capital is its first word, and that word a stop word or not a gazetteer
    name ("The police said ...", "Gunmen fled ..."), holds no entity the rule steps read.
    """
    from pipeline.geo import get_geoparser

    parser = get_geoparser()
    mask = []
    for sent in tokens.sents:
        first = sent[0]
        mask.append(any(t.text[:1].isupper() for t in sent[1:]) or (
            first.text[:1].isupper() and not first.is_stop and parser.is_name(first.text)))
    return mask


def _parse(docs: list[EnrichDoc], batch_size: int) -> None:
    """Run spaCy over ``docs`` (English, non-empty): fully, or selectively (see ``enrich_selective_parse``)."""
    if not _settings().enrich_selective_parse:
        for d, parsed in zip(docs, _nlp().pipe((_tokenized(d) for d in docs), batch_size=batch_size)):
            d.doc = parsed
            _count_title_sents(d)
        return
    from pipeline.nlp import parse_selected

    split = [_split(d) for d in docs]
    masks = [_analysis_mask(t, d.title_chars) for t, d in zip(split, docs)]
    forced = [{b} if (b := _body_start(t, d.title_chars)) is not None else set() for t, d in zip(split, docs)]
    ner_masks = [_ner_mask(t) for t in split] if _settings().enrich_selective_ner else None
    for d, parsed in zip(docs, parse_selected(split, masks, forced, batch_size, ner_masks)):
        d.doc = parsed
        _count_title_sents(d)


def nlp_step(doc: EnrichDoc) -> EnrichDoc:
    """Run spaCy once over the (truncated) text."""
    if doc.english and doc.text:
        _parse([doc], 1)
    return doc


def nlp_batch(docs: list[EnrichDoc], batch_size: int) -> list[EnrichDoc]:
    """Run spaCy over many docs in batches of ``batch_size``."""
    _parse([d for d in docs if d.english and d.text], batch_size)
    return docs


def finalize_step(doc: EnrichDoc) -> EnrichDoc:
    """Make the top-level fields equal the main event's, and clamp the confidence."""
    if doc.events:
        main = doc.events[0]
        doc.event_type, doc.sub_event_type = main.event_type, main.sub_event_type
        doc.location = main.location or doc.location
        doc.event_date, doc.event_date_precision = main.event_date, main.event_date_precision
    else:
        doc.violent = False
        doc.event_type = doc.sub_event_type = None
        doc.fatalities = doc.injured = None
        if not doc.english:
            doc.event_date = doc.event_date_precision = None
            doc.confidence = 0.0
    doc.confidence = max(0.0, min(1.0, doc.confidence))
    return doc


STEPS: list[Step] = [
    Step("language", language_step, requires=("raw",), provides=("language", "english")),
    Step("clean_text", clean_text_step, requires=("raw",), provides=("text", "title_chars")),
    Step("nlp", nlp_step, requires=("text", "english"), provides=("doc", "title_sents"), batch=nlp_batch),
    Step("classify_event", classify_step, requires=("doc",),
         provides=("triggers", "violent", "event_type", "sub_event_type", "confidence")),
    Step("geoparse", geoparse_step, requires=("doc", "triggers"), provides=("toponyms", "locations", "location", "placed")),
    Step("actors", actors_step, requires=("doc", "location"), provides=("actor_mentions", "actors")),
    Step("numbers", numbers_step, requires=("doc",), provides=("number_mentions", "fatalities", "injured")),
    Step("event_date", dates_step, requires=("doc", "triggers"),
         provides=("date_mentions", "event_date", "event_date_precision")),
    Step("events", events_step,
         requires=("triggers", "location", "placed", "actor_mentions", "number_mentions", "date_mentions"),
         provides=("events",)),
    Step("multilingual", multilingual_step, requires=("language", "text"), provides=("multilingual",)),
    Step("finalize", finalize_step, requires=("events",), provides=("final",)),
]


class Enricher:
    """Runs the steps over articles. Built once per process; models load lazily and are shared."""

    def __init__(self, steps: list[Step] | None = None) -> None:
        self.steps: list[Step] = list(steps if steps is not None else STEPS)
        check_steps(self.steps)

    def run(self, doc: EnrichDoc) -> EnrichDoc:
        """Run every step over one working document."""
        for step in self.steps:
            doc = step(doc)
        return doc

    def __call__(self, raw: RawArticle) -> EnrichedArticle:
        return to_article(self.run(EnrichDoc(raw=raw)))

    def pipe(self, raws: Iterable[RawArticle], batch_size: int = 32) -> Iterator[EnrichedArticle]:
        """Enrich many articles; batched steps (spaCy) process ``batch_size`` at a time."""
        batch: list[RawArticle] = []
        for raw in raws:
            batch.append(raw)
            if len(batch) >= batch_size:
                yield from self._run_batch(batch, batch_size)
                batch = []
        if batch:
            yield from self._run_batch(batch, batch_size)

    def _run_batch(self, raws: list[RawArticle], batch_size: int) -> list[EnrichedArticle]:
        docs = [EnrichDoc(raw=r) for r in raws]
        for step in self.steps:
            if step.batch is not None:
                docs = step.batch(docs, batch_size)
            else:
                docs = [step(d) for d in docs]
        return [to_article(d) for d in docs]


def to_article(doc: EnrichDoc) -> EnrichedArticle:
    """Build the output message from a finished working document."""
    raw = doc.raw
    data = raw.model_dump()
    data.update(
        language=doc.language or raw.language,
        violent=doc.violent,
        event_type=doc.event_type,
        sub_event_type=doc.sub_event_type,
        confidence=doc.confidence,
        location=doc.location,
        locations=doc.locations,
        actors=doc.actors,
        fatalities=doc.fatalities,
        injured=doc.injured,
        event_date=doc.event_date,
        event_date_precision=doc.event_date_precision,
        events=doc.events,
        enriched_at=utcnow(),
        enricher_version=ENRICHER_VERSION,
    )
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


__all__ = ["ENRICHER_VERSION", "EnrichDoc", "Enricher", "STEPS", "Step", "enrich", "get_enricher"]
