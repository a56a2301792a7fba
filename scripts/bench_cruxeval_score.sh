#!/usr/bin/env bash
# Scoring 8,000 CRUXEval answers (800 samples x 10): `tracelens eval --task ... --pred` side by
# side, in one run, with the independent reimplementation of CRUXEval's harness
# (scripts/cruxeval_reference.py: a forked, untraced `exec` per check, as the official
# check_correctness does), on
#   O  CodeLlama-7B's published CRUXEval-O generations (1,677 distinct checks, no timeout),
#   I  its CRUXEval-I generations (2,548 distinct checks, 14 of them run into the 3 s limit:
#      21 s of waiting on 2 workers, whatever the scorer; I8 runs it with 8 workers, so the
#      timeouts overlap),
#   D  8,000 distinct right answers (each sample's output with 0..9 trailing spaces), so that
#      every answer is run: the worst case for tracelens's reuse of identical checks.
# Needs ../shared/cruxeval. Usage: [PROFILE=debug] scripts/bench_cruxeval_score.sh [JOBS]
# (JOBS: tracer workers, default all cores; PROFILE=debug uses the debug build, whose
# dependencies are optimised too, when a release build is out of reach; TRACELENS_BIN=PATH
# measures that binary instead of building).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/cruxeval
jobs=${1:-$(nproc)}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
if [ -n "${TRACELENS_BIN:-}" ]; then
    bin=$TRACELENS_BIN
elif [ "${PROFILE:-release}" = debug ]; then
    cargo build --quiet
    bin=$CARGO_TARGET_DIR/debug/tracelens
else
    cargo build --release --quiet
    bin=$CARGO_TARGET_DIR/release/tracelens
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$shared/cruxeval.jsonl" "$work/distinct.json" <<'EOF'
import json, sys
samples = [json.loads(l) for l in open(sys.argv[1])]
json.dump({s["id"]: [s["output"] + " " * k for k in range(10)] for s in samples},
          open(sys.argv[2], "w"))
EOF
gen="$shared/codellama-7b/sample_codellama-7b_temp0.2"
echo "$bin; jobs: $jobs; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %10s %10s %7s\n' "answers" "tracelens" "reference" "ratio"
for set in "O:output:$jobs:$gen""_output.generations.json" \
           "I:input:$jobs:$gen""_input.generations.json" "I8:input:8:$gen""_input.generations.json" \
           "D:output:$jobs:$work/distinct.json"; do
    IFS=: read -r name task n file <<<"$set"
    start=$(date +%s.%N)
    "$bin" eval "$shared/cruxeval.jsonl" --task "$task" --pred "$file" --jobs "$n" --json \
        > "$work/$name.ours.json"
    ours=$(echo "$(date +%s.%N) - $start" | bc)
    start=$(date +%s.%N)
    python3 scripts/cruxeval_reference.py --dataset "$shared/cruxeval.jsonl" \
        --generations "$file" --mode "$task" --jobs "$n" > "$work/$name.ref.json"
    ref=$(echo "$(date +%s.%N) - $start" | bc)
    python3 - "$work/$name.ours.json" "$work/$name.ref.json" <<'EOF'
import json, sys
ours, ref = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert ours["pass@1"] == ref["pass_at_1"], (ours["pass@1"], ref["pass_at_1"])
EOF
    printf '%-34s %9.1fs %9.1fs %6.2fx\n' "$name: 8000 $task answers, $n jobs" "$ours" "$ref" \
        "$(echo "$ours / $ref" | bc -l)"
done
