#!/usr/bin/env python3
"""Write the causal-LM fixtures under tests/fixtures/causal/ (run: scripts/make_causal_fixtures.sh).

Tiny random models with an independent numpy reference:
  llama/        llama with grouped-query attention (4 query heads over 2 key/value heads)
  llama-rope4/  the same shape with linear RoPE scaling, factor 4 (DeepSeek-Coder / SemCoder style)
  qwen2/        qwen2 with q/k/v biases and tied embeddings
each as model-f32.gguf, model-q8_0.gguf (written with the `gguf` package the way llama.cpp's
converter writes them: llama's q/k rows permuted for interleaved rotation) and hf/ (config.json and
safetensors: bf16 for llama, f32 for llama-rope4, f16 in two shards with an index for qwen2; the
weights are rounded to what the stored type holds, so every form holds the same numbers).

reference.json and <model>/logits.f32 (little-endian f32, [prompt tokens, vocab]) come from the
numpy forward pass below (logits-q8_0-last.f32: the last 8 positions with the weights rounded as
the Q8_0 file holds them), written from Hugging Face's modeling_llama / modeling_qwen2 semantics
(rotate_half rotation, inv_freq / factor for linear scaling, repeat_kv, RMSNorm in float64):
it shares no code with the Rust runtime. Greedy ids are made by recomputing the whole sequence
at every step (no key/value cache). Hugging Face transformers is not used because PyTorch's
PyPI wheels are several GB here, and its GGUF loader ignores RoPE scaling anyway.

tokenizer/ holds a byte-level BPE (qwen2 pre-tokenization) trained on Python's standard library,
the same tokenizer as GGUF metadata only (tokenizer.gguf), and the token ids Python `tokenizers`
gives for each CRUXEval program's code and input (count and FNV-1a 64 digest of the ids) plus
some edge-case strings.
"""

import json
import os
import sys
from pathlib import Path

import gguf
import numpy as np
from safetensors.numpy import save_file
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from gguf_model import EOS, close, open_writer, tokenizer_metadata

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "causal"
CRUXEVAL = ROOT.parent / "shared" / "cruxeval" / "cruxeval.jsonl"

# Qwen2's pre-tokenization pattern (its tokenizer.json), also what llama.cpp calls "qwen2".
QWEN2_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
SMALL_VOCAB = 288
LARGE_VOCAB = 1024
PROMPT = 'def f(x):\n    return x + 1\nassert f(2) == '
GREEDY_TOKENS = 32
Q8_ROWS = 8
SHAPE = dict(hidden=32, intermediate=32, layers=2, heads=4, kv_heads=2, context=64)
EXTRA_STRINGS = [
    "",
    "  leading spaces and trailing  ",
    "tabs\tand\r\nCRLF\n\n\nblank lines",
    "unicode: caf\u00e9 na\u00efve \u00fcber \u4e2d\u6587 \U0001f600 \u0394x",
    "numbers 1234567890 3.14e-10 0x1F",
    "quotes 'single' \"double\" '''triple'''",
    "I'm you'RE they'Ve it'S",
    "<|endoftext|> inside text",
    "    indented\n        more\n\tmixed",
]


def python_corpus():
    """Texts to train the tokenizers on: Python standard library modules (not CRUXEval)."""
    lib = Path(os.__file__).parent
    texts = []
    for name in sorted(lib.glob("*.py"))[:120]:
        try:
            texts.append(name.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            pass
    return texts


def train_tokenizer(vocab_size):
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(python_corpus(), trainer)
    return tok


def fnv1a(ids):
    h = 0xCBF29CE484222325
    for i in ids:
        for b in int(i).to_bytes(4, "little"):
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def round_to(w, dtype):
    if dtype == "bf16":
        bits = w.astype(np.float32).view(np.uint32)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
        return bits.view(np.float32)
    if dtype == "f16":
        return w.astype(np.float16).astype(np.float32)
    return w.astype(np.float32)


def random_weights(rng, arch, vocab, dtype):
    s = SHAPE
    hd = s["hidden"] // s["heads"]
    h, i = s["hidden"], s["intermediate"]
    shapes = {"model.embed_tokens.weight": (vocab, h), "model.norm.weight": (h,)}
    if arch == "llama":
        shapes["lm_head.weight"] = (vocab, h)
    for layer in range(s["layers"]):
        p = f"model.layers.{layer}."
        shapes[p + "input_layernorm.weight"] = (h,)
        shapes[p + "post_attention_layernorm.weight"] = (h,)
        shapes[p + "self_attn.q_proj.weight"] = (s["heads"] * hd, h)
        shapes[p + "self_attn.k_proj.weight"] = (s["kv_heads"] * hd, h)
        shapes[p + "self_attn.v_proj.weight"] = (s["kv_heads"] * hd, h)
        shapes[p + "self_attn.o_proj.weight"] = (h, s["heads"] * hd)
        shapes[p + "mlp.gate_proj.weight"] = (i, h)
        shapes[p + "mlp.up_proj.weight"] = (i, h)
        shapes[p + "mlp.down_proj.weight"] = (h, i)
        if arch == "qwen2":
            for name in ("q", "k", "v"):
                rows = shapes[p + f"self_attn.{name}_proj.weight"][0]
                shapes[p + f"self_attn.{name}_proj.bias"] = (rows,)
    weights = {}
    for name, shape in shapes.items():
        if name.endswith("norm.weight"):
            w = 1.0 + 0.2 * rng.standard_normal(shape)
        elif name.endswith(".bias"):
            w = 0.5 * rng.standard_normal(shape)
        elif "embed_tokens" in name:
            w = rng.standard_normal(shape)
        else:
            w = rng.standard_normal(shape) / np.sqrt(shape[1]) * 1.5
        weights[name] = round_to(w, dtype)
    return weights


# ---- the independent numpy reference (Hugging Face semantics, float64) ----


def rms_norm(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def rotate(x, positions, theta, factor):
    """Hugging Face rotary embedding on [T, H, D]: rotate_half over the two halves."""
    d = x.shape[-1]
    inv_freq = 1.0 / theta ** (np.arange(0, d, 2, dtype=np.float64) / d) / factor
    angles = positions[:, None].astype(np.float64) * inv_freq[None, :]
    emb = np.concatenate([angles, angles], axis=-1)[:, None, :]
    rotated = np.concatenate([-x[..., d // 2 :], x[..., : d // 2]], axis=-1)
    return x * np.cos(emb) + rotated * np.sin(emb)


def reference_logits(w, cfg, ids):
    """Logits [T, vocab] for every position of `ids`, recomputed from scratch."""
    w = {k: v.astype(np.float64) for k, v in w.items()}
    t = len(ids)
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg["hidden_size"] // nh
    eps = cfg["rms_norm_eps"]
    factor = (cfg.get("rope_scaling") or {}).get("factor", 1.0)
    pos = np.arange(t)
    x = w["model.embed_tokens.weight"][np.array(ids)]
    mask = np.triu(np.full((t, t), -np.inf), k=1)
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)

        def proj(name):
            y = h @ w[p + f"self_attn.{name}_proj.weight"].T
            return y + w.get(p + f"self_attn.{name}_proj.bias", 0.0)

        q = rotate(proj("q").reshape(t, nh, hd), pos, cfg["rope_theta"], factor)
        k = rotate(proj("k").reshape(t, nkv, hd), pos, cfg["rope_theta"], factor)
        v = proj("v").reshape(t, nkv, hd)
        k = np.repeat(k, nh // nkv, axis=1)
        v = np.repeat(v, nh // nkv, axis=1)
        scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(hd) + mask
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        attn = np.einsum("hts,shd->thd", probs, v).reshape(t, nh * hd)
        x = x + attn @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = h @ w[p + "mlp.gate_proj.weight"].T
        up = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (gate / (1.0 + np.exp(-gate)) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return x @ head.T


def q8_0_rounded(weights):
    """The weights as the Q8_0 file holds them (matrices rounded to 8-bit blocks of 32 along
    each row; a row permutation commutes with that, so the Hugging Face layout is used)."""
    q8 = gguf.GGMLQuantizationType.Q8_0
    return {
        name: gguf.quants.dequantize(gguf.quants.quantize(w.astype(np.float32), q8), q8).reshape(w.shape)
        if w.ndim == 2
        else w
        for name, w in weights.items()
    }


def greedy(w, cfg, ids, n):
    ids = list(ids)
    out = []
    for _ in range(n):
        nxt = int(np.argmax(reference_logits(w, cfg, ids)[-1]))
        out.append(nxt)
        ids.append(nxt)
    return out


# ---- writers ----


def permute(w, n_head):
    """llama.cpp's converter permutation of llama q/k rows (pairs for interleaved rotation)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf(path, arch, cfg, weights, qtype, tok, pre):
    writer = open_writer(path, arch, path.parent.name, cfg)
    writer.add_rope_dimension_count(cfg["hidden_size"] // cfg["num_attention_heads"])
    if cfg.get("rope_scaling"):
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(cfg["rope_scaling"]["factor"])
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if qtype else gguf.LlamaFileType.ALL_F32)
    tokenizer_metadata(writer, tok, pre)
    names = {
        "model.embed_tokens.weight": "token_embd.weight",
        "model.norm.weight": "output_norm.weight",
        "lm_head.weight": "output.weight",
    }
    parts = {
        "self_attn.q_proj": "attn_q",
        "self_attn.k_proj": "attn_k",
        "self_attn.v_proj": "attn_v",
        "self_attn.o_proj": "attn_output",
        "mlp.gate_proj": "ffn_gate",
        "mlp.up_proj": "ffn_up",
        "mlp.down_proj": "ffn_down",
        "input_layernorm": "attn_norm",
        "post_attention_layernorm": "ffn_norm",
    }
    for name, w in weights.items():
        if name in names:
            gname = names[name]
        else:
            layer, rest = name[len("model.layers.") :].split(".", 1)
            base, suffix = rest.rsplit(".", 1)
            gname = f"blk.{layer}.{parts[base]}.{suffix}"
        if arch == "llama" and "q_proj" in name:
            w = permute(w, cfg["num_attention_heads"])
        if arch == "llama" and "k_proj" in name:
            w = permute(w, cfg["num_key_value_heads"])
        w = w.astype(np.float32)
        if qtype is not None and w.ndim == 2:
            writer.add_tensor(gname, gguf.quants.quantize(w, qtype), raw_dtype=qtype)
        else:
            writer.add_tensor(gname, w)
    close(writer)


def to_dtype(w, dtype):
    if dtype == "f16":
        return w.astype(np.float16)
    if dtype == "bf16":
        return (w.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    return w.astype(np.float32)


def write_safetensors(dirpath, weights, dtype, shards):
    """Safetensors in `dtype` (bf16 stored through its bit pattern), in `shards` files."""
    dirpath.mkdir(parents=True, exist_ok=True)
    names = sorted(weights)
    if shards == 1:
        tensors = {n: to_dtype(weights[n], dtype) for n in names}
        save_file(tensors, str(dirpath / "model.safetensors"), metadata={"format": "pt"})
        if dtype == "bf16":
            patch_bf16(dirpath / "model.safetensors")
        return
    weight_map = {}
    total = 0
    for s in range(shards):
        file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        part = {n: to_dtype(weights[n], dtype) for n in names[s::shards]}
        save_file(part, str(dirpath / file), metadata={"format": "pt"})
        for n, t in part.items():
            weight_map[n] = file
            total += t.nbytes
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    (dirpath / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")


def patch_bf16(path):
    """safetensors.numpy writes uint16 as U16: relabel those tensors BF16 (same bytes)."""
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    for k, v in header.items():
        if k != "__metadata__" and v["dtype"] == "U16":
            v["dtype"] = "BF16"
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + n :])


def hf_config(arch, vocab, rope_scaling, tok):
    s = SHAPE
    eos = tok.token_to_id(EOS)
    cfg = {
        "architectures": ["LlamaForCausalLM" if arch == "llama" else "Qwen2ForCausalLM"],
        "model_type": arch,
        "vocab_size": vocab,
        "hidden_size": s["hidden"],
        "intermediate_size": s["intermediate"],
        "num_hidden_layers": s["layers"],
        "num_attention_heads": s["heads"],
        "num_key_value_heads": s["kv_heads"],
        "rms_norm_eps": 1e-5 if arch == "llama" else 1e-6,
        "rope_theta": 10000.0 if arch == "llama" else 1000000.0,
        "rope_scaling": rope_scaling,
        "max_position_embeddings": s["context"],
        "tie_word_embeddings": arch == "qwen2",
        "bos_token_id": eos,
        "eos_token_id": eos,
    }
    if arch == "qwen2":
        cfg["use_sliding_window"] = False
    return cfg


def make_models(tok):
    rng = np.random.default_rng(21)
    prompt_ids = tok.encode(PROMPT).ids
    reference = {"prompt": PROMPT, "prompt_ids": prompt_ids, "models": {}}
    specs = [
        ("llama", "llama", None, "bf16", 1),
        ("llama-rope4", "llama", {"type": "linear", "factor": 4.0}, "f32", 1),
        ("qwen2", "qwen2", None, "f16", 2),
    ]
    for dirname, arch, scaling, dtype, shards in specs:
        d = OUT / dirname
        d.mkdir(parents=True, exist_ok=True)
        cfg = hf_config(arch, SMALL_VOCAB, scaling, tok)
        weights = random_weights(rng, arch, SMALL_VOCAB, dtype)
        pre = "qwen2" if arch == "qwen2" else "deepseek-coder"
        write_gguf(d / "model-f32.gguf", arch, cfg, weights, None, tok, pre)
        write_gguf(d / "model-q8_0.gguf", arch, cfg, weights, gguf.GGMLQuantizationType.Q8_0, tok, pre)
        write_safetensors(d / "hf", weights, dtype, shards)
        (d / "hf" / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
        if dirname == "llama":
            tok.save(str(d / "tokenizer.json"))
            tok.save(str(d / "hf" / "tokenizer.json"))
        logits = reference_logits(weights, cfg, prompt_ids).astype("<f4")
        (d / "logits.f32").write_bytes(logits.tobytes())
        q8 = reference_logits(q8_0_rounded(weights), cfg, prompt_ids).astype("<f4")
        (d / "logits-q8_0-last.f32").write_bytes(q8[-Q8_ROWS:].tobytes())
        reference["models"][dirname] = {
            "safetensors_dtype": dtype,
            "greedy_ids": greedy(weights, cfg, prompt_ids, GREEDY_TOKENS),
            "logits_shape": list(logits.shape),
            "q8_0_last_rows": Q8_ROWS,
        }
        print(f"{dirname}: logits range {logits.min():.3f}..{logits.max():.3f}")
    (OUT / "reference.json").write_text(json.dumps(reference, indent=1) + "\n")


def make_tokenizer_fixture():
    d = OUT / "tokenizer"
    d.mkdir(parents=True, exist_ok=True)
    tok = train_tokenizer(LARGE_VOCAB)
    tok.save(str(d / "tokenizer.json"))
    writer = gguf.GGUFWriter(str(d / "tokenizer.gguf"), "qwen2")
    tokenizer_metadata(writer, tok, "qwen2")
    close(writer)
    lines = ["# source\tid\ttokens\tfnv1a64 of the ids (u32 little-endian)"]
    for i, text in enumerate(EXTRA_STRINGS):
        ids = tok.encode(text).ids
        lines.append(f"extra\t{i}\t{len(ids)}\t{fnv1a(ids)}")
    (d / "extra_strings.json").write_text(json.dumps(EXTRA_STRINGS, indent=1, ensure_ascii=False) + "\n")
    if CRUXEVAL.is_file():
        for line in CRUXEVAL.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            for field in ("code", "input"):
                ids = tok.encode(rec[field]).ids
                lines.append(f"{field}\t{rec['id']}\t{len(ids)}\t{fnv1a(ids)}")
    else:
        print(f"note: {CRUXEVAL} is absent: only the edge-case strings get expected ids", file=sys.stderr)
    (d / "expected_ids.tsv").write_text("\n".join(lines) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    make_models(train_tokenizer(SMALL_VOCAB))
    make_tokenizer_fixture()
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
