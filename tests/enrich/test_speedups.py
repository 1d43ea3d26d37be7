"""The speed-ups give the same results as the plain spaCy / Python code they replace."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import spacy

from pipeline.enrich.text import fold_keep_offsets as _fold_with_map
from pipeline.enrich.sents import doc_text, sent_no, sent_of, sentences
from pipeline.nlp import get_nlp, model_path

DEVSET = Path(__file__).resolve().parents[1] / "data" / "devset.jsonl"
TEXT = ("Armed men stormed a farm near Kaduna on Friday. Two guards were shot dead.\n\n"
        "\"We ain't gonna leave,\" a farmer said. Nothin' was taken from the Estância São José.")


def _attrs(doc) -> list[tuple]:  # noqa: ANN001
    return [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, t.ent_type_) for t in doc]


def test_cached_attribute_ruler_matches_the_model_ruler() -> None:
    plain = spacy.load(model_path())
    nlp = get_nlp()
    assert "attribute_ruler" not in nlp.pipe_names
    texts = [TEXT, "Police said the gunmen fled. Police said the gunmen fled.", "Troops are gonna retake it."]
    for _ in range(2):  # first pass fills the cache, second pass replays it
        for text in texts:
            assert _attrs(nlp(text)) == _attrs(plain(text))


def test_sentence_index_equals_spacy_sentences() -> None:
    doc = get_nlp()(TEXT)
    spans = list(doc.sents)
    assert [(s.start, s.end) for s in sentences(doc)] == [(s.start, s.end) for s in spans]
    for tok in doc:
        assert sent_of(tok).start == tok.sent.start
        assert sentences(doc)[sent_no(doc, tok.i)].start == tok.sent.start
    assert doc_text(doc) == doc.text == TEXT


def test_fold_with_map_keeps_offsets_and_folds_accents() -> None:
    def reference(text: str) -> str:
        out = []
        for ch in text:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)) or ch
            out.append(base[0].lower() if len(base[0].lower()) == 1 else ch)
        return "".join(out)

    for text in ("Gunmen of La Línea in Ciudad Juárez", "İzmir ẞ ǅ Ñandú", "plain ASCII Text"):
        assert _fold_with_map(text) == reference(text)
        assert len(_fold_with_map(text)) == len(text)


def test_cached_attribute_ruler_handles_multi_token_rules_and_new_words() -> None:
    plain = spacy.load(model_path())
    nlp = get_nlp()
    texts = ["There was a blast and there were two raids. Y'all gotta see, let's go, c'mon.",
             "Gon na gotta: the quixotic zephyr wasn't there, ain't it? There is, there's.",
             "Xyloquent brindlewort gonna there are."]
    for _ in range(2):
        for text in texts:
            assert _attrs(nlp(text)) == _attrs(plain(text))


def test_numpy_gemm_gives_the_blis_analysis_on_dev_articles() -> None:
    nlp = get_nlp()
    models = [proc.model for _, proc in nlp.pipeline if hasattr(getattr(proc, "model", None), "walk")]
    assert models and not any(node.ops.use_blis for model in models for node in model.walk())
    plain = spacy.load(model_path())
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [r["title"] + "\n\n" + r["body"] for r in rows[:40]]
    assert [_attrs(d) for d in nlp.pipe(texts)] == [_attrs(d) for d in plain.pipe(texts)]
