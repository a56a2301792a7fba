#!/usr/bin/env bash
# End-to-end test of the explorer in a real terminal (tmux): start it on a sample, step, edit a
# line and see the trace change, open help, edit and save the stdin beside the program, save,
# quit, and check the terminal was restored; SIGTERM (status 143) and the recovery offer (Esc
# keeps it for the next start, r restores); the quit question answered both ways; then a
# dataset curation walk (accept, tag, save, reopen, check the file); then CRUXEval answers
# scored by `eval --task output --out`, opened in the browser with `--model none`: their
# stored verdicts, an answer stored without one scored by execution, the stored / live
# switch and the `pred:` filter.
# Usage: TRACELENS_BIN=target/debug/tracelens scripts/e2e_tmux.sh
# Prints `first frame: N ms` (launch to first drawn frame, as seen through tmux polling).
set -euo pipefail

BIN="${TRACELENS_BIN:-target/debug/tracelens}"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
SOCK="tracelens-e2e-$$"
T=(tmux -L "$SOCK")
cleanup() { "${T[@]}" kill-server 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

cp "$HERE/tests/fixtures/tui/sum_squares.py" "$WORK/prog.py"
export TRACELENS_RECOVERY_DIR="$WORK/recovery"
cd "$WORK"

fail() {
    echo "FAIL: $*" >&2
    echo "---- screen ----" >&2
    "${T[@]}" capture-pane -p -t e2e >&2 || true
    exit 1
}
screen() { "${T[@]}" capture-pane -p -t e2e; }
# wait_for PATTERN [SECONDS]: poll the screen until PATTERN (grep -E) shows.
wait_for() {
    local deadline=$((SECONDS + ${2:-10}))
    until screen | grep -qE -- "$1"; do
        [ "$SECONDS" -lt "$deadline" ] || fail "timed out waiting for /$1/"
        sleep 0.05
    done
}
keys() { "${T[@]}" send-keys -t e2e "$@"; sleep 0.15; }
# restored STTY_FILE WHEN: the terminal is back to how it was before the explorer ran.
restored() {
    [ "$("${T[@]}" display -p -t e2e '#{alternate_on}')" = 0 ] || fail "alternate screen on after $2"
    [ "$("${T[@]}" display -p -t e2e '#{mouse_any_flag}')" = 0 ] || fail "mouse capture on after $2"
    cmp -s stty.before "$1" || fail "terminal modes not restored after $2"
}
# child_named NAME PARENT: the pid of PARENT's child process called NAME (reads /proc).
child_named() {
    local stat
    for stat in /proc/[0-9]*/stat; do
        read -r pid comm _ ppid _ < "$stat" 2>/dev/null || continue
        if [ "$comm" = "($1)" ] && [ "$ppid" = "$2" ]; then echo "$pid"; return 0; fi
    done
    return 1
}

"${T[@]}" new-session -d -s e2e -x 120 -y 36 "bash --norc --noprofile"
"${T[@]}" set-option -t e2e status off >/dev/null
keys "cd '$WORK' && PS1='$ ' && stty -g > stty.before" Enter
keys clear Enter
wait_for '^\$'

start=$(date +%s%N)
"${T[@]}" send-keys -t e2e "'$BIN' prog.py; stty -g > stty.after; echo EXITED=\$?" Enter
until screen | grep -q "Editor · prog.py"; do
    [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 10000 ] || fail "no first frame"
    sleep 0.005
done
echo "first frame: $(( ($(date +%s%N) - start) / 1000000 )) ms"
[ "$("${T[@]}" display -p -t e2e '#{alternate_on}')" = 1 ] || fail "not on the alternate screen"

# The trace arrives in the background: 19 steps for the sample.
wait_for 'step 1/[1-9][0-9]* ' 20
steps=$(screen | grep -oE 'step 1/[0-9]+' | head -1 | cut -d/ -f2)

# Step in the stepping pane.
keys Tab
wait_for 'STEPPING'
keys n
keys Right
keys n
wait_for "step 4/$steps "
keys End
wait_for "step $steps/$steps "
screen | grep -qE '│5 +' || fail "stdout 5 not shown at the last step"

# Edit line 4 (total = 0 -> total = 100) in the editor; the trace changes.
keys BTab
wait_for 'EDITOR'
keys Down Down Down End
keys BSpace 1 0 0
wait_for 'stale|step '
wait_for '│105 +' 20
screen | grep -q 'total = 100' || fail "edit not shown"

# Help opens and closes.
keys F1
wait_for 'Help · Esc closes'
keys Escape
sleep 0.3
screen | grep -q 'Help · Esc closes' && fail "help did not close"

# Edit the stdin (Tab twice: stepping, then stdin); Ctrl-S saves it as prog.stdin beside the
# program, with the program.
keys Tab Tab
wait_for 'STDIN'
keys 7
keys C-s
wait_for 'saved prog.py and prog.stdin'
grep -q 'total = 100' prog.py || fail "saved file lacks the edit"
[ "$(cat prog.stdin)" = 7 ] || fail "stdin not saved to prog.stdin"
keys C-q
wait_for 'EXITED=0'

restored stty.after "a clean quit"
[ -z "$(ls -A recovery 2>/dev/null)" ] || fail "recovery file left after a clean quit"

# Killed with unsaved changes: the terminal is restored and the buffer is offered back.
keys clear Enter
"${T[@]}" send-keys -t e2e "'$BIN' prog.py; s=\$?; stty -g > stty.after2; echo KILLED=\$s" Enter
wait_for "Editor · prog.py"
keys x
wait_for 'Editor · prog.py \[\+\]'
pid=$(child_named tracelens "$("${T[@]}" display -p -t e2e '#{pane_pid}')") || fail "no explorer process"
kill -TERM "$pid"
wait_for 'KILLED=[0-9]'
screen | grep -q 'KILLED=143' || fail "SIGTERM did not end with status 143"
restored stty.after2 SIGTERM
[ -n "$(ls -A recovery 2>/dev/null)" ] || fail "no recovery file after SIGTERM"
# Esc on the offer keeps the file: a clean quit leaves it for the next start.
keys clear Enter
"${T[@]}" send-keys -t e2e "'$BIN' prog.py; echo LATER=\$?" Enter
wait_for 'Recover unsaved work'
screen | grep -q 'Esc keep it for later' || fail "the offer does not say what Esc does"
keys Escape
wait_for 'kept the unsaved buffer'
keys C-q
wait_for 'LATER=0'
[ -n "$(ls -A recovery 2>/dev/null)" ] || fail "Esc on the recovery offer lost the file"
keys clear Enter
"${T[@]}" send-keys -t e2e "'$BIN' prog.py; echo AGAIN=\$?" Enter
wait_for 'Recover unsaved work'
keys r
# prog.py on disk lacks the x, so the buffer shows it only if it was recovered (the status
# message saying so may already be replaced by the re-trace's syntax error on a slow machine).
wait_for '1 xdef square'
# The quit question, answered both ways: Esc cancels, d discards and quits.
keys C-q
wait_for 'Save changes to prog.py\?'
screen | grep -qE 's save +d discard +Esc cancel' || fail "the question's letters are not shown"
keys Escape
sleep 0.3
screen | grep -q 'Save changes to' && fail "Esc did not cancel the question"
keys C-q
wait_for 'Save changes to prog.py\?'
keys d
wait_for 'AGAIN=0'
[ -z "$(ls -A recovery 2>/dev/null)" ] || fail "recovery file left after quitting without saving"
# Curation walk: open a copy of the example dataset, accept one sample, tag another, save,
# reopen and check the file.
cp "$HERE/samples/dataset.jsonl" "$WORK/dataset.jsonl"
keys clear Enter
"${T[@]}" send-keys -t e2e "'$BIN' --dataset dataset.jsonl; echo CURATED=\$?" Enter
wait_for 'Samples 42/42'
wait_for 'BROWSER'
keys a
wait_for '✓ bank_account '
keys j
keys t
wait_for 'Tag \(add'
keys e 2 e Enter
wait_for 'bank_account-m15 \[e2e\]'
keys C-s
wait_for 'saved .*dataset.jsonl'
keys C-q
wait_for 'CURATED=0'
[ -f dataset.jsonl.bak ] || fail "no backup of the previous version"
head -1 dataset.jsonl | grep -q '"verdict": *"accepted"' || fail "accept not saved"
sed -n 2p dataset.jsonl | grep -q '"tags": *\["e2e"\]' || fail "tag not saved"
tail -n +3 dataset.jsonl | cmp -s - <(tail -n +3 "$HERE/samples/dataset.jsonl") || fail "untouched records changed"
cp dataset.jsonl saved.jsonl
keys clear Enter
"${T[@]}" send-keys -t e2e "'$BIN' --dataset dataset.jsonl; echo REOPENED=\$?" Enter
wait_for '✓ bank_account '
wait_for 'bank_account-m15 \[e2e\]'
# Switching samples over an unsaved code edit asks first: Esc keeps the edit, d discards it.
keys Tab
keys '#'
keys BTab
keys j
wait_for 'Save changes to bank_account\?'
keys Escape
keys j
wait_for 'Save changes to bank_account\?'
keys d
wait_for 'bank_account-m15'
keys q
wait_for 'REOPENED=0'
cmp -s dataset.jsonl saved.jsonl || fail "discarding a code edit changed the dataset"
# Stored predictions: the per-sample lines `eval --task output --out` writes are CRUXEval
# records with their answers and verdicts; a record joined with a bare `prediction` is scored
# by execution when selected.
cat > crux.jsonl <<'JSON'
{"id": "sample_up", "code": "def f(s):\n    return s.upper()", "input": "'abc'", "output": "'ABC'"}
{"id": "sample_dbl", "code": "def f(x):\n    return x * 2", "input": "3", "output": "6"}
JSON
cat > pred.jsonl <<'JSON'
{"id": "sample_up", "prediction": "'ABC'"}
{"id": "sample_dbl", "prediction": "5"}
JSON
"$BIN" eval crux.jsonl --task output --pred pred.jsonl --out stored.jsonl > eval.out 2>&1 \
    || { cat eval.out >&2; fail "eval --task output --out failed"; }
echo '{"id": "sample_new", "code": "def f(x):\n    return x - 1", "input": "3", "output": "2", "prediction": "3"}' >> stored.jsonl
cp stored.jsonl stored.before
keys clear Enter
"${T[@]}" send-keys -t e2e "'$BIN' --dataset stored.jsonl --model none; echo STORED=\$?" Enter
wait_for 'Samples 3/3'
wait_for 'Stored( prediction)? · pass'
screen | grep -qE 'sample_up .* pass' || fail "the column does not show the pass"
screen | grep -q "✓ 'ABC'  pass" || fail "the stored answer is not shown"
keys j
wait_for 'Stored( prediction)? · fail: wrong_value'
wait_for '✗ 5  fail: wrong_value'
keys j
# Scored by execution on the check worker's own tracer.
wait_for '✗ 3  fail: wrong_value' 30
wait_for 'sample_new .* fail wrong_value'
keys v
wait_for 'Prediction \(off\)'
keys v
wait_for 'Stored( prediction)? · fail'
keys f
keys 'pred:pass' Enter
wait_for 'Samples 1/3'
keys q
wait_for 'STORED=0'
cmp -s stored.jsonl stored.before || fail "viewing stored predictions changed the file"
echo "e2e: ok"
