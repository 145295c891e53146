#!/usr/bin/env bash
# Installs the official OpenAI and Mistral Python SDKs (from PyPI) that scripts/test_sdk_clients.py drives
# against a live `bora serve`. Idempotent: does nothing when the pinned versions are there.
set -euo pipefail
OPENAI=3.57.0
MISTRAL=3.7.0
if python3 - "$OPENAI" "$MISTRAL" <<'PY' 2>/dev/null; then exit 0; fi
import sys
from importlib.metadata import version
sys.exit(0 if version("openai") == sys.argv[1] and version("mistralai") == sys.argv[2] else 1)
PY
python3 -m pip install --quiet --disable-pip-version-check "openai==$OPENAI" "mistralai==$MISTRAL"
