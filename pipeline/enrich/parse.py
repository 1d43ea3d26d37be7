"""The ``radar_parse`` component: spaCy's tagger, parser and NER over an article, fully or selectively.

With ``enrich_selective_parse`` only the sentences the rule components can draw evidence from
(title, lead, every sentence with a cue word and the one after it: :func:`analysis_mask`) get the
full analysis; with ``enrich_selective_ner`` NER also skips sentences with no capitalised word a
rule reads. The title always ends a sentence.
"""

import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from pipeline.enrich import lexicon as lx
from pipeline.enrich import numbers as nb
from pipeline.enrich import tables as tb
from pipeline.enrich.extensions import register as register_extensions
from pipeline.enrich.sents import sentences


def _settings():  # noqa: ANN202 - pipeline.settings.Settings
    from pipeline.settings import get_settings

    return get_settings()


# Evidence words outside the lexicons: death tolls, and claims of responsibility (actor roles).
_EXTRA_CUES = tb.words("parse", "extra_cues")


def _word_forms(word: str, irregular: dict[str, set[str]]) -> set[str]:
    """Regex stems that catch ``word`` and its inflections (prefix match, plus irregular forms)."""
    forms = {re.escape(word)}
    if word.endswith("ie"):
        forms.add(re.escape(word[:-2] + "ying"))
    elif word.endswith("e"):
        forms.add(re.escape(word[:-1] + "ing"))
    elif word.endswith("y"):
        forms.add(re.escape(word[:-1] + "i"))
    forms.update(re.escape(f) for f in irregular.get(word, ()))
    return forms


def _irregular_forms() -> dict[str, set[str]]:
    """lemma -> inflected forms, from the model lemmatizer's exception tables."""
    from pipeline.nlp import get_nlp, lemma_exceptions

    out: dict[str, set[str]] = {}
    exc = lemma_exceptions(get_nlp())
    for pos in ("noun", "verb", "adj", "adv"):
        for form, lemmas in (exc.get(pos) or {}).items():
            for lemma in lemmas:
                out.setdefault(lemma, set()).add(form)
    return out


def _phrase_regex(words: tuple[str, ...], irregular: dict[str, set[str]]) -> str:
    parts = ["(?:" + "|".join(sorted(_word_forms(w, irregular), key=len, reverse=True)) + r")\w*" for w in words]
    return r"\W*".join(parts)


@lru_cache(maxsize=1)
def cue_pattern() -> re.Pattern[str]:
    """Regex over lower-cased text that finds every sentence the rule steps can draw evidence from.

    It covers every trigger phrase of the lexicon (each word with its inflections, so a match on a
    token's text or lemma is also a regex match), the violence context words, the casualty words
    of the number rules and claims of responsibility. A sentence without a match yields no trigger and no casualty count.
    """
    irregular = _irregular_forms()
    phrases: set[tuple[str, ...]] = {spec.words for spec in lx.TRIGGERS}
    singles = (lx.VIOLENCE_CUES | nb.FATAL_VERBS | nb.INJURY_VERBS | nb.FATAL_ADJ | nb.INJURY_ADJ
               | nb.FATAL_NOUNS | nb.INJURY_NOUNS | _EXTRA_CUES)
    phrases.update((w,) for w in singles)
    alts = sorted({_phrase_regex(p, irregular) for p in phrases}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + ")")


def analysis_mask(lower_texts: list[str], title_sents: int, lead: int) -> list[bool]:
    """Which sentences get the full tagger/parser analysis.

    The title sentences, the first ``lead`` body sentences, every sentence with a cue
    (:func:`cue_pattern`) and the sentence right after a cue sentence.
    """
    pattern = cue_pattern()
    n = len(lower_texts)
    mask = [i < title_sents + lead for i in range(n)]
    for i, text in enumerate(lower_texts):
        if pattern.search(text):
            mask[i] = True
            if i + 1 < n:
                mask[i + 1] = True
    return mask


def _body_start(tokens: Doc, title_chars: int) -> int | None:
    """Index of the first body token (the title ends before it), or None."""
    if title_chars:
        for tok in tokens:
            if tok.idx >= title_chars and not tok.is_space:
                return tok.i
    return None


def _break_title(doc: Doc) -> int | None:
    """Force a sentence start at the first body token; return its index."""
    body = _body_start(doc, doc._.title_chars)
    if body is not None:
        doc[body].is_sent_start = True
    return body


def _analysis_mask(tokens: Doc, title_chars: int) -> list[bool]:
    sents = list(tokens.sents)
    title_sents = sum(1 for s in sents if s.start_char < title_chars)
    lower = [s.text.lower() for s in sents]
    return analysis_mask(lower, title_sents, _settings().enrich_lead_sentences)


def _ner_mask(tokens: Doc) -> list[bool]:
    """Sentences NER must see: any capitalised token after the first, or a first token that is a place name.

    A sentence whose only capital is its first word, and that word a stop word or not a gazetteer
    name ("The police said ...", "Gunmen fled ..."), holds no entity the rule components read.
    """
    from pipeline.geo import get_geoparser

    parser = get_geoparser()
    mask = []
    for sent in tokens.sents:
        first = sent[0]
        mask.append(any(t.text[:1].isupper() for t in sent[1:]) or (
            first.text[:1].isupper() and not first.is_stop and parser.is_name(first.text)))
    return mask


def _count_title_sents(doc: Doc) -> None:
    n = 0
    for sent in sentences(doc):
        if sent.start_char < doc._.title_chars:
            n += 1
        else:
            break
    doc._.title_sents = n


def token_batches(docs: list[Doc], max_tokens: int) -> list[list[Doc]]:
    """``docs`` in order, cut into runs of at most ``max_tokens`` tokens (a longer doc is a run of its own)."""
    out: list[list[Doc]] = []
    size = 0
    for d in docs:
        if not out or size + len(d) > max_tokens:
            out.append([])
            size = 0
        out[-1].append(d)
        size += len(d)
    return out


def parse_docs(docs: list[Doc], batch_size: int) -> None:
    """Run spaCy over ``docs`` (English, non-empty): fully, or selectively (see ``enrich_selective_parse``),
    at most ``enrich_parse_batch_tokens`` tokens at a time (the parser's buffers grow with the batch)."""
    for chunk in token_batches(docs, _settings().enrich_parse_batch_tokens):
        _parse_chunk(chunk, batch_size)


def _parse_chunk(docs: list[Doc], batch_size: int) -> None:
    from pipeline.nlp import get_nlp, get_sentencizer, parse_selected

    if not _settings().enrich_selective_parse:
        for d in docs:
            _break_title(d)
        parsed = list(get_nlp().pipe(docs, batch_size=batch_size))
    else:
        split = [get_sentencizer()(d) for d in docs]
        bodies = [_break_title(t) for t in split]
        masks = [_analysis_mask(t, t._.title_chars) for t in split]
        forced = [{b} if b is not None else set() for b in bodies]
        ner_masks = [_ner_mask(t) for t in split] if _settings().enrich_selective_ner else None
        parsed = parse_selected(split, masks, forced, batch_size, ner_masks)
    for d, p in zip(docs, parsed):
        if p is not d:
            raise RuntimeError("radar_parse: the model returned a new Doc instead of annotating the given one")
        d._.parsed = True
        _count_title_sents(d)


class Parse:
    """``radar_parse``: the pinned spaCy model over the English, non-empty docs of each batch."""

    def __call__(self, doc: Doc) -> Doc:
        parse_docs([doc] if doc._.english and len(doc) else [], 1)
        return doc

    def pipe(self, docs, batch_size: int = 32):  # noqa: ANN001, ANN201 - Iterable[Doc] -> Iterator[Doc]
        for batch in minibatch(docs, size=batch_size):
            parse_docs([d for d in batch if d._.english and len(d)], batch_size)
            yield from batch


@Language.factory("radar_parse", assigns=["token.tag", "token.pos", "token.lemma", "token.dep", "token.head",
                                          "token.is_sent_start", "token.ent_type", "doc.ents", "doc._.parsed",
                                          "doc._.title_sents"],
                  requires=["doc._.english"])
def make_parse(nlp: Language, name: str) -> Parse:  # noqa: ARG001
    """Tagger, parser, lemmatizer and NER of the pinned model (selectively, see the module doc)."""
    register_extensions()
    return Parse()
