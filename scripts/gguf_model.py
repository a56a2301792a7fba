"""Write llama / qwen2 GGUF files with the `gguf` package the way llama.cpp's converter does:
the model's hyperparameters (from a Hugging Face config.json's fields), a byte-level BPE
tokenizer as metadata, and the final writes. Used by make_causal_fixtures.py (and through it
make_cruxeval_lm_fixtures.py) and bench_causal_model.py.
"""

import json

import gguf

# The end-of-text token of the tokenizers written here (Qwen2's), used as both BOS and EOS.
EOS = "<|endoftext|>"


def open_writer(path, arch, name, cfg):
    """A writer for `path` holding the name and the hyperparameters of `cfg` (a config.json's
    fields) every model file has; the caller adds the rest, then the tensors, then `close`s."""
    w = gguf.GGUFWriter(str(path), arch)
    w.add_name(name)
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    w.add_rope_freq_base(cfg["rope_theta"])
    return w


def tokenizer_metadata(writer, tok, pre, pad_to=0, pad_type=gguf.TokenType.UNUSED):
    """Write a tokenizer as GGUF metadata, the way llama.cpp's converter does for gpt2 BPE,
    padded with unused tokens of type `pad_type` to `pad_to` entries."""
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    tokens = [None] * len(vocab)
    for text, i in vocab.items():
        tokens[i] = text
    specials = {t["content"] for t in data["added_tokens"] if t["special"]}
    types = [gguf.TokenType.CONTROL if t in specials else gguf.TokenType.NORMAL for t in tokens]
    for i in range(len(tokens), pad_to):
        tokens.append(f"<|unused_{i}|>")
        types.append(pad_type)
    merges = [m if isinstance(m, str) else " ".join(m) for m in data["model"]["merges"]]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_eos_token_id(vocab[EOS])
    writer.add_bos_token_id(vocab[EOS])


def close(writer):
    """Write the header, the metadata and the tensors added, and close the file."""
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
