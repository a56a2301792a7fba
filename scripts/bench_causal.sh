#!/usr/bin/env bash
# Causal-LM speed and memory, side by side with llama.cpp on the same GGUF files and threads.
#
# usage: [PP=512] [TG=128] scripts/bench_causal.sh [THREADS] [REPEATS]
#        (TRACELENS_BIN=PATH measures that binary; PP is 128 or 512, the prompt files written)
#
# Builds (once, under $BENCH_DIR, never in the repository) llama.cpp's llama-bench and
# llama-quantize from the llama-cpp-python source package on PyPI, writes an F16 GGUF of
# Qwen2.5-Coder-0.5B's configuration with random weights (scripts/bench_causal_model.py),
# quantizes it to Q8_0 and Q4_K_M, then for each file alternates llama-bench (ppPP, tgTG) with
# `tracelens generate` (a PP-token prompt; TG tokens after a 1-token prompt), REPEATS times,
# and prints medians, the ratios, peak RSS against the file size and the machine's load.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-2}"
REPEATS="${2:-3}"
PP="${PP:-512}"
TG="${TG:-128}"
WORK="${BENCH_DIR:-/tmp/tracelens-causal-bench}"
VENV="$WORK/venv"
mkdir -p "$WORK"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q numpy gguf tokenizers safetensors cmake ninja scikit-build-core
export PATH="$VENV/bin:$PATH"

BIN="$WORK/llama-build/bin"
if [ ! -x "$BIN/llama-bench" ] || [ ! -x "$BIN/llama-quantize" ]; then
    # pip fetches the source package only; its metadata step needs scikit-build-core, no build.
    "$VENV/bin/pip" download -q --no-deps --no-binary :all: --no-build-isolation \
        llama-cpp-python -d "$WORK/sdist"
    tar xzf "$(ls "$WORK"/sdist/llama_cpp_python-*.tar.gz | tail -1)" -C "$WORK"
    SRC="$(ls -d "$WORK"/llama_cpp_python-*/vendor/llama.cpp | tail -1)"
    # GGML_NATIVE=ON gave a llama-bench that dies of an illegal instruction on this VM (its
    # CPU advertises more than it runs): the x86 levels candle uses here are named instead.
    cmake -S "$SRC" -B "$WORK/llama-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DLLAMA_CURL=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON \
        -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON \
        -DGGML_AVX512_VBMI=ON -DGGML_AVX512_BF16=ON -DLLAMA_BUILD_TESTS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF
    cmake --build "$WORK/llama-build" --target llama-bench llama-quantize -j "$(nproc)"
fi

MODELS="$WORK/models"
F16="$MODELS/qwen2.5-0.5b-shape-f16.gguf"
"$VENV/bin/python" scripts/bench_causal_model.py "$MODELS"  # prompts always; the model once
for q in Q8_0 Q4_K_M; do
    out="$MODELS/qwen2.5-0.5b-shape-$q.gguf"
    [ -f "$out" ] || "$BIN/llama-quantize" "$F16" "$out" "$q" > "$WORK/quantize-$q.log" 2>&1
done

# TRACELENS_BIN: a tracelens binary to measure instead of this tree's release build.
TL="${TRACELENS_BIN:-}"
if [ -z "$TL" ]; then
    cargo build --release --quiet
    TL="${CARGO_TARGET_DIR:-target}/release/tracelens"
fi

"$VENV/bin/python" - "$THREADS" "$REPEATS" "$BIN/llama-bench" "$TL" "$MODELS" "$PP" "$TG" <<'EOF'
import json, os, statistics, subprocess, sys
threads, repeats, llama_bench, tl, models = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
pp_n, tg_n = int(sys.argv[6]), int(sys.argv[7])

def peak_rss_kib(cmd):
    """Run cmd under /usr/bin/time -v; returns (stderr lines, peak RSS in KiB)."""
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=True)
    rss = [int(l.split()[-1]) for l in p.stderr.splitlines() if "Maximum resident set size" in l][0]
    return p.stderr.splitlines(), rss

def tracelens(model, prompt, max_tokens):
    lines, rss = peak_rss_kib([tl, "generate", "--model", model, "--prompt-file", prompt,
                               "--max-tokens", str(max_tokens), "--threads", threads, "--stats"])
    stats = json.loads([l for l in lines if l.startswith("{")][-1])
    return stats, rss

def llama(model):
    p = subprocess.run([llama_bench, "-m", model, "-t", threads, "-p", str(pp_n), "-n",
                        str(tg_n), "-r", "1", "-o", "json"], capture_output=True, text=True,
                       check=True)
    runs = json.loads(p.stdout)
    pp = [r["avg_ts"] for r in runs if r["n_prompt"] == pp_n and r["n_gen"] == 0][0]
    tg = [r["avg_ts"] for r in runs if r["n_gen"] == tg_n and r["n_prompt"] == 0][0]
    return pp, tg

print(f"threads {threads}, {repeats} alternating repeats, medians; load average before: "
      f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
print(f"| file | size MiB | llama.cpp pp{pp_n} | tracelens pp{pp_n} | ratio | llama.cpp tg{tg_n} | "
      f"tracelens tg{tg_n} | ratio | tracelens peak RSS MiB | RSS / file |")
print("|---|---|---|---|---|---|---|---|---|---|")
for q in ("Q8_0", "Q4_K_M"):
    model = os.path.join(models, f"qwen2.5-0.5b-shape-{q}.gguf")
    size = os.path.getsize(model) / 2**20
    lpp, ltg, tpp, ttg, rss = [], [], [], [], []
    for _ in range(repeats):
        pp, tg = llama(model)
        lpp.append(pp); ltg.append(tg)
        s, r = tracelens(model, os.path.join(models, f"prompt-{pp_n}.txt"), 1)
        assert pp_n - 12 <= s["prompt_tokens"] <= pp_n, s
        tpp.append(s["prompt_tokens_per_s"]); rss.append(r)
        s, r = tracelens(model, os.path.join(models, "prompt-1.txt"), tg_n + 1)
        assert s["generated_tokens"] == tg_n + 1, s
        ttg.append(s["generate_tokens_per_s"]); rss.append(r)
    m = statistics.median
    print(f"| {q} | {size:.0f} | {m(lpp):.1f} | {m(tpp):.1f} | {m(tpp)/m(lpp):.2f} | "
          f"{m(ltg):.1f} | {m(ttg):.1f} | {m(ttg)/m(ltg):.2f} | {max(rss)/1024:.0f} | "
          f"{max(rss)/1024/size:.2f} |")
print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
EOF
