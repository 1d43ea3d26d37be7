"""A small sentence encoder for the event model: all-MiniLM-L6-v2 as int8 ONNX, on the CPU.

The weights (``minilm/minilm-l6-int8.onnx``, built by :mod:`.build_encoder`) and the tokenizer
(``minilm/tokenizer.json``) ship in this package (see ``minilm/NOTICE.md``); both are checked by
SHA-256 at load, and nothing is downloaded. :func:`encode` gives the mean-pooled, L2-normalised
embedding of each text (384 dimensions), truncated to :data:`MAX_TOKENS` word pieces.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.artifacts import file_sha256

MAX_TOKENS = 96  # word pieces per text (title and lead; longer text is cut): 5-fold CV on the train split
# gave type macro-F1 0.909 at 96 against 0.908 at 128, for about a quarter less encoder time
SENTENCE_MAX_TOKENS = 40  # word pieces of one event's sentences in a multi-event article (about one and a half
# sentences; dev set the same as at 64, which cost 60% more time; 32 and 48 each changed one dev sub-type)
BATCH = 32
WEIGHTS = Path(__file__).parent / "minilm" / "minilm-l6-int8.onnx"
WEIGHTS_SHA256 = "218126ac466c9079b5da4e0d3beeb55ac771f1d54bce1bb8a5f4020d22a8b2b4"
TOKENIZER = Path(__file__).parent / "minilm" / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIMENSIONS = 384


class EncoderError(RuntimeError):
    """The encoder's weights or tokenizer are missing or damaged."""


@lru_cache(maxsize=1)
def _session():  # noqa: ANN202 - (tokenizers.Tokenizer, onnxruntime.InferenceSession)
    import onnxruntime as ort
    from tokenizers import Tokenizer

    if not WEIGHTS.is_file() or file_sha256(WEIGHTS) != WEIGHTS_SHA256:
        raise EncoderError(f"{WEIGHTS}: missing or not the expected MiniLM int8 weights (`radar train encoder` rebuilds them)")
    if not TOKENIZER.is_file() or file_sha256(TOKENIZER) != TOKENIZER_SHA256:
        raise EncoderError(f"{TOKENIZER}: missing or damaged")
    tok = Tokenizer.from_file(str(TOKENIZER))
    tok.no_truncation()
    tok.no_padding()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = False  # no arena holding the largest batch's buffers (bench peak RSS 1079 → 1062 MiB)
    return tok, ort.InferenceSession(str(WEIGHTS), opts, providers=["CPUExecutionProvider"])


def identity() -> dict[str, object]:
    """What the event model's artifact records of the encoder it was trained with."""
    return {"weights_sha256": WEIGHTS_SHA256, "tokenizer_sha256": TOKENIZER_SHA256,
            "max_tokens": MAX_TOKENS}


def _ids(encs: list, max_tokens: int) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001 - tokenizers.Encoding
    """Padded id and mask matrices; a text longer than ``max_tokens`` keeps its first pieces and its
    closing [SEP], as the tokenizer's own truncation does."""
    rows = [e.ids if len(e.ids) <= max_tokens else [*e.ids[:max_tokens - 1], e.ids[-1]] for e in encs]
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = r
        mask[i, :len(r)] = 1
    return ids, mask


def encode(texts: list[str], max_tokens: int = MAX_TOKENS) -> np.ndarray:
    """Mean-pooled, L2-normalised MiniLM embeddings of ``texts`` (float32 rows), each cut to
    ``max_tokens`` word pieces."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    if not texts:
        return out
    tok, sess = _session()
    for start in range(0, len(texts), BATCH):
        ids, mask = _ids(tok.encode_batch(texts[start:start + BATCH]), max_tokens)
        hidden = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        m = mask[..., None].astype(np.float32)
        v = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1.0)
        out[start:start + len(ids)] = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
    return out
