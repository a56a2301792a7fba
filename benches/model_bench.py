"""transformers side of benches/model.rs: the same weights, decoded with transformers' own
incremental decoding (past_key_values), greedy and beam, on the same CPU.

Usage: model_bench.py MODEL_DIR SOURCE_LEN GREEDY_TOKENS BEAM BEAM_STEPS  (prints one JSON line)
torch uses every CPU unless TRACELENS_BENCH_THREADS says how many threads.
"""

import json
import os
import sys
import time

import torch
import transformers
from safetensors.torch import load_file
from transformers import RobertaConfig, RobertaModel


def main():
    model_dir = sys.argv[1]
    source_len, greedy_tokens, beam, beam_steps = (int(x) for x in sys.argv[2:6])
    threads = int(os.environ.get("TRACELENS_BENCH_THREADS", os.cpu_count()))
    torch.set_num_threads(threads)
    config = RobertaConfig.from_json_file(os.path.join(model_dir, "config.json"))
    config.is_decoder = True
    model = RobertaModel(config, add_pooling_layer=False).eval()
    missing, unexpected = model.load_state_dict(
        load_file(os.path.join(model_dir, "model.safetensors")), strict=False)
    assert not [m for m in missing if not m.endswith("_ids")], missing
    lm = model.embeddings.word_embeddings.weight
    vocab = config.vocab_size
    source = torch.tensor([[(i * 7919) % vocab for i in range(source_len)]])

    def encode():
        mask = torch.ones(1, source_len, source_len, dtype=torch.long)
        return model(source, attention_mask=mask, use_cache=True).past_key_values

    def step(tokens, past, done):
        rows = tokens.shape[0]
        mask = torch.ones(rows, 1, source_len + done + 1, dtype=torch.long)
        out = model(tokens, attention_mask=mask, past_key_values=past, use_cache=True)
        return out.last_hidden_state[:, -1] @ lm.T, out.past_key_values

    with torch.inference_mode():
        past = encode()
        tok = torch.tensor([[4]])
        start = time.perf_counter()
        for i in range(greedy_tokens):
            logits, past = step(tok, past, i)
            tok = logits.argmax(-1, keepdim=True)
        greedy_rate = greedy_tokens / (time.perf_counter() - start)

        past = encode()
        tokens = torch.tensor([[4]])
        scores = torch.zeros(1)
        start = time.perf_counter()
        for i in range(beam_steps):
            logits, past = step(tokens, past, i)
            total = torch.log_softmax(logits, -1) + scores[:, None]
            scores, flat = total.reshape(-1).topk(beam)
            parents, words = flat // vocab, flat % vocab
            past = tuple(tuple(x.index_select(0, parents) for x in layer) for layer in past)
            tokens = words[:, None]
        beam_rate = beam_steps / (time.perf_counter() - start)

    print(json.dumps({"greedy_tokens_per_s": greedy_rate, "beam_steps_per_s": beam_rate,
                      "threads": threads, "torch": torch.__version__,
                      "transformers": transformers.__version__}))


if __name__ == "__main__":
    main()
