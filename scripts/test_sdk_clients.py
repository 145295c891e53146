#!/usr/bin/env python3
"""The official OpenAI and Mistral Python SDKs against a live `bora serve` on 127.0.0.1.

Starts the server on a free port with an API key, runs each check with the real clients (chat, streaming,
completions, FIM, embeddings, models, errors, graceful SIGTERM), prints one line per check and a closing
'N passed, M failed' line; exits 1 on any failure. Installed by scripts/install-sdk-clients.sh.

Then the thinking checks, on a second server: a tiny random Mistral model with the v13 Tekken tokenizer
(scripts/make_mistral_tool_model.py), driven to think with forced tokens (BORA_TEST_FORCED_TOKENS, a test
hook): OpenAI's SDK reads `reasoning_content`, Mistral's SDK its thinking chunks, whole and streamed, also
with a forced tool call after the thought.

    scripts/test_sdk_clients.py [--bora .build/release/bora] [--model models/SmolLM2-135M-Instruct.Q4_1.gguf]
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.request

KEY = "sdk-test-key"
checks = []


def check(fn):
    checks.append(fn)
    return fn


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expect(cond, message):
    if not cond:
        raise AssertionError(message)


def expect_status(call, status):
    try:
        call()
    except Exception as e:  # both SDKs carry the HTTP status on their errors
        code = getattr(e, "status_code", None) or getattr(getattr(e, "response", None), "status_code", None)
        expect(code == status, f"expected HTTP {status}, got {code}: {e}")
        return e
    raise AssertionError(f"expected HTTP {status}, the call succeeded")


class Env:
    def __init__(self, base, model_id):
        from mistralai.client import Mistral
        from openai import OpenAI
        self.base = base
        self.model = model_id
        self.openai = OpenAI(base_url=base + "/v1", api_key=KEY, max_retries=0)
        self.mistral = Mistral(api_key=KEY, server_url=base)


@check
def openai_models(env):
    models = env.openai.models.list()
    ids = [m.id for m in models.data]
    expect(ids == [env.model], f"models: {ids}")
    expect(env.openai.models.retrieve(env.model).id == env.model, "retrieve")


@check
def openai_chat(env):
    r = env.openai.chat.completions.create(model=env.model, messages=[{"role": "user", "content": "What is the capital of France?"}],
                                           temperature=0, max_tokens=12, seed=3)
    expect(r.choices[0].message.role == "assistant", "role")
    expect(r.choices[0].message.content, "empty content")
    expect(r.choices[0].finish_reason in ("stop", "length"), r.choices[0].finish_reason)
    expect(r.usage.completion_tokens <= 12 and r.usage.prompt_tokens > 0, f"usage {r.usage}")


@check
def openai_chat_stream(env):
    args = dict(model=env.model, messages=[{"role": "user", "content": "Name three colors."}], temperature=0, max_tokens=16)
    whole = env.openai.chat.completions.create(**args).choices[0].message.content
    text, usage, finish = "", None, None
    for chunk in env.openai.chat.completions.create(stream=True, stream_options={"include_usage": True}, **args):
        if chunk.usage:
            usage = chunk.usage
        for c in chunk.choices:
            text += c.delta.content or ""
            finish = c.finish_reason or finish
    expect(text == whole, f"streamed {text!r} != whole {whole!r}")
    expect(usage is not None and usage.completion_tokens > 0, "include_usage chunk")
    expect(finish in ("stop", "length"), f"finish {finish}")


@check
def openai_completion(env):
    r = env.openai.completions.create(model=env.model, prompt="The capital of France is", max_tokens=4, temperature=0)
    expect(r.choices[0].text, "empty text")
    expect(r.usage.completion_tokens == 4, f"usage {r.usage}")


@check
def openai_embeddings(env):
    # The SDK asks for base64 by default and decodes it.
    r = env.openai.embeddings.create(model=env.model, input=["hello world", "goodbye"])
    expect(len(r.data) == 2 and len(r.data[0].embedding) > 0, "two vectors")
    norm = sum(x * x for x in r.data[0].embedding)
    expect(abs(norm - 1) < 1e-3, f"unit length, got {norm}")
    f = env.openai.embeddings.create(model=env.model, input="hello world", encoding_format="float")
    expect(max(abs(a - b) for a, b in zip(f.data[0].embedding, r.data[0].embedding)) < 1e-5, "float == base64")


@check
def openai_errors(env):
    from openai import OpenAI
    bad = OpenAI(base_url=env.base + "/v1", api_key="wrong", max_retries=0)
    expect_status(lambda: bad.models.list(), 401)
    expect_status(lambda: env.openai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}]), 404)
    e = expect_status(lambda: env.openai.completions.create(model=env.model, prompt="hi", max_tokens=100000), 400)
    expect("context window" in str(e), f"message names the context window: {e}")
    expect_status(lambda: env.openai.chat.completions.create(model=env.model, messages=[]), 400)


WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
                   "required": ["city", "unit"]}}}


@check
def openai_structured_output(env):
    import json
    schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer"}},
              "required": ["name", "age"], "additionalProperties": False}
    r = env.openai.chat.completions.create(
        model=env.model, messages=[{"role": "user", "content": "Invent a person."}], temperature=0, max_tokens=48,
        response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": schema, "strict": True}})
    value = json.loads(r.choices[0].message.content)
    expect(set(value) == {"name", "age"} and isinstance(value["age"], int), f"schema output {value}")


@check
def openai_forced_tool_call(env):
    import json
    r = env.openai.chat.completions.create(
        model=env.model, messages=[{"role": "user", "content": "Weather in Paris?"}], temperature=0, max_tokens=64,
        tools=[WEATHER], tool_choice="required")
    calls = r.choices[0].message.tool_calls
    expect(r.choices[0].finish_reason == "tool_calls" and calls, f"finish {r.choices[0].finish_reason}")
    args = json.loads(calls[0].function.arguments)
    expect(calls[0].function.name == "get_weather" and args.get("unit") in ("c", "f") and "city" in args, f"args {args}")


@check
def mistral_tool_choice_any(env):
    import json
    r = env.mistral.chat.complete(model=env.model, messages=[{"role": "user", "content": "Weather in Rome?"}],
                                  temperature=0, max_tokens=64, tools=[WEATHER], tool_choice="any")
    calls = r.choices[0].message.tool_calls
    expect(calls and calls[0].function.name == "get_weather", "a forced call")
    args = calls[0].function.arguments
    args = json.loads(args) if isinstance(args, str) else args
    expect("city" in args, f"args {args}")


@check
def openai_forced_tool_call_stream(env):
    import json
    args = dict(model=env.model, messages=[{"role": "user", "content": "Weather in Paris?"}], temperature=0,
                max_tokens=64, tools=[WEATHER], tool_choice="required")
    whole = env.openai.chat.completions.create(**args).choices[0].message.tool_calls
    calls, finish, fragments = {}, None, 0
    for chunk in env.openai.chat.completions.create(stream=True, **args):
        for c in chunk.choices:
            finish = c.finish_reason or finish
            for d in c.delta.tool_calls or []:
                call = calls.setdefault(d.index, {"id": None, "name": "", "arguments": ""})
                call["id"] = d.id or call["id"]
                call["name"] += d.function.name or ""
                call["arguments"] += d.function.arguments or ""
                fragments += 1
    expect(finish == "tool_calls" and calls, f"finish {finish}, calls {calls}")
    expect(fragments > 2, f"the arguments came in {fragments} deltas: streamed as generated, not at the end")
    call = calls[0]
    parsed = json.loads(call["arguments"])
    expect(call["name"] == "get_weather" and call["id"] and parsed.get("unit") in ("c", "f") and "city" in parsed,
           f"streamed call {call}")
    expect(call["arguments"] == whole[0].function.arguments, f"streamed {call['arguments']!r} != whole {whole[0].function.arguments!r}")
    # OpenAI's own stream helper accumulates the same deltas into a parsed message.
    with env.openai.chat.completions.stream(**args) as stream:
        final = stream.get_final_completion()
    helper = final.choices[0].message.tool_calls[0].function
    expect(helper.name == "get_weather" and helper.arguments == call["arguments"], f"stream helper {helper}")


@check
def mistral_tool_choice_any_stream(env):
    import json
    calls, finish = {}, None
    for event in env.mistral.chat.stream(model=env.model, messages=[{"role": "user", "content": "Weather in Rome?"}],
                                         temperature=0, max_tokens=64, tools=[WEATHER], tool_choice="any"):
        for c in event.data.choices:
            finish = c.finish_reason or finish
            for d in c.delta.tool_calls or []:
                call = calls.setdefault(d.index, {"name": "", "arguments": ""})
                call["name"] += d.function.name or ""
                a = d.function.arguments
                call["arguments"] += a if isinstance(a, str) else json.dumps(a)
    expect(finish == "tool_calls" and calls, f"finish {finish}, calls {calls}")
    args = json.loads(calls[0]["arguments"])
    expect(calls[0]["name"] == "get_weather" and "city" in args and args.get("unit") in ("c", "f"), f"streamed call {calls[0]}")


@check
def mistral_models(env):
    models = env.mistral.models.list()
    expect([m.id for m in models.data] == [env.model], "models")
    card = models.data[0]
    expect(card.max_context_length > 0, "max_context_length")
    expect(card.capabilities.completion_chat, "chat capability")


@check
def mistral_chat(env):
    r = env.mistral.chat.complete(model=env.model, messages=[{"role": "user", "content": "Say hello."}],
                                  temperature=0, max_tokens=10, random_seed=7, safe_prompt=True)
    expect(r.choices[0].message.content, "empty content")
    expect(r.usage.prompt_tokens > 30, f"safe_prompt adds the guardrail: {r.usage.prompt_tokens}")


@check
def mistral_chat_stream(env):
    args = dict(model=env.model, messages=[{"role": "user", "content": "Count to five."}], temperature=0, max_tokens=16)
    whole = env.mistral.chat.complete(**args).choices[0].message.content
    text = ""
    for event in env.mistral.chat.stream(**args):
        for c in event.data.choices:
            text += c.delta.content or ""
    expect(text == whole, f"streamed {text!r} != whole {whole!r}")


@check
def mistral_fim(env):
    fim = env.mistral.models.list().data[0].capabilities.completion_fim
    call = lambda: env.mistral.fim.complete(model=env.model, prompt="def add(a, b):\n    ", suffix="\n    return c\n",
                                            temperature=0, max_tokens=8)
    if fim:
        r = call()
        expect(r.choices[0].message.content is not None, "FIM content")
    else:
        expect_status(call, 400)


@check
def mistral_embeddings(env):
    r = env.mistral.embeddings.create(model=env.model, inputs=["hello world", "goodbye"])
    expect(len(r.data) == 2 and len(r.data[0].embedding) > 0, "two vectors")


@check
def mistral_errors(env):
    from mistralai.client import Mistral
    bad = Mistral(api_key="wrong", server_url=env.base)
    expect_status(lambda: bad.models.list(), 401)
    expect_status(lambda: env.mistral.chat.complete(model=env.model, messages=[{"role": "user", "content": "hi"}], max_tokens=100000), 400)
    expect_status(lambda: env.mistral.chat.complete(model="mistral-large-latest", messages=[{"role": "user", "content": "hi"}]), 404)


THOUGHT = "Let me think: 2 and 2."
ANSWER = "The answer is 4."
thinking_checks = []


def thinking_check(fn):
    thinking_checks.append(fn)
    return fn


@thinking_check
def openai_reasoning_content(env):
    args = dict(model=env.model, messages=[{"role": "user", "content": "What is 2+2?"}], temperature=0, max_tokens=60)
    m = env.openai.chat.completions.create(**args).choices[0].message
    expect(m.content == ANSWER, f"content {m.content!r}")
    expect(getattr(m, "reasoning_content", None) == THOUGHT, f"reasoning_content {m.model_extra}")
    thought = answer = ""
    for chunk in env.openai.chat.completions.create(stream=True, **args):
        for c in chunk.choices:
            thought += (c.delta.model_extra or {}).get("reasoning_content") or ""
            answer += c.delta.content or ""
    expect(thought == THOUGHT and answer == ANSWER, f"streamed thought {thought!r}, answer {answer!r}")


@thinking_check
def mistral_thinking_chunks(env):
    from mistralai.client.models import TextChunk, ThinkChunk
    args = dict(model=env.model, messages=[{"role": "user", "content": "What is 2+2?"}], temperature=0, max_tokens=60)
    content = env.mistral.chat.complete(**args).choices[0].message.content
    expect(isinstance(content, list) and len(content) == 2, f"content {content!r}")
    think, text = content
    expect(isinstance(think, ThinkChunk) and "".join(t.text for t in think.thinking) == THOUGHT, f"thinking {think!r}")
    expect(isinstance(text, TextChunk) and text.text == ANSWER, f"text {text!r}")
    thought = answer = ""
    for event in env.mistral.chat.stream(**args):
        for c in event.data.choices:
            parts = c.delta.content if isinstance(c.delta.content, list) else [TextChunk(text=c.delta.content or "")]
            for p in parts:
                if isinstance(p, ThinkChunk):
                    thought += "".join(t.text for t in p.thinking)
                elif isinstance(p, TextChunk):
                    answer += p.text
    expect(thought == THOUGHT and answer == ANSWER, f"streamed thought {thought!r}, answer {answer!r}")


@thinking_check
def tool_call_after_thought(env):
    import json
    from mistralai.client.models import ThinkChunk
    args = dict(model=env.model, messages=[{"role": "user", "content": "Weather in Rome?"}], temperature=0,
                max_tokens=80, tools=[WEATHER])
    o = env.openai.chat.completions.create(tool_choice="required", **args).choices[0]
    expect(o.finish_reason == "tool_calls" and getattr(o.message, "reasoning_content", None) == THOUGHT, f"openai {o}")
    expect("city" in json.loads(o.message.tool_calls[0].function.arguments), f"openai call {o.message.tool_calls}")
    thought, calls = "", {}
    for event in env.mistral.chat.stream(tool_choice="any", **args):
        for c in event.data.choices:
            for p in c.delta.content if isinstance(c.delta.content, list) else []:
                if isinstance(p, ThinkChunk):
                    thought += "".join(t.text for t in p.thinking)
            expect(not isinstance(c.delta.content, str) or not c.delta.content, f"content {c.delta.content!r}")
            for d in c.delta.tool_calls or []:
                a = d.function.arguments
                calls[d.index] = calls.get(d.index, "") + (a if isinstance(a, str) else json.dumps(a))
    expect(thought == THOUGHT and "city" in json.loads(calls[0]), f"mistral stream: thought {thought!r}, calls {calls}")


def thinking_model(bora):
    """The tiny v13 model (made once in the temporary directory) and the forced tokens: [THINK] (rank 34),
    the thought, [/THINK] (35), the answer, </s> (2)."""
    import json
    import tempfile
    out = os.path.join(tempfile.gettempdir(), "bora-mistral-tool-tiny-tekken-v13-v1")
    if not os.path.exists(os.path.join(out, "consolidated.safetensors")):
        here = os.path.dirname(os.path.abspath(__file__))
        subprocess.run([sys.executable, os.path.join(here, "make_mistral_tool_model.py"), "--tokenizer", "tekken-v13",
                        "--out", out], check=True)

    def ids(text):
        r = subprocess.run([bora, "tokenize", "-m", out, "--text", text, "--no-bos"], check=True, capture_output=True, text=True)
        return json.loads(r.stdout)
    return out, [34] + ids(THOUGHT) + [35] + ids(ANSWER) + [2]


def run_checks(base, selected):
    import json
    req = urllib.request.Request(base + "/v1/models", headers={"Authorization": f"Bearer {KEY}"})
    model_id = json.loads(urllib.request.urlopen(req).read())["data"][0]["id"]
    env = Env(base, model_id)
    passed = failed = 0
    for fn in selected:
        try:
            fn(env)
            passed += 1
            print(f"ok   {fn.__name__}", flush=True)
        except Exception:
            failed += 1
            print(f"FAIL {fn.__name__}\n{traceback.format_exc()}", flush=True)
    return passed, failed


def start(bora, model, port, extra=(), env=None):
    proc = subprocess.Popen([bora, "serve", "--model", model, "--port", str(port), "--api-key", KEY, "--parallel", "2",
                             "--context", "512", *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit(f"bora serve exited with {proc.returncode}:\n{proc.stdout.read()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
            return proc
        except Exception:
            time.sleep(0.2)
    proc.kill()
    sys.exit("bora serve did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bora", default=".build/release/bora")
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    a = ap.parse_args()
    port = free_port()
    proc = start(a.bora, a.model, port)
    base = f"http://127.0.0.1:{port}"
    passed = failed = 0
    try:
        passed, failed = run_checks(base, checks)
        # Graceful shutdown: SIGTERM ends the server with status 0.
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            code = None
        if code == 0:
            passed += 1
            print("ok   sigterm_graceful_shutdown")
        else:
            failed += 1
            print(f"FAIL sigterm_graceful_shutdown: exit status {code}")
    finally:
        if proc.poll() is None:
            proc.kill()
    model, forced = thinking_model(a.bora)
    port = free_port()
    proc = start(a.bora, model, port, env=dict(os.environ, BORA_TEST_FORCED_TOKENS=",".join(map(str, forced))))
    try:
        p, f = run_checks(f"http://127.0.0.1:{port}", thinking_checks)
        passed, failed = passed + p, failed + f
    finally:
        proc.kill()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
