#!/usr/bin/env bash
# Runs every test: installs the test model if missing, then builds once (release: the model tests
# run real inference) and runs the whole suite. Offline apart from the one-time model fetch.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-model.sh
scripts/install-mistral-tokenizers.sh >/dev/null
swift build -c release --build-tests
swift test -c release --skip-build "$@"
