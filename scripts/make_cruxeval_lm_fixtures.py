#!/usr/bin/env python3
"""Write the fixtures of `tracelens eval --task --model` and of the tokenizer on CRUXEval prompts
(run: scripts/make_causal_fixtures.sh cruxeval, in the venv that script makes).

Both start from the committed tests/fixtures/causal/tokenizer/tokenizer.json: a byte-level BPE
with Qwen2's pre-tokenizer regex, trained by make_causal_fixtures.py on Python's standard
library (a real model's tokenizer.json cannot be downloaded here: only PyPI, crates.io and apt
are reachable). Its GGUF metadata form is what candle rebuilds exactly (qwen2 pre-tokenization).

1. tests/fixtures/causal/tokenizer/expected_prompt_ids.tsv: for each of CRUXEval's 800 records
   and each prompt (CRUXEval-O and CRUXEval-I, each direct, chain-of-thought and SemCoder's
   monologue), the number of token ids the Python `tokenizers` package gives for the prompt and
   the FNV-1a 64 digest of those ids (u32 little-endian). The prompts are built by
   make_prompt_fixtures.py, the Python reimplementation of CRUXEval's and SemCoder's code, not
   by tracelens. tests/causal_tokenizer.rs builds the prompts with tracelens and compares.

2. tests/fixtures/causal/bigram/model.gguf: a llama model (Q8_0, one layer, hidden size 32,
   context 1024) whose weights are set by hand so that it is a bigram table: attention and MLP
   weights are zero, so the last position's logits depend only on the last token's embedding (a
   one-hot vector per token of the table below, one shared vector for every other token), and
   the output matrix holds the logits. After any prompt ending in "]\\n" (the [ANSWER],
   [THOUGHT] and [MONOLOGUE] openings) it writes

       assert f(1,2)==3[/ANSWER] tail tail tail ...

   where "1" may be "0" (logits 12.5 and 12) and "3" may be "4" (12.5 and 12), every other step
   having one successor at logit 16 (all other tokens at 0). Greedy decoding therefore gives
   `assert f(1,2)==3`, the right answer to both tasks for a record f(a, b) = a + b with input
   `1, 2` and output `3`; sampling at temperature 1 varies both digits; without the stop string
   the text would go on with " tail" until --max-tokens. The tokenizer is in the GGUF metadata.
   The numpy forward pass of make_causal_fixtures.py (an implementation independent of
   tracelens) checks the intended greedy continuation on a real prompt before the file is kept.
"""

import json
import sys
from pathlib import Path

import gguf
import numpy as np
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_causal_fixtures as causal  # noqa: E402
import make_prompt_fixtures as prompts  # noqa: E402

ROOT = causal.ROOT
TOKENIZER = causal.OUT / "tokenizer" / "tokenizer.json"
KINDS = [(t, k) for t in ("output", "input") for k in ("direct", "cot", "monologue")]
HIDDEN = 32
HEADS = 4
KV_HEADS = 2
CONTEXT = 1024
SURE = 16.0

# (token, [(successor, logit), ...]); "*" is every token not listed.
TABLE = [
    ("]\u010a", [("as", SURE)]),
    ("as", [("ser", SURE)]),
    ("ser", [("t", SURE)]),
    ("t", [("\u0120f", SURE)]),
    ("\u0120f", [("(", SURE)]),
    ("(", [("1", 12.5), ("0", 12.0)]),
    ("1", [(",", SURE)]),
    ("0", [(",", SURE)]),
    (",", [("2", SURE)]),
    ("2", [(")", SURE)]),
    (")", [("==", SURE)]),
    ("==", [("3", 12.5), ("4", 12.0)]),
    ("3", [("[", SURE)]),
    ("4", [("[", SURE)]),
    ("[", [("/", SURE)]),
    ("/", [("A", SURE)]),
    ("A", [("N", SURE)]),
    ("N", [("S", SURE)]),
    ("S", [("W", SURE)]),
    ("W", [("E", SURE)]),
    ("E", [("R", SURE)]),
    ("R", [("]", SURE)]),
    ("]", [("\u0120t", SURE)]),
    ("\u0120t", [("a", SURE)]),
    ("a", [("il", SURE)]),
    ("il", [("\u0120t", SURE)]),
    ("*", [("\u0120t", SURE)]),
]
GREEDY_TEXT = "assert f(1,2)==3[/ANSWER] tail tail"


def prompt_ids(tok):
    d = causal.OUT / "tokenizer"
    if not causal.CRUXEVAL.is_file():
        print(f"note: {causal.CRUXEVAL} is absent: expected_prompt_ids.tsv not written", file=sys.stderr)
        return
    lines = ["# id\t" + "\t".join(f"{t}/{k}" for t, k in KINDS) + "\t(tokens:fnv1a64 of the ids, u32 little-endian)"]
    for line in causal.CRUXEVAL.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        fields = []
        for task, kind in KINDS:
            ids = tok.encode(prompts.prompt(rec, task, kind)).ids
            fields.append(f"{len(ids)}:{causal.fnv1a(ids)}")
        lines.append(rec["id"] + "\t" + "\t".join(fields))
    (d / "expected_prompt_ids.tsv").write_text("\n".join(lines) + "\n")
    print(f"expected_prompt_ids.tsv: {len(lines) - 1} records x {len(KINDS)} prompts")


def bigram_weights(tok, vocab):
    listed = [t for t, _ in TABLE if t != "*"]
    if len(set(listed)) != len(listed) or len(listed) + 1 > HIDDEN:
        sys.exit("the bigram table needs distinct tokens, fewer than the hidden size")
    dim = {t: i for i, t in enumerate(listed)}
    other = len(listed)
    embed = np.zeros((vocab, HIDDEN), dtype=np.float32)
    embed[:, other] = 1.0
    for t in listed:
        i = tok.token_to_id(t)
        if i is None:
            sys.exit(f"token {t!r} is not in {TOKENIZER}")
        embed[i] = 0.0
        embed[i, dim[t]] = 1.0
    # RMSNorm turns a one-hot row into sqrt(HIDDEN) times itself.
    head = np.zeros((vocab, HIDDEN), dtype=np.float32)
    for t, successors in TABLE:
        column = other if t == "*" else dim[t]
        for s, logit in successors:
            head[tok.token_to_id(s), column] = logit / np.sqrt(HIDDEN)
    w = {"model.embed_tokens.weight": embed, "model.norm.weight": np.ones(HIDDEN, np.float32), "lm_head.weight": head}
    p = "model.layers.0."
    w[p + "input_layernorm.weight"] = np.ones(HIDDEN, np.float32)
    w[p + "post_attention_layernorm.weight"] = np.ones(HIDDEN, np.float32)
    kv = HIDDEN // HEADS * KV_HEADS
    shapes = {"q_proj": (HIDDEN, HIDDEN), "k_proj": (kv, HIDDEN), "v_proj": (kv, HIDDEN), "o_proj": (HIDDEN, HIDDEN)}
    for name, shape in shapes.items():
        w[p + "self_attn." + name + ".weight"] = np.zeros(shape, np.float32)
    for name in ("mlp.gate_proj", "mlp.up_proj"):
        w[p + name + ".weight"] = np.zeros((HIDDEN, HIDDEN), np.float32)
    w[p + "mlp.down_proj.weight"] = np.zeros((HIDDEN, HIDDEN), np.float32)
    return w


def bigram_model(tok):
    vocab = tok.get_vocab_size()
    cfg = {
        "vocab_size": vocab,
        "hidden_size": HIDDEN,
        "intermediate_size": HIDDEN,
        "num_hidden_layers": 1,
        "num_attention_heads": HEADS,
        "num_key_value_heads": KV_HEADS,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "rope_scaling": None,
        "max_position_embeddings": CONTEXT,
    }
    weights = bigram_weights(tok, vocab)
    sample = {"id": "s", "code": "def f(a, b):\n    return a + b", "input": "1, 2", "output": "3"}
    ids = tok.encode(prompts.prompt(sample, "output", "direct")).ids
    greedy = causal.greedy(causal.q8_0_rounded(weights), cfg, ids, len(tok.encode(GREEDY_TEXT).ids) + 2)
    text = tok.decode(greedy)
    if not text.startswith(GREEDY_TEXT):
        sys.exit(f"the bigram model continues with {text!r}, not {GREEDY_TEXT!r}")
    d = causal.OUT / "bigram"
    d.mkdir(parents=True, exist_ok=True)
    causal.write_gguf(d / "model.gguf", "llama", cfg, weights, gguf.GGMLQuantizationType.Q8_0, tok, "qwen2")
    print(f"bigram/model.gguf: greedy continuation {text!r}")


def main():
    tok = Tokenizer.from_file(str(TOKENIZER))
    prompt_ids(tok)
    bigram_model(tok)


if __name__ == "__main__":
    main()
