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
from make_causal_fixtures import tokenizer_metadata  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER = ROOT / "tests" / "fixtures" / "causal" / "tokenizer" / "tokenizer.json"
# Qwen2.5-Coder-0.5B's config.json.
CFG = dict(
    vocab=151936,
    hidden=896,
    intermediate=4864,
    layers=24,
    heads=14,
    kv_heads=2,
    context=32768,
    rope_theta=1000000.0,
    eps=1e-6,
)
# Prompt lengths written (prompt-N.txt), for scripts/bench_causal.sh's PP.
PROMPT_TOKENS = (128, 512)


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer.from_file(str(TOKENIZER))
    rng = np.random.default_rng(5)
    c = CFG
    hd = c["hidden"] // c["heads"]
    write_prompts(out, tok)
    path = out / "qwen2.5-0.5b-shape-f16.gguf"
    if path.exists():
        return
    w = gguf.GGUFWriter(str(path), "qwen2")
    w.add_name("random Qwen2.5-Coder-0.5B shape")
    w.add_context_length(c["context"])
    w.add_embedding_length(c["hidden"])
    w.add_block_count(c["layers"])
    w.add_feed_forward_length(c["intermediate"])
    w.add_head_count(c["heads"])
    w.add_head_count_kv(c["kv_heads"])
    w.add_layer_norm_rms_eps(c["eps"])
    w.add_rope_freq_base(c["rope_theta"])
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    # Padding tokens typed normal: a tokenizer reads unused (and control) tokens as special
    # tokens, and 150,912 of them would cost it far more memory than the real model's 293
    # special and padding tokens do; its 151,643 ordinary tokens are what these stand in for.
    tokenizer_metadata(w, tok, "qwen2", pad_to=c["vocab"], pad_type=gguf.TokenType.NORMAL)

    def mat(rows, cols):
        return (rng.standard_normal((rows, cols), dtype=np.float32) / np.sqrt(cols)).astype(np.float16)

    def vec(n, scale):
        return (1.0 + scale * rng.standard_normal(n, dtype=np.float32)).astype(np.float32)

    w.add_tensor("token_embd.weight", rng.standard_normal((c["vocab"], c["hidden"]), dtype=np.float32).astype(np.float16))
    w.add_tensor("output_norm.weight", vec(c["hidden"], 0.1))
    for i in range(c["layers"]):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", vec(c["hidden"], 0.1))
        w.add_tensor(p + "attn_q.weight", mat(c["heads"] * hd, c["hidden"]))
        w.add_tensor(p + "attn_q.bias", vec(c["heads"] * hd, 0.1) - 1.0)
        w.add_tensor(p + "attn_k.weight", mat(c["kv_heads"] * hd, c["hidden"]))
        w.add_tensor(p + "attn_k.bias", vec(c["kv_heads"] * hd, 0.1) - 1.0)
        w.add_tensor(p + "attn_v.weight", mat(c["kv_heads"] * hd, c["hidden"]))
        w.add_tensor(p + "attn_v.bias", vec(c["kv_heads"] * hd, 0.1) - 1.0)
        w.add_tensor(p + "attn_output.weight", mat(c["hidden"], c["heads"] * hd))
        w.add_tensor(p + "ffn_norm.weight", vec(c["hidden"], 0.1))
        w.add_tensor(p + "ffn_gate.weight", mat(c["intermediate"], c["hidden"]))
        w.add_tensor(p + "ffn_up.weight", mat(c["intermediate"], c["hidden"]))
        w.add_tensor(p + "ffn_down.weight", mat(c["hidden"], c["intermediate"]))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
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
