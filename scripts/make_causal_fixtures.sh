#!/usr/bin/env bash
# Regenerate tests/fixtures/causal/ in a venv of its own: the tiny random models, the tokenizer
# and its expected ids (scripts/make_causal_fixtures.py), then the CRUXEval prompts' expected
# ids and the bigram model of `eval --task --model` (scripts/make_cruxeval_lm_fixtures.py, from
# the tokenizer the first writes). `make_causal_fixtures.sh cruxeval` runs only the second.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CAUSAL_VENV:-/tmp/tracelens-causal-venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy gguf tokenizers safetensors
fi
if [ "${1:-}" != cruxeval ]; then
    "$VENV/bin/python" scripts/make_causal_fixtures.py
fi
"$VENV/bin/python" scripts/make_cruxeval_lm_fixtures.py
