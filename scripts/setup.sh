#!/usr/bin/env bash
# One command from a fresh clone to text: installs the default model, builds bora (release, tuned to
# this CPU), and generates from the model. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-model.sh
swift build -c release --product bora
model=models/SmolLM2-135M-Instruct.Q4_1.gguf
# Also into the model store as "smollm2", the default of `bora run` (a hard link: no extra space).
.build/release/bora show smollm2 >/dev/null 2>&1 || .build/release/bora import "$model" --name smollm2
prompt=${1:-"<|im_start|>user
What is the capital of France?<|im_end|>
<|im_start|>assistant
"}
echo "--- bora generate --model $model --max-tokens 64 --temperature 0" >&2
.build/release/bora generate --model "$model" --prompt "$prompt" --max-tokens 64 --temperature 0
