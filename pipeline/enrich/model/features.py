"""Features of the event model: TF-IDF word and character n-grams, two sentence embeddings and the
rules' vote.

The featurizer is fitted once at training time and saved as plain arrays (vocabularies, idf weights),
so nothing is unpickled at load. The embeddings carry meaning across paraphrases that the n-grams of
a hand-written corpus do not cover: the mean of WordLlama's static token vectors (``wordllama``
wheel, 256 dimensions) and MiniLM's contextual sentence embedding (:mod:`.encoder`, 384 dimensions).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

LEAD_SENTENCES = 3
LEAD_MAX_CHARS = 900
EMBED_WEIGHT = 1.5  # scale of the static embedding block against the unit-norm TF-IDF blocks
ENCODER_WEIGHT = 3.0  # scale of the MiniLM block (chosen by 5-fold cross-validation on the train split)
RULE_WEIGHT = 1.0  # scale of the rule-evidence block
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“A-Z0-9])")


def lead(body: str, sentences: int = LEAD_SENTENCES, max_chars: int = LEAD_MAX_CHARS) -> str:
    """The first ``sentences`` sentences of ``body``, at most ``max_chars`` characters."""
    parts = _SENT_END.split(body.strip(), maxsplit=sentences)
    return " ".join(parts[:sentences])[:max_chars]


def model_text(title: str, body: str) -> str:
    """What the model reads of an article: the title and the lead."""
    title, head = title.strip(), lead(body)
    if title and head:
        return f"{title}. {head}" if title[-1] not in ".!?:" else f"{title} {head}"
    return title or head


@lru_cache(maxsize=1)
def _static_embeddings():  # noqa: ANN202 - (tokenizers.Tokenizer, np.ndarray)
    import wordllama
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    root = Path(wordllama.__file__).parent
    tok = Tokenizer.from_file(str(root / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    tok.no_padding()
    tok.no_truncation()
    weights = load_file(str(root / "weights" / "l2_supercat_256.safetensors"))["embedding.weight"]
    return tok, weights


def embed(texts: list[str]) -> np.ndarray:
    """Mean static token embedding of each text, L2-normalised (rows of a float32 matrix)."""
    tok, weights = _static_embeddings()
    out = np.zeros((len(texts), weights.shape[1]), dtype=np.float32)
    for i, enc in enumerate(tok.encode_batch(texts, add_special_tokens=False)):
        if enc.ids:
            v = weights[enc.ids].astype(np.float32).mean(axis=0)
            out[i] = v / (np.linalg.norm(v) or 1.0)
    return out


def _vectorizers(word_vocab=None, char_vocab=None):  # noqa: ANN001, ANN202
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=60000, sublinear_tf=True,
                           strip_accents="unicode", lowercase=True, token_pattern=r"(?u)\b\w+\b",
                           vocabulary=word_vocab, dtype=np.float32)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3, max_features=80000,
                           sublinear_tf=True, strip_accents="unicode", lowercase=True,
                           vocabulary=char_vocab, dtype=np.float32)
    return word, char


RuleVote = tuple[bool, str | None, str | None, float]  # the rules' (violent, type, sub-type, confidence)


def rule_block(votes: list[RuleVote]) -> np.ndarray:
    """The rules' decisions as features: violent, one-hot type and sub-type (or none), scaled by confidence."""
    from pipeline.enrich.model.corpus import LABELS, SUB_TO_TYPE

    types = [None, *dict.fromkeys(SUB_TO_TYPE.values())]
    out = np.zeros((len(votes), 1 + len(types) + len(LABELS)), dtype=np.float32)
    for i, (violent, etype, sub, conf) in enumerate(votes):
        c = min(1.0, max(0.0, conf)) if etype else 1.0
        out[i, 0] = float(violent)
        out[i, 1 + types.index(etype if etype in types else None)] = c
        out[i, 1 + len(types) + LABELS.index(sub if sub in SUB_TO_TYPE else LABELS[0])] = c
    return out * RULE_WEIGHT


class Featurizer:
    """Text (and the rules' vote) -> sparse feature matrix [word | char TF-IDF | WordLlama | MiniLM | rules]."""

    def __init__(self, word, char) -> None:  # noqa: ANN001 - fitted TfidfVectorizers
        self.word, self.char = word, char

    @classmethod
    def fit(cls, texts: list[str]) -> "Featurizer":
        """Fit the vocabularies and idf weights on training texts."""
        word, char = _vectorizers()
        word.fit(texts)
        char.fit(texts)
        return cls(word, char)

    def transform(self, texts: list[str], votes: list[RuleVote], max_tokens: int | None = None) -> sparse.csr_matrix:
        """The feature rows of ``texts`` with the rules' vote on each (MiniLM reads at most
        ``max_tokens`` word pieces of each, default :data:`.encoder.MAX_TOKENS`)."""
        from pipeline.enrich.model.encoder import MAX_TOKENS, encode

        enc = encode(texts, max_tokens or MAX_TOKENS) * ENCODER_WEIGHT
        dense = np.hstack([embed(texts) * EMBED_WEIGHT, enc, rule_block(votes)])
        return sparse.hstack([self.word.transform(texts), self.char.transform(texts), sparse.csr_matrix(dense)],
                             format="csr")

    @property
    def n_features(self) -> int:
        from pipeline.enrich.model.encoder import DIMENSIONS

        return (len(self.word.vocabulary_) + len(self.char.vocabulary_) + embed([""]).shape[1] + DIMENSIONS
                + rule_block([(False, None, None, 0.0)]).shape[1])

    def state(self) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
        """Vocabularies (terms in column order) and idf arrays that rebuild this featurizer."""
        terms, arrays = {}, {}
        for name, vec in (("word", self.word), ("char", self.char)):
            terms[name] = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
            arrays[f"{name}_idf"] = vec.idf_.astype(np.float32)
        return terms, arrays

    @classmethod
    def from_state(cls, terms: dict[str, list[str]], arrays: dict[str, np.ndarray]) -> "Featurizer":
        """Rebuild a fitted featurizer from :meth:`state`."""
        vocabs = {n: {t: i for i, t in enumerate(terms[n])} for n in ("word", "char")}
        word, char = _vectorizers(vocabs["word"], vocabs["char"])
        for name, vec in (("word", word), ("char", char)):
            vec.vocabulary_ = vocabs[name]
            vec.fixed_vocabulary_ = True
            vec.idf_ = arrays[f"{name}_idf"].astype(np.float64)
        return cls(word, char)
