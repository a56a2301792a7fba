#!/usr/bin/env python3
"""Write an F16 GGUF of Qwen2.5-Coder-0.5B's configuration with random weights, and the prompt
files for scripts/bench_causal.sh.

usage: bench_causal_model.py OUT_DIR

The prompt files are (re)written on every run; the model only when missing. The tokenizer
metadata is the fixtures' byte-level BPE (tests/fixtures/causal/tokenizer, 1,024 tokens, qwen2
pre-tokenization) padded with never-produced ordinary tokens to Qwen2.5's 151,936 rows, so both
llama.cpp and tracelens load the file and the output projection has the real model's size.
Quantized files are made from this one with llama.cpp's llama-quantize.
"""

import sys
from pathlib import Path

import gguf
import numpy as np
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gguf_model import close, open_writer, tokenizer_metadata  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER = ROOT / "tests" / "fixtures" / "causal" / "tokenizer" / "tokenizer.json"
# Qwen2.5-Coder-0.5B's config.json.
CFG = dict(
    vocab_size=151936,
    hidden_size=896,
    intermediate_size=4864,
    num_hidden_layers=24,
    num_attention_heads=14,
    num_key_value_heads=2,
    max_position_embeddings=32768,
    rope_theta=1000000.0,
    rms_norm_eps=1e-6,
)
# Prompt lengths written (prompt-N.txt), for scripts/bench_causal.sh's PP.
PROMPT_TOKENS = (128, 512)


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer.from_file(str(TOKENIZER))
    rng = np.random.default_rng(5)
    c = CFG
    hd = c["hidden_size"] // c["num_attention_heads"]
    write_prompts(out, tok)
    path = out / "qwen2.5-0.5b-shape-f16.gguf"
    if path.exists():
        return
    w = open_writer(path, "qwen2", "random Qwen2.5-Coder-0.5B shape", c)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    # Padding tokens typed normal: a tokenizer reads unused (and control) tokens as special
    # tokens, and 150,912 of them would cost it far more memory than the real model's 293
    # special and padding tokens do; its 151,643 ordinary tokens are what these stand in for.
    tokenizer_metadata(w, tok, "qwen2", pad_to=c["vocab_size"], pad_type=gguf.TokenType.NORMAL)

    def mat(rows, cols):
        return (rng.standard_normal((rows, cols), dtype=np.float32) / np.sqrt(cols)).astype(np.float16)

    def vec(n, scale):
        return (1.0 + scale * rng.standard_normal(n, dtype=np.float32)).astype(np.float32)

    vocab, hidden, inter = c["vocab_size"], c["hidden_size"], c["intermediate_size"]
    q, kv = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd
    w.add_tensor("token_embd.weight", rng.standard_normal((vocab, hidden), dtype=np.float32).astype(np.float16))
    w.add_tensor("output_norm.weight", vec(hidden, 0.1))
    for i in range(c["num_hidden_layers"]):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", vec(hidden, 0.1))
        w.add_tensor(p + "attn_q.weight", mat(q, hidden))
        w.add_tensor(p + "attn_q.bias", vec(q, 0.1) - 1.0)
        w.add_tensor(p + "attn_k.weight", mat(kv, hidden))
        w.add_tensor(p + "attn_k.bias", vec(kv, 0.1) - 1.0)
        w.add_tensor(p + "attn_v.weight", mat(kv, hidden))
        w.add_tensor(p + "attn_v.bias", vec(kv, 0.1) - 1.0)
        w.add_tensor(p + "attn_output.weight", mat(hidden, q))
        w.add_tensor(p + "ffn_norm.weight", vec(hidden, 0.1))
        w.add_tensor(p + "ffn_gate.weight", mat(inter, hidden))
        w.add_tensor(p + "ffn_up.weight", mat(inter, hidden))
        w.add_tensor(p + "ffn_down.weight", mat(hidden, inter))
    close(w)
    print(f"wrote {path}")


def write_prompts(out, tok):
    # Prompts of exactly N tokens (Python source, like the prompts it will see), and a
    # one-token prompt for generation speed from an almost empty context, as llama-bench's tg
    # test does.
    source = (Path(gguf.__file__).parent / "gguf_writer.py").read_text(encoding="utf-8")
    for n in PROMPT_TOKENS:
        prompt = ""
        for line in source.splitlines(keepends=True):  # whole lines, then characters
            if len(tok.encode(prompt + line).ids) > n:
                for ch in line:
                    if len(tok.encode(prompt + ch).ids) > n:
                        break
                    prompt += ch
                break
            prompt += line
        print(f"prompt-{n}.txt: {len(tok.encode(prompt).ids)} tokens")
        (out / f"prompt-{n}.txt").write_text(prompt, encoding="utf-8")
    (out / "prompt-1.txt").write_text("def", encoding="utf-8")


if __name__ == "__main__":
    main()
