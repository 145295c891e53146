#!/usr/bin/env bash
# Runs every test: installs the test model if missing, then builds once (release: the model tests
# run real inference) and runs the whole suite. Offline apart from the one-time model fetch.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-model.sh
scripts/install-mistral-tokenizers.sh >/dev/null
swift build -c release --build-tests
python3 -c "import llama_cpp" 2>/dev/null || echo "note: llama-cpp-python is not installed; QuantizeCLITests skips the llama.cpp compatibility check" >&2
swift test -c release --skip-build "$@"
