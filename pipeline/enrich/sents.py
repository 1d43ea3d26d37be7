"""Per-document sentence index, computed once and shared by all steps.

spaCy's ``doc.sents`` and ``Token.sent`` rebuild the sentence list on every access (a walk over
the whole document); the rule steps ask for sentences thousands of times per long article, so
the steps use these cached helpers instead. ``doc.text`` is likewise re-joined from the tokens on
every access, so :func:`doc_text` caches it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

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


def sent_at(starts: list[int], pos: int) -> int:
    """Index of the sentence holding ``pos``, given the sorted sentence ``starts`` (token or character offsets)."""
    return max(0, bisect.bisect_right(starts, pos) - 1)


def sent_no(doc, i: int) -> int:  # noqa: ANN001
    """Index of the sentence that contains token ``i``."""
    return sent_at(sent_index(doc).starts, i)


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
