#!/usr/bin/env bash
# Reproduce models/tracelens-tiny end to end: build the datasets with the real tracer (SingleLine,
# the grammar-generated diverse programs, CRUXEval and its mutants, and the hand-written
# evaluation set), train the digit-level tokenizer and the model with the curriculum (stage 2
# replays SingleLine), copy the model files, predict the held-out splits and score them (with
# the first-argument baseline for CRUXEval).
#
# Usage: scripts/train_tiny.sh [WORK_DIR] [EVAL_LIMIT]
#   WORK_DIR    datasets, checkpoints, predictions (default: target/tiny-recipe)
#   EVAL_LIMIT  held-out records scored per generated split (default: 200; 0 = all); the
#               hand-written set is always scored whole
# Environment: STEPS (default 2000,800,900) overrides the three stages' steps, e.g. for a smoke
# run; MODEL_OUT (default models/tracelens-tiny) is where the trained model is copied.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/tiny-recipe}
limit=${2:-200}
steps=${STEPS:-2000,800,900}
model=${MODEL_OUT:-models/tracelens-tiny}
bin=target/release/tracelens
python=$(python3 -c 'import sys; print(sys.executable)')

cargo build --release
mkdir -p "$work/data" "$model"

# 1. Datasets (seed 0, 10% of seed programs held out; diverse programs are held out by
# structure). Traces longer than the 320-id target are cut there in training.
if [ ! -s "$work/data/handwritten.test.jsonl" ]; then
    time "$bin" dataset build --stage singleline --count 30000 --seed 0 --out "$work/data" --force
    time "$bin" dataset build --stage diverse --count 12000 --max-steps 30 --seed 0 --out "$work/data" --force
    time "$bin" dataset build --stage mutants --count 800 --mutants-per-program 6 --seed 0 \
        --cruxeval ../shared/cruxeval/cruxeval.jsonl --out "$work/data" --force
    "$bin" dataset build --stage handwritten --programs tests/fixtures/eval_handwritten \
        --out "$work/data" --force
fi

# 2. Tokenizer (2,000-id byte-level BPE with single digits, on the training splits) and the
# curriculum: SingleLine, then the diverse programs with a quarter of each batch SingleLine,
# then the mix of all three. Sized for 100 minutes end to end on an idle 2-core machine: a step
# holds about 1,630 ids in stage 1, 5,360 in stage 2 and 4,080 in stage 3 (measured on a small
# build of the same data), so the default steps are about 11M ids, some 70 minutes at the
# ~2,700 ids/s this model size trains at (2,854 over the shipped model's run).
rm -rf "$work/run"
time "$bin" train --out "$work/run" \
    --singleline "$work/data/singleline.train.jsonl" \
    --tutorial "$work/data/diverse.train.jsonl" \
    --mutants "$work/data/mutants.train.jsonl" \
    --vocab-size 2000 --hidden 128 --layers 4 --heads 4 --intermediate 512 \
    --steps "$steps" --replay 0.25 --balance-datasets --batch-size 16 --lr 2e-3 --warmup 100 \
    --max-target 320 --checkpoint-every 250 --seed 0 --shards 2
cp "$work/run/config.json" "$work/run/model.safetensors" "$work/run/tokenizer.json" "$model/"

# 3. Held-out evaluation: greedy predictions scored with the standard (whole-trace) metric.
for split in handwritten:tutorial singleline:singleline diverse:tutorial mutants:codenet; do
    name=${split%%:*}
    prefix=${split##*:}
    gold="$work/$name.gold.jsonl"
    if [ "$limit" = 0 ] || [ "$name" = handwritten ]; then cp "$work/data/$name.test.jsonl" "$gold"
    else head -n "$limit" "$work/data/$name.test.jsonl" > "$gold"; fi
    "$bin" eval "$gold" --model "$model" --prefix "$prefix" --metric standard \
        --jobs 2 --max-tokens 400 --json --out "$work/$name.samples.jsonl" --force > "$work/$name.eval.json"
    echo "$name: $(cat "$work/$name.eval.json")"
done
"$python" scripts/first_arg_baseline.py "$work/mutants.gold.jsonl" "$work/baseline.pred.jsonl"
"$bin" eval --gold "$work/mutants.gold.jsonl" --pred "$work/baseline.pred.jsonl" \
    --prefix codenet --json > "$work/baseline.eval.json"
echo "first-argument baseline: $(cat "$work/baseline.eval.json")"
