#!/usr/bin/env bash
# Regenerate tests/fixtures/causal/ (see scripts/make_causal_fixtures.py) in a venv of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CAUSAL_VENV:-/tmp/tracelens-causal-venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy gguf tokenizers safetensors
fi
"$VENV/bin/python" scripts/make_causal_fixtures.py
