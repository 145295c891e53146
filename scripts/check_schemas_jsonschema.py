#!/usr/bin/env python3
"""Validates constrained-decoding outputs for Tests/Fixtures/schemas/*.json with Python `jsonschema`.

Either validates the texts the Swift suite wrote (run the test with BORA_SCHEMA_OUTPUTS=DIR, then
`--outputs DIR`), or generates them with the built CLI, the same way the Swift test does (chat prompt
"Reply with JSON only. <title>.", greedy, 64 tokens):

    swift build -c release --scratch-path .build-grammar
    python3 scripts/check_schemas_jsonschema.py --bora .build-grammar/release/bora

Exit status 1 if any output does not parse or does not validate.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "jsonschema"])
    import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bora", default=None, help="the bora executable (default: newest .build*/release/bora)")
    ap.add_argument("--model", default=os.path.join(ROOT, "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--outputs", default=None, help="directory of outputs written by the Swift test")
    ap.add_argument("--max-tokens", type=int, default=64)
    args = ap.parse_args()

    bora = args.bora
    if bora is None and args.outputs is None:
        found = sorted(glob.glob(os.path.join(ROOT, ".build*/release/bora")), key=os.path.getmtime)
        if not found:
            sys.exit("no bora executable found: build with swift build -c release, or pass --bora")
        bora = found[-1]

    files = sorted(glob.glob(os.path.join(ROOT, "Tests/Fixtures/schemas/*.json")))
    failures = 0
    for path in files:
        name = os.path.basename(path)
        with open(path) as f:
            schema = json.load(f)
        if args.outputs:
            out_path = os.path.join(args.outputs, name)
            if not os.path.exists(out_path):
                print("FAIL %s: no output in %s" % (name, args.outputs))
                failures += 1
                continue
            with open(out_path) as f:
                text = f.read()
        else:
            prompt = "Reply with JSON only. %s." % schema.get("title", "data")
            out = subprocess.run([bora, "generate", "-m", args.model, "--chat", "-p", prompt, "-n", str(args.max_tokens),
                                  "--temperature", "0", "--json-schema", path], capture_output=True, text=True)
            if out.returncode != 0:
                print("FAIL %s: bora exited %d: %s" % (name, out.returncode, out.stderr.strip()))
                failures += 1
                continue
            text = out.stdout.strip()
        try:
            value = json.loads(text)
            jsonschema.validate(value, schema, cls=jsonschema.Draft202012Validator)
            print("ok   %s: %s" % (name, text))
        except (ValueError, jsonschema.ValidationError) as e:
            print("FAIL %s: %s\n     %s" % (name, text, str(e).splitlines()[0]))
            failures += 1
    print("%d/%d outputs valid" % (len(files) - failures, len(files)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
