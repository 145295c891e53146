#!/usr/bin/env bash
# Makes Mistral's tokenizer files available to the tests: installs mistral-common 1.13.1 (its wheel carries
# tokenizer.model.v1 ... v7 and tekken_240718.json / tekken_240911.json in mistral_common/data) if it is
# missing, and prints that data directory. `--no-deps` keeps it to the one wheel; the Swift tests need only
# the files. `--with-reference` also installs sentencepiece and tiktoken, which the golden and benchmark
# scripts (make_mistral_tokenizer_goldens.py, bench_tokenizers.py) run.
set -euo pipefail
py=$(command -v python3 || command -v python || true)
if [ -z "$py" ]; then
  echo "error: python3 is needed to install mistral-common from PyPI; install it (apt-get install python3 python3-pip)" >&2
  exit 1
fi
data_dir() {
  "$py" - <<'PY' 2>/dev/null
import importlib.util, os
spec = importlib.util.find_spec("mistral_common")
print(os.path.join(os.path.dirname(spec.origin), "data") if spec and spec.origin else "")
PY
}
dir=$(data_dir || true)
if [ -z "$dir" ] || [ ! -f "$dir/tekken_240911.json" ]; then
  echo "installing mistral-common==1.13.1 (no dependencies) from PyPI..." >&2
  "$py" -m pip install --quiet --no-deps mistral-common==1.13.1
  dir=$(data_dir)
fi
if [ "${1:-}" = "--with-reference" ]; then
  "$py" -m pip install --quiet 'mistral-common[sentencepiece]==1.13.1' tiktoken
fi
if [ ! -f "$dir/tekken_240911.json" ]; then
  echo "error: mistral-common is installed but $dir has no tekken_240911.json" >&2
  exit 1
fi
echo "$dir"
