"""Per-document sentence index, computed once and shared by all steps.

spaCy's ``doc.sents`` and ``Token.sent`` rebuild the sentence list on every access (a walk over
the whole document); the rule steps ask for sentences thousands of times per long article, so
the steps use these cached helpers instead. ``doc.text`` is likewise re-joined from the tokens on
every access, so :func:`doc_text` caches it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.enrich import tables as tb

_KEY = "radar.sent_index"
_TEXT_KEY = "radar.text"


@dataclass(frozen=True)
class SentIndex:
    """The sentences of a doc with their token and character starts."""

    spans: list  # spacy.tokens.Span
    starts: list[int]  # token index of each sentence start
    start_chars: list[int]
    texts: list[str]
    lower_texts: list[str]


def sent_index(doc) -> SentIndex:  # noqa: ANN001 - spacy Doc
    """The cached sentence index of ``doc`` (built on first use)."""
    cached = doc.user_data.get(_KEY)
    if cached is not None and cached.spans and len(cached.spans[-1].doc) == len(doc):
        return cached
    spans = list(doc.sents)
    texts = [s.text for s in spans]
    idx = SentIndex(spans, [s.start for s in spans], [s.start_char for s in spans], texts,
                    [t.lower() for t in texts])
    doc.user_data[_KEY] = idx
    return idx


def sentences(doc) -> list:  # noqa: ANN001
    """The sentences of ``doc`` as spans."""
    return sent_index(doc).spans


def sent_no(doc, i: int) -> int:  # noqa: ANN001
    """Index of the sentence that contains token ``i``."""
    return max(0, bisect.bisect_right(sent_index(doc).starts, i) - 1)


def sent_of(tok):  # noqa: ANN001, ANN201
    """The sentence span of ``tok`` (cached equivalent of ``tok.sent``)."""
    return sent_index(tok.doc).spans[sent_no(tok.doc, tok.i)]


def sent_text_lower(tok) -> str:  # noqa: ANN001
    """Lower-cased text of the sentence of ``tok``."""
    return sent_index(tok.doc).lower_texts[sent_no(tok.doc, tok.i)]


def doc_text(doc) -> str:  # noqa: ANN001
    """The text of ``doc`` (cached: spaCy re-joins it from the tokens on every access)."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.text
        doc.user_data[_TEXT_KEY] = text
    return text


# Evidence words outside the lexicons: death tolls, and claims of responsibility (actor roles).
_EXTRA_CUES = tb.words("sents", "extra_cues")


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
    from pipeline.nlp import get_nlp

    nlp = get_nlp()
    out: dict[str, set[str]] = {}
    if "lemmatizer" not in nlp.pipe_names:
        return out
    exc = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_exc", {})
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
    from pipeline.enrich import lexicon as lx
    from pipeline.enrich import numbers as nb

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
