#!/usr/bin/env bash
# Tracer benchmark (issues 2 and 19): in one run on one machine, over the 800 CRUXEval programs,
#  (a) tracelens trace --batch --jobs 2 (release build, every sandbox layer on),
#  (a1) the same with --sandbox off (what the confinement costs),
#  (a0) the same with TRACELENS_FRESH_CHILDREN=1: a fresh forked child per program, as before
#       pure programs shared a child (the reference the reused children are compared with),
#  (b) the naive way: one python3 process per program with a minimal sys.settrace tracer,
#  (c) PySnooper (installed into scripts/.venv-bench on first use),
# each with traces/s and the ratios, then (d) p50 latency of one warm trace of a sample, then
# (e) and (f): the tracer script side by side with its version at AGAINST (default: main),
# throughput and latency, in one run (scripts/bench_tracer_change.py).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=2
CRUX=../shared/cruxeval/cruxeval.jsonl
[ -f "$CRUX" ] || { echo "bench: $CRUX is absent; nothing to measure"; exit 1; }
PY=$(python3 -c 'import sys; print(sys.executable)')
VENV=scripts/.venv-bench
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q pysnooper
fi
cargo build --release -q --bin tracelens
BIN=${CARGO_TARGET_DIR:-target}/release/tracelens
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$PY" scripts/bench_trace.py prepare "$CRUX" "$WORK/batch.jsonl"
N=$(wc -l < "$WORK/batch.jsonl")

# Each measurement prints traces/s (wall clock) and the CPU time per trace of all its processes.
measure() { awk '/traces_per_second/ {t = $2} /cpu_ms_per_trace/ {c = $2} END {print t, c}'; }
read -r A A_CPU < <("$PY" scripts/bench_trace.py timed "$N" "$BIN" trace \
    --batch "$WORK/batch.jsonl" --out "$WORK/out.jsonl" --jobs $JOBS --python "$PY" | measure)
printf '(a) tracelens trace --batch --jobs %d: %d programs, %.1f traces/s, %.2f ms CPU per trace (incl. worker start-up)\n' $JOBS "$N" "$A" "$A_CPU"
read -r A1 A1_CPU < <("$PY" scripts/bench_trace.py timed "$N" "$BIN" trace --sandbox off \
    --batch "$WORK/batch.jsonl" --out "$WORK/out1.jsonl" --jobs $JOBS --python "$PY" | measure)
printf '(a1) the same with --sandbox off: %.1f traces/s, %.2f ms CPU per trace; sandbox on/off: %.2f of the traces/s\n' "$A1" "$A1_CPU" "$(echo "$A / $A1" | bc -l)"
read -r A0 A0_CPU < <(TRACELENS_FRESH_CHILDREN=1 "$PY" scripts/bench_trace.py timed "$N" \
    "$BIN" trace --batch "$WORK/batch.jsonl" --out "$WORK/out0.jsonl" \
    --jobs $JOBS --python "$PY" | measure)
printf '(a0) the same, one fresh child per program (TRACELENS_FRESH_CHILDREN=1): %.1f traces/s, %.2f ms CPU per trace\n' "$A0" "$A0_CPU"
read -r B B_CPU < <("$PY" scripts/bench_trace.py naive "$VENV/bin/python" "$WORK/batch.jsonl" $JOBS | measure)
printf '(b) naive, one python3 (the venv interpreter PySnooper uses) per program (%d at a time): %.1f traces/s, %.2f ms CPU per trace\n' $JOBS "$B" "$B_CPU"
read -r C C_CPU < <("$PY" scripts/bench_trace.py pysnooper "$VENV/bin/python" "$WORK/batch.jsonl" $JOBS | measure)
printf '(c) PySnooper, one process per program (%d at a time): %.1f traces/s, %.2f ms CPU per trace\n' $JOBS "$C" "$C_CPU"
ratio() { echo "$1 / $2" | bc -l; }
printf 'traces/s ratios: (a)/(a0) = %.1fx, (a)/(b) = %.1fx, (a)/(c) = %.1fx\n' "$(ratio "$A" "$A0")" "$(ratio "$A" "$B")" "$(ratio "$A" "$C")"
printf 'CPU per trace ratios: (a0)/(a) = %.1fx, (b)/(a) = %.1fx, (c)/(a) = %.1fx\n' "$(ratio "$A0_CPU" "$A_CPU")" "$(ratio "$B_CPU" "$A_CPU")" "$(ratio "$C_CPU" "$A_CPU")"
uptime

TRACELENS_PYTHON="$PY" cargo bench -q --bench trace_latency

"$PY" scripts/bench_tracer_change.py "${AGAINST:-main}" "$CRUX"
