#!/usr/bin/env bash
# Training throughput side by side in one run: the same 40 steps of the tiny recipe's
# configuration on singleline data, (a) one shard with candle's own thread pool (how training ran
# before shards) and (b) two shards on two threads with single-threaded candle (the default).
# Prints tokens/s and the forward/backward/optimizer split of each, and the ratio.
#
# Usage: scripts/bench_train.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/bench-train}
bin=target/release/tracelens
cargo build --release --quiet
mkdir -p "$work"
[ -s "$work/singleline.train.jsonl" ] ||
    "$bin" dataset build --stage singleline --count 2000 --seed 0 --out "$work" >/dev/null
run() { # NAME SHARDS THREADS
    rm -rf "$work/$1"
    env CANDLE_NUM_THREADS="$3" RAYON_NUM_THREADS="$3" "$bin" train --out "$work/$1" \
        --singleline "$work/singleline.train.jsonl" --vocab-size 2000 --hidden 128 --layers 4 \
        --heads 4 --intermediate 512 --steps 40,0,0 --batch-size 16 --lr 2e-3 --warmup 10 \
        --checkpoint-every 0 --seed 0 --shards "$2" 2>&1 | tail -n 1
}
a=$(run one-shard 1 "$(nproc)")
b=$(run two-shards 2 1)
echo "(a) 1 shard, candle pool of $(nproc): $a"
echo "(b) 2 shards, 1 candle thread each: $b"
rate() { sed -E 's/.*; ([0-9]+) tokens\/s.*/\1/' <<<"$1"; }
echo "ratio (b)/(a): $(python3 -c "print(f'{$(rate "$b")/$(rate "$a"):.2f}x')")"
