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
# Tutorial programs longer than 12 line steps are left out, so most traces fit the 256-id target.
"$bin" dataset build --stage singleline --count 30000 --seed 0 --out "$work/data"
"$bin" dataset build --stage tutorial --count 15000 --max-steps 12 --seed 0 --out "$work/data"
"$bin" dataset build --stage mutants --count 800 --mutants-per-program 3 --seed 0 \
    --cruxeval ../shared/cruxeval/cruxeval.jsonl --out "$work/data"

# 2. Tokenizer (2,000-token byte-level BPE on the training splits) and the curriculum.
rm -rf "$work/run"
time "$bin" train --out "$work/run" \
    --singleline "$work/data/singleline.train.jsonl" \
    --tutorial "$work/data/tutorial.train.jsonl" \
    --mutants "$work/data/mutants.train.jsonl" \
    --vocab-size 2000 --hidden 128 --layers 4 --heads 4 --intermediate 512 \
    --steps 1500,900,600 --batch-size 16 --lr 2e-3 --warmup 50 --max-target 256 \
    --checkpoint-every 100 --seed 0 --shards 2
cp "$work/run/config.json" "$work/run/model.safetensors" "$work/run/tokenizer.json" "$model/"

# 3. Held-out evaluation.
for split in singleline:singleline tutorial:tutorial mutants:codenet; do
    name=${split%%:*}
    prefix=${split##*:}
    gold="$work/$name.gold.jsonl"
    if [ "$limit" = 0 ]; then cp "$work/data/$name.test.jsonl" "$gold"
    else head -n "$limit" "$work/data/$name.test.jsonl" > "$gold"; fi
    "$python" scripts/predict_split.py "$bin" "$model" "$prefix" "$gold" "$work/$name.pred.jsonl" 0 256
    # Singleline records hold whole traces (setup lines + one line), so they are scored with
    # the standard (tutorial) metric, not CodeExecutor's one-state singleline variant.
    metric=$prefix
    [ "$name" = singleline ] && metric=tutorial
    "$bin" eval --gold "$gold" --pred "$work/$name.pred.jsonl" \
        --prefix "$metric" --json > "$work/$name.eval.json"
    echo "$name: $(cat "$work/$name.eval.json")"
done
"$python" scripts/first_arg_baseline.py "$work/mutants.gold.jsonl" "$work/baseline.pred.jsonl"
"$bin" eval --gold "$work/mutants.gold.jsonl" --pred "$work/baseline.pred.jsonl" \
    --prefix codenet --json > "$work/baseline.eval.json"
echo "first-argument baseline: $(cat "$work/baseline.eval.json")"
