#!/usr/bin/env bash
# Reproduce models/tracelens-tiny end to end: build the three datasets with the real tracer,
# train the tokenizer and the model with the curriculum, copy the model files, predict the
# held-out splits and score them (with the first-argument baseline for CRUXEval).
#
# Usage: scripts/train_tiny.sh [WORK_DIR] [EVAL_LIMIT]
#   WORK_DIR    datasets, checkpoints, predictions (default: target/tiny-recipe)
#   EVAL_LIMIT  held-out records scored per split (default: 60; 0 = all)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/tiny-recipe}
limit=${2:-60}
bin=target/release/tracelens
model=models/tracelens-tiny
python=$(python3 -c 'import sys; print(sys.executable)')

cargo build --release
mkdir -p "$work/data" "$model"

# 1. Datasets (seed 0, 10% of seed programs held out).
# Generated tutorial programs longer than 10 line steps are left out, so their traces fit the
# 320-id target (the programs of samples/ are always kept).
"$bin" dataset build --stage singleline --count 60000 --seed 0 --out "$work/data"
"$bin" dataset build --stage tutorial --count 20000 --max-steps 10 --seed 0 --out "$work/data"
"$bin" dataset build --stage mutants --count 800 --mutants-per-program 6 --seed 0 \
    --cruxeval ../shared/cruxeval/cruxeval.jsonl --out "$work/data"

# 2. Tokenizer (2,000-token byte-level BPE on the training splits) and the curriculum.
rm -rf "$work/run"
time "$bin" train --out "$work/run" \
    --singleline "$work/data/singleline.train.jsonl" \
    --tutorial "$work/data/tutorial.train.jsonl" \
    --mutants "$work/data/mutants.train.jsonl" \
    --vocab-size 2000 --hidden 128 --layers 4 --heads 4 --intermediate 512 \
    --steps 9600,1500,4500 --balance-datasets --batch-size 16 --lr 2e-3 --warmup 100 --max-target 320 \
    --checkpoint-every 250 --seed 0 --shards 2
cp "$work/run/config.json" "$work/run/model.safetensors" "$work/run/tokenizer.json" "$model/"

# 3. Held-out evaluation: greedy predictions scored with the standard (whole-trace) metric;
# singleline records hold whole traces too, so they are not scored with the one-state script.
for split in singleline:singleline tutorial:tutorial mutants:codenet; do
    name=${split%%:*}
    prefix=${split##*:}
    gold="$work/$name.gold.jsonl"
    if [ "$limit" = 0 ]; then cp "$work/data/$name.test.jsonl" "$gold"
    else head -n "$limit" "$work/data/$name.test.jsonl" > "$gold"; fi
    "$bin" eval "$gold" --model "$model" --prefix "$prefix" --metric standard \
        --jobs 2 --max-tokens 400 --json --out "$work/$name.samples.jsonl" > "$work/$name.eval.json"
    echo "$name: $(cat "$work/$name.eval.json")"
done
"$bin" eval "$work/mutants.gold.jsonl" --model "$model" --prefix codenet --metric standard \
    --jobs 2 --max-tokens 400 --beam 4 --json > "$work/mutants.beam4.eval.json"
echo "mutants, beam 4: $(cat "$work/mutants.beam4.eval.json")"
"$python" scripts/first_arg_baseline.py "$work/mutants.gold.jsonl" "$work/baseline.pred.jsonl"
"$bin" eval --gold "$work/mutants.gold.jsonl" --pred "$work/baseline.pred.jsonl" \
    --prefix codenet --json > "$work/baseline.eval.json"
echo "first-argument baseline: $(cat "$work/baseline.eval.json")"
