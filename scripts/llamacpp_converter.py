#!/usr/bin/env python3
"""llama.cpp's own converter (convert_hf_to_gguf.py, from the llama.cpp source tree in the llama-cpp-python
0.3.36 sdist; LLAMA_CPP overrides where) on a Hugging Face directory, as the golden and benchmark scripts run it
(make_family_goldens.py, make_random_family_gguf.py): in a child process, with an unknown BPE pre-tokenizer hash
read as GPT-2's (their tokenizers are ByteLevel with GPT-2's regex, whose hash llama.cpp does not list).

  python3 scripts/llamacpp_converter.py HF_DIR OUTFILE OUTTYPE      (OUTTYPE: f32, bf16, ...)

Imports nothing beyond the standard library until it converts, so the scripts can share it from any interpreter.
"""
import os
import subprocess
import sys

DEFAULT_LLAMA_CPP = "/opt/llama-sdist/llama_cpp_python-0.3.36/vendor/llama.cpp"
LLAMA_CPP = os.environ.get("LLAMA_CPP", DEFAULT_LLAMA_CPP)


def convert_main(hf_dir, outfile, outtype):
    """In this process: llama.cpp's converter, its pre-tokenizer lookup falling back to GPT-2's."""
    sys.path.insert(0, LLAMA_CPP)
    sys.path.insert(1, os.path.join(LLAMA_CPP, "gguf-py"))
    import conversion.base as base

    original = base.TextModel.get_vocab_base_pre

    def get_vocab_base_pre(self, tokenizer):
        try:
            return original(self, tokenizer)
        except NotImplementedError:
            return "gpt-2"

    base.TextModel.get_vocab_base_pre = get_vocab_base_pre
    import convert_hf_to_gguf
    sys.argv = ["convert_hf_to_gguf.py", hf_dir, "--outfile", outfile, "--outtype", outtype]
    convert_hf_to_gguf.main()


def convert(hf_dir, outfile, outtype, python=None):
    """`convert_main` in a child process of `python` (this interpreter by default), reading the source tree's own
    gguf-py (NO_LOCAL_GGUF unset); the finished process (stdout, stderr and return code captured)."""
    env = dict(os.environ)
    env.pop("NO_LOCAL_GGUF", None)
    return subprocess.run([python or sys.executable, os.path.abspath(__file__), hf_dir, outfile, outtype],
                          env=env, capture_output=True, text=True)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    convert_main(*sys.argv[1:])
