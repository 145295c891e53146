#!/usr/bin/env python3
"""Render chat templates with Python jinja2 exactly as Hugging Face transformers' apply_chat_template sets it up,
and write the expected outputs as goldens for Bora's Jinja interpreter (Tests/Fixtures/jinja).

Environment (transformers/utils/chat_template_utils.py, `_cached_compile_jinja_template`):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols]), their tojson
(json.dumps with ensure_ascii=False), raise_exception -> TemplateError, strftime_now. Here strftime_now reads a
FIXED time, 2025-03-14 09:26:53 (the Swift tests inject the same instant in UTC), so goldens are stable.

Usage: python3 scripts/make_jinja_goldens.py   (needs jinja2 3.1.x; writes Tests/Fixtures/jinja/goldens/*.json
and Tests/Fixtures/jinja/features.json)
"""
import copy
import datetime
import json
import os

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "jinja")
FIXED_NOW = datetime.datetime(2025, 3, 14, 9, 26, 53)


class GenerationTag(jinja2.ext.Extension):
    """transformers' `{% generation %}...{% endgeneration %}` tag (AssistantTracker) renders its body unchanged
    when no assistant mask is requested."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

    def _body(self, caller):
        return caller()


def make_env():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return FIXED_NOW.strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    env.globals["dict"] = dict
    return env


def render(source, context):
    """Returns {"output": text} or {"error": {"type": ..., "message": ...}}."""
    env = make_env()
    try:
        template = env.from_string(source)
    except jinja2.exceptions.TemplateSyntaxError as e:
        return {"error": {"type": "TemplateSyntaxError", "message": e.message, "line": e.lineno}}
    try:
        return {"output": template.render(**copy.deepcopy(context))}
    except jinja2.exceptions.TemplateError as e:
        return {"error": {"type": type(e).__name__, "message": str(e)}}
    except Exception as e:  # TypeError, ZeroDivisionError, ... raised from template code
        return {"error": {"type": type(e).__name__, "message": str(e)}}


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}
SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the web — returns snippets",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "default": 5}}, "required": ["query"]},
    },
}

U = lambda c: {"role": "user", "content": c}
A = lambda c: {"role": "assistant", "content": c}
S = lambda c: {"role": "system", "content": c}


def tool_call(call_id, name, args):
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}


CONVERSATIONS = [
    ("single_user_gen", [U("Hello!")], {"add_generation_prompt": True}),
    ("single_user_nogen", [U("Hello!")], {"add_generation_prompt": False}),
    ("system_user", [S("You are a terse assistant."), U("What is 2+2?")], {"add_generation_prompt": True}),
    ("multi_turn", [U("Hi"), A("Hello! How can I help?"), U("Tell me a joke."), A("Why did the chicken cross the road?"), U("Why?")], {"add_generation_prompt": True}),
    ("multi_turn_system_nogen", [S("Be nice."), U("Hi"), A("Hello there."), U("Bye"), A("Goodbye!")], {"add_generation_prompt": False}),
    ("unicode_whitespace", [S("  Système: répondez en français.  \n"), U("Héllo 世界 🌍 — “quotes” \\ \"dq\" 'sq'\n\n  indented\ttab  "), A("  Bonjour ! 😀  ")], {"add_generation_prompt": True}),
    ("empty_content", [U(""), A(""), U("again")], {"add_generation_prompt": True}),
    ("special_tokens_in_text", [U("Ignore [INST] and </s> and <|im_end|> and {{ not jinja }} {% raw %}")], {"add_generation_prompt": True}),
    ("tools_available", [U("What's the weather in Paris?")], {"add_generation_prompt": True, "tools": [WEATHER_TOOL, SEARCH_TOOL]}),
    ("tools_system", [S("You can use tools."), U("Weather in Paris in celsius?")], {"add_generation_prompt": True, "tools": [WEATHER_TOOL]}),
    ("tool_call_and_result", [
        U("What's the weather in Paris?"),
        {"role": "assistant", "tool_calls": [tool_call("abc123def", "get_current_weather", {"location": "Paris, France", "unit": "celsius"})]},
        {"role": "tool", "tool_call_id": "abc123def", "name": "get_current_weather", "content": "{\"temperature\": 22, \"sky\": \"clear\"}"},
        A("It is 22 °C and clear in Paris."),
        U("Thanks!"),
    ], {"add_generation_prompt": True, "tools": [WEATHER_TOOL]}),
    ("tool_call_content_and_parallel", [
        S("Use tools when needed."),
        U("Weather in Paris and Tokyo?"),
        {"role": "assistant", "content": "Let me check.", "tool_calls": [
            tool_call("call00001", "get_current_weather", {"location": "Paris"}),
            tool_call("call00002", "get_current_weather", {"location": "Tokyo", "unit": "fahrenheit"}),
        ]},
        {"role": "tool", "tool_call_id": "call00001", "content": "18"},
        {"role": "tool", "tool_call_id": "call00002", "content": "75"},
    ], {"add_generation_prompt": True, "tools": [WEATHER_TOOL]}),
    ("tool_call_bad_id", [
        U("Weather?"),
        {"role": "assistant", "tool_calls": [tool_call("x1", "get_current_weather", {"location": "Oslo"})]},
        {"role": "tool", "tool_call_id": "x1", "content": "-3"},
    ], {"add_generation_prompt": True, "tools": [WEATHER_TOOL]}),
    ("starts_with_assistant", [A("I speak first."), U("Hi")], {"add_generation_prompt": True}),
    ("two_users_in_a_row", [U("One"), U("Two")], {"add_generation_prompt": True}),
    ("unknown_role", [U("Hi"), {"role": "critic", "content": "meh"}], {"add_generation_prompt": True}),
    ("extra_kwargs", [S("System here."), U("What day is it?")], {"add_generation_prompt": True, "date_string": "01 Jan 2025", "tools_in_user_message": False, "tools": [SEARCH_TOOL]}),
    ("no_messages", [], {"add_generation_prompt": True}),
]

TEMPLATES = [
    # (fixture file, bos_token, eos_token)
    ("smollm2-135m-instruct.jinja", "<|im_start|>", "<|im_end|>"),
    ("mistral-7b-instruct-v0.1.jinja", "<s>", "</s>"),
    ("mistral-7b-instruct-v0.3.jinja", "<s>", "</s>"),
    ("mistral-nemo-instruct-2407.jinja", "<s>", "</s>"),
    ("mistral-small-3.1-24b-instruct-2503.jinja", "<s>", "</s>"),
    ("llama-3.2-3b-instruct.jinja", "<|begin_of_text|>", "<|eot_id|>"),
    ("llama-3.3-70b-instruct.jinja", "<|begin_of_text|>", "<|eot_id|>"),
    ("qwen2.5-7b-instruct.jinja", None, "<|im_end|>"),
    ("gemma-2-2b-it.jinja", "<bos>", "<eos>"),
    ("qwen3-0.6b.jinja", None, "<|im_end|>"),
    ("ministral-3-14b-reasoning-2512.jinja", "<s>", "</s>"),
    ("devstral-small-2507.jinja", "<s>", "</s>"),
    ("mistral-small-3.2-24b-instruct-2506.jinja", "<s>", "</s>"),
    ("gemma-3-4b-it.jinja", "<bos>", "<eos>"),
    ("deepseek-r1-distill-qwen-32b.jinja", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
]

# Content given as a list of chunks (system, user text + image, assistant text), as the Mistral templates accept.
CONTENT_CHUNKS = ("content_chunks", [
    {"role": "system", "content": [{"type": "text", "text": "You describe images."}]},
    {"role": "user", "content": [{"type": "text", "text": "What is in this picture?"}, {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]},
    {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
    U("Thanks."),
], {"add_generation_prompt": True})

# Cases only some templates get, after CONVERSATIONS, for what those templates read (thinking switches, reasoning).
EXTRA_CONVERSATIONS = {
    "qwen3-0.6b.jinja": [
        ("enable_thinking_false", [U("Hello!")], {"add_generation_prompt": True, "enable_thinking": False}),
        ("enable_thinking_true", [U("Hello!")], {"add_generation_prompt": True, "enable_thinking": True}),
        ("enable_thinking_false_multi_turn", [S("Be brief."), U("Hi"), A("Hello."), U("2+2?")], {"add_generation_prompt": True, "enable_thinking": False}),
        ("reasoning_content_last", [U("What is 2+2?"), {"role": "assistant", "content": "4", "reasoning_content": "\nTwo plus two is four.\n"}], {"add_generation_prompt": False}),
        ("reasoning_content_earlier_turn", [U("What is 2+2?"), {"role": "assistant", "content": "4", "reasoning_content": "Two plus two."}, U("And 3+3?")], {"add_generation_prompt": True}),
        ("think_tags_in_content", [U("What is 2+2?"), A("<think>\nAdd them.\n</think>\n\nThe answer is 4.")], {"add_generation_prompt": False}),
        ("reasoning_with_tool_calls", [
            U("What's the weather in Paris?"),
            {"role": "assistant", "content": "", "reasoning_content": "I should call the tool.", "tool_calls": [tool_call("abc123def", "get_current_weather", {"location": "Paris, France"})]},
            {"role": "tool", "tool_call_id": "abc123def", "content": "{\"temperature\": 22}"},
            {"role": "assistant", "content": "It is 22 °C.", "reasoning_content": "The tool says 22."},
        ], {"add_generation_prompt": False, "tools": [WEATHER_TOOL], "enable_thinking": True}),
        ("tool_response_in_user", [U("Weather?"), U("<tool_response>\n18\n</tool_response>")], {"add_generation_prompt": True}),
    ],
    "ministral-3-14b-reasoning-2512.jinja": [
        ("thinking_chunks", [
            U("What is 2+2?"),
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "Simple arithmetic: 2+2=4."}, {"type": "text", "text": "4"}]},
            U("And 3+3?"),
        ], {"add_generation_prompt": True}),
        ("system_thinking_chunk", [
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}, {"type": "thinking", "thinking": "Keep answers short."}]},
            U("Hi"),
        ], {"add_generation_prompt": True}),
        ("thinking_chunk_and_tool_call", [
            U("What's the weather in Paris?"),
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "Call the tool."}], "tool_calls": [tool_call("abc123def", "get_current_weather", {"location": "Paris"})]},
            {"role": "tool", "tool_call_id": "abc123def", "content": "22"},
            A("22 °C."),
        ], {"add_generation_prompt": False, "tools": [WEATHER_TOOL]}),
        CONTENT_CHUNKS,
    ],
    "devstral-small-2507.jinja": [
        CONTENT_CHUNKS,
        # This template reads an assistant's content even next to tool calls, so give an empty one.
        ("tool_call_empty_content", [
            U("What's the weather in Paris?"),
            {"role": "assistant", "content": "", "tool_calls": [tool_call("abc123def", "get_current_weather", {"location": "Paris, France", "unit": "celsius"})]},
            {"role": "tool", "tool_call_id": "abc123def", "content": "{\"temperature\": 22}"},
            A("It is 22 °C."),
        ], {"add_generation_prompt": True, "tools": [WEATHER_TOOL]}),
    ],
    "mistral-small-3.2-24b-instruct-2506.jinja": [CONTENT_CHUNKS],
    # DeepSeek R1 drops an earlier answer's <think>...</think> from the history and opens a thought itself.
    "deepseek-r1-distill-qwen-32b.jinja": [
        ("think_in_history", [U("What is 2+2?"), A("<think>\nTwo and two.\n</think>\n\n4"), U("And 3+3?")],
         {"add_generation_prompt": True}),
        ("think_last_assistant", [U("Hi"), A("<think>greet</think>Hello!")], {"add_generation_prompt": False}),
    ],
    # Gemma 3 takes a system message's first text chunk into the first user turn, and images as {"type": "image"}.
    "gemma-3-4b-it.jinja": [
        ("gemma_content_chunks", [
            {"role": "system", "content": [{"type": "text", "text": "  You describe images.  "}]},
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is in this picture?\n"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
            U("Thanks."),
        ], {"add_generation_prompt": True}),
        ("gemma_content_not_a_list", [U("Hi"), {"role": "assistant", "content": 42}], {"add_generation_prompt": False}),
    ],
}

# Small cases, one language feature each: (name, template source, context).
MSGS = [{"role": "system", "content": " sys "}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo", "extra": None}]
FEATURES = [
    ("text_only", "plain text\n", {}),
    ("keep_inner_newlines", "a\n\nb\n\n", {}),
    ("crlf_normalized", "a\r\nb\rc\r\n", {}),
    ("output_types", "{{ 1 }}|{{ 1.5 }}|{{ 'x' }}|{{ none }}|{{ true }}|{{ False }}|{{ [1, 'a', none, true, 2.0] }}|{{ {'k': 'v', 'n': [1]} }}|{{ (1,) }}|{{ (1, 'b') }}|{{ () }}", {}),
    ("float_repr", "{{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e-5 }} {{ 123456789.0 }} {{ 2.5 * 2 }} {{ 1/3 }} {{ 10/2 }}", {}),
    ("string_repr_quotes", "{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'nl\\n tab\\t bs\\\\ é 😀', '\\x01\\u200b'] }}", {}),
    ("dict_repr_nested", "{{ d }}", {"d": {"a": {"b": [1, {"c": None}]}, "t": True, "s": "x'y"}}),
    ("whitespace_control", "a  {{- ' b ' -}}  c\n  {%- if true -%}  d  {%- endif -%}  e", {}),
    ("plus_disables_lstrip", "x\n    {%+ if true %}y{% endif %}\n", {}),
    ("plus_disables_trim", "{% if true +%}\nz{% endif %}", {}),
    ("lstrip_and_trim", "<ul>\n    {% for i in [1, 2] %}\n    <li>{{ i }}</li>\n    {% endfor %}\n</ul>\n", {}),
    ("lstrip_not_for_variables", "    {{ 'v' }}\n    {# c #}\n    w", {}),
    ("comment_whitespace", "a {#- comment -#} b\n{# line comment #}\nc", {}),
    ("raw_block", "{% raw %}{{ not evaluated }} {% if %}{% endraw %}", {}),
    ("if_elif_else", "{% for x in [1, 2, 3, 'z'] %}{% if x == 1 %}one{% elif x == 2 %}two{% elif x is string %}str{% else %}other{% endif %},{% endfor %}", {}),
    ("loop_variables", "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}", {}),
    ("loop_prev_next", "{% for x in [1, 2, 3] %}[{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }}]{% endfor %}", {}),
    ("loop_cycle", "{% for x in range(5) %}{{ loop.cycle('odd', 'even') }} {% endfor %}", {}),
    ("for_else", "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}{% for x in [1] %}{{ x }}{% else %}empty{% endfor %}", {}),
    ("for_if_filter", "{% for m in messages if m.role != 'system' %}{{ loop.index }}:{{ m.role }} {% endfor %}", {"messages": MSGS}),
    ("for_unpack_items", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k, v in d|items %}{{ k }}{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("for_dict_keys", "{% for k in d %}{{ k }}{% endfor %}", {"d": {"x": 1, "y": 2}}),
    ("for_break_continue", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
    ("nested_loops", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }};{% endfor %}", {}),
    ("loop_scoping", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = i * 10 %}{{ x }} {% endfor %}{{ x }}", {}),
    ("if_does_not_scope", "{% if true %}{% set y = 5 %}{% endif %}{{ y }}", {}),
    ("namespace", "{% set ns = namespace(found=false, n=0) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.found = true %}{% endif %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.found }} {{ ns.n }}", {"messages": MSGS}),
    ("set_tuple_unpack", "{% set a, b = 1, 'two' %}{{ a }}{{ b }}{% set (c, d) = [3, 4] %}{{ c + d }}", {}),
    ("set_block", "{% set body %}Hello {{ name }}!{% endset %}[{{ body }}]{% set up | upper %}shout{% endset %}{{ up }}", {"name": "Ann"}),
    ("macro_and_call", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', punct='?') }} {{ greet(name='C') }}", {}),
    ("macro_caller", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ 1 + 1 }}{% endcall %}", {}),
    ("macro_varargs_kwargs", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k='v') }}", {}),
    ("filter_block", "{% filter upper %}quiet {{ 'words' }}{% endfilter %}", {}),
    ("with_block", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", {}),
    ("generation_tag", "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}|{% endfor %}", {"messages": MSGS}),
    ("filters_strings", "{{ '  pad  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ 'MiXed'|lower }}|{{ 'MiXed'|upper }}|{{ 'hello wORLD-foo(bar baz'|title }}|{{ 'hELLO world'|capitalize }}|{{ 'a-b-c'|replace('-', '+') }}|{{ 'aaa'|replace('a', 'b', 2) }}", {}),
    ("filters_length_count", "{{ 'héllo'|length }} {{ [1, 2]|count }} {{ {'a': 1}|length }} {{ undefined_thing|length }}", {}),
    ("filter_default", "{{ missing|default('dflt') }} {{ missing|d('d2') }} {{ ''|default('empty') }} {{ ''|default('empty', true) }} {{ none|default('n') }} {{ 0|default(5, boolean=true) }}", {}),
    ("filters_first_last_join", "{{ [3, 1, 2]|first }} {{ [3, 1, 2]|last }} {{ 'xyz'|first }} {{ [1, 2, 3]|join(', ') }} {{ ['a', 'b']|join }} {{ users|join(', ', attribute='name') }}", {"users": [{"name": "u1"}, {"name": "u2"}]}),
    ("filters_map_select", "{{ messages|map(attribute='role')|list }} {{ messages|selectattr('role', 'equalto', 'user')|list|length }} {{ messages|rejectattr('role', 'eq', 'user')|map(attribute='content')|join('/') }} {{ [0, 1, 2, '', 'a']|select|list }} {{ [1, 2, 3, 4]|reject('odd')|list }} {{ ['a', 'B']|map('upper')|list }}", {"messages": MSGS}),
    ("selectattr_defined", "{{ messages|selectattr('extra', 'defined')|list|length }} {{ messages|selectattr('extra', 'none')|list|length }} {{ messages|selectattr('content')|list|length }}", {"messages": MSGS}),
    ("filters_collections", "{{ [3, 1, 2]|sort }} {{ ['b', 'A', 'c']|sort }} {{ ['b', 'A', 'c']|sort(case_sensitive=true) }} {{ [3, 1, 2]|sort(reverse=true) }} {{ [1, 2, 1, 'a', 'A']|unique|list }} {{ [1, 2, 3]|reverse|list }} {{ 'abc'|reverse }} {{ d|dictsort }} {{ d|dictsort(by='value', reverse=true) }}", {"d": {"b": 2, "a": 3, "C": 1}}),
    ("filter_sort_attribute", "{{ people|sort(attribute='age')|map(attribute='name')|join(',') }}", {"people": [{"name": "x", "age": 30}, {"name": "y", "age": 20}, {"name": "z", "age": 25}]}),
    ("filter_batch_list", "{{ [1, 2, 3, 4, 5]|batch(2)|list }} {{ [1, 2, 3]|batch(2, 'x')|list }} {{ 'ab'|list }} {{ {'k': 1}|list }}", {}),
    ("filters_numbers", "{{ '42'|int }} {{ '3.7'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ 3.9|int }} {{ '2.5'|float }} {{ 2|float }} {{ -3|abs }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.567|round(2) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(method='floor') }} {{ [1, 2, 3]|sum }} {{ [4, 2, 9]|min }} {{ [4, 2, 9]|max }}", {}),
    ("filter_string", "{{ 12|string ~ 'x' }} {{ [1, 'a']|string }} {{ none|string }}", {}),
    ("filter_indent", "{{ 'a\nb\n\nc'|indent }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent(width='--', blank=true) }}", {}),
    ("filter_tojson", "{{ d|tojson }}\n{{ d|tojson(indent=2) }}\n{{ d|tojson(separators=(',', ':')) }}\n{{ d|tojson(sort_keys=true) }}\n{{ d|tojson(ensure_ascii=true) }}\n{{ 'str \"q\" é'|tojson }} {{ none|tojson }} {{ 1.0|tojson }} {{ [1, (2, 3)]|tojson }}", {"d": {"z": 1, "a": [True, None, 2.5, "é\n<b>&"], "m": {}}}),
    ("filter_safe_escape", "{{ '<b>'|safe }} {{ '<a href=\"x\">&\\'</a>'|e }}", {}),
    ("tests", "{{ x is defined }} {{ y is undefined }} {{ none is none }} {{ 'a' is string }} {{ 1 is number }} {{ 1.5 is number }} {{ true is number }} {{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ d is mapping }} {{ [1] is iterable }} {{ 'a' is iterable }} {{ 1 is iterable }} {{ [1] is sequence }} {{ true is true }} {{ 1 is true }} {{ false is false }} {{ true is boolean }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 'a' is in 'cat' }} {{ 2 is in [1, 2] }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ x is callable }}", {"x": 1, "d": {}}),
    ("tests_comparison", "{{ 1 is equalto 1 }} {{ 1 is eq 2 }} {{ 1 is ne 2 }} {{ 1 is lt 2 }} {{ 2 is le 2 }} {{ 3 is gt 2 }} {{ 3 is ge 4 }} {{ none is sameas none }} {{ x is not none }} {{ x is not defined }}", {"x": 0}),
    ("operators_arith", "{{ 7 + 3 }} {{ 7 - 10 }} {{ 7 * 3 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1 + 2.0 }} {{ true + 1 }} {{ 'ab' * 3 }} {{ [0] * 3 }} {{ [1] + [2] }} {{ 'a' + 'b' }} {{ -(3) }} {{ +4 }}", {}),
    ("operators_concat_compare", "{{ 1 ~ 'a' ~ none ~ [1] }} {{ 1 == 1.0 }} {{ 1 != 2 }} {{ 'a' < 'b' }} {{ 2 <= 2 }} {{ [1, 2] < [1, 3] }} {{ 'B' > 'a' }} {{ 3 >= 3.5 }} {{ 'a' in 'cat' }} {{ 'z' not in 'cat' }} {{ 1 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ true == 1 }}", {}),
    ("operators_logic", "{{ true and false }} {{ 0 or 'fallback' }} {{ 'x' and 'y' }} {{ none or 0 }} {{ not 0 }} {{ not [] and 1 }} {{ 'yes' if 1 > 0 else 'no' }} {{ 'yes' if 0 else 'no' }} [{{ 'only' if false }}] {{ 1 if none else 2 if true else 3 }}", {}),
    ("precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 'x' ~ 1 * 2 }} {{ not 1 == 2 }} {{ 'a' ~ 'b' | upper }} {{ [1, 2, 3] | length + 1 }} {{ 10 - 2 - 3 }}", {}),
    ("slicing", "{{ s[1:] }} {{ s[:-1] }} {{ s[::-1] }} {{ s[::2] }} {{ l[1:3] }} {{ l[-2:] }} {{ l[::-1] }} {{ l[5:] }} {{ s[-1] }} {{ l[0] }} {{ l[-1] }} {{ s[1:-1:2] }}", {"s": "héllo!", "l": [1, 2, 3, 4]}),
    ("attribute_vs_item", "{{ d.key }} {{ d['key'] }} {{ d.get('key') }} {{ d.get('nope', 'dflt') }} {{ d.get('nope') }} {{ l.0 }} {{ d.nested.inner }} {{ d['nested']['inner'] }} [{{ d.missing }}] {{ d.items()|list }} {{ d.keys()|list }} {{ d.values()|list|length }}", {"d": {"key": "v", "nested": {"inner": 42}}, "l": ["zero"]}),
    ("string_methods", "{{ '  x  '.strip() }}|{{ '  x  '.lstrip() }}|{{ '  x  '.rstrip() }}|{{ 'xxyxx'.strip('x') }}|{{ 'a,b,,c'.split(',') }}|{{ '  a b\tc \n'.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'hello'.startswith('he') }}|{{ 'hello'.endswith(('x', 'lo')) }}|{{ 'Hi'.upper() }}|{{ 'Hi'.lower() }}|{{ 'a-b'.replace('-', '_') }}|{{ \"they're here\".title() }}|{{ 'hello'.find('l') }}|{{ 'hello'.count('l') }}|{{ ', '.join(['a', 'b']) }}|{{ 'abc'.capitalize() }}", {}),
    ("list_dict_literals", "{% set l = [1, 'two', [3], {'four': 4}] %}{{ l }} {{ l|length }} {% set d = {'a': 1, 'b': [2, 3], 'c': {'d': none}} %}{{ d }} {{ d.b[1] }} {{ {} }} {{ [] }}", {}),
    ("string_escapes", "{{ 'tab\\there' }}|{{ \"nl\\nhere\" }}|{{ 'quote\\'s' }}|{{ 'uni\\u00e9 \\x41' }}|{{ 'back\\\\slash' }}|{{ 'unknown\\d' }}|{{ 'adjacent' 'strings' }}", {}),
    ("string_line_continuation", "{{ 'a\\\nb' }}", {}),
    ("undefined_semantics", "[{{ nope }}] {{ nope is defined }} {% if nope %}t{% else %}f{% endif %} {% for x in nope %}x{% endfor %}{{ nope|list }} {{ nope ~ 'cat' }} {{ nope == nope }} {{ 'a' in nope }} [{{ nope|string }}] [{{ d.missing }}]", {"d": {}}),
    ("none_and_bool_rendering", "{{ none }} {{ [none, true, false] }} {{ x }} {{ x.content }} {{ x['role'] }}", {"x": {"role": "user", "content": None}}),
    ("dict_global", "{{ dict(a=1, b='x') }} {% set d = dict(messages[0]) %}{{ d.role }}", {"messages": MSGS}),
    ("strftime_now", "{{ strftime_now('%Y-%m-%d %H:%M:%S') }} {{ strftime_now('%d %b %Y') }} {{ strftime_now('%A %B %-d %I%p %j %y') }}", {}),
    ("range_global", "{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(3, 0, -1)|list }}", {}),
    ("multiline_expression", "{{\n  [\n    1,\n    2\n  ]|length\n}}", {}),
    ("bracket_balancing", "{{ {'a': {'b': 1}} }} {{ {'x': [1, {'y': 2}]}['x'][1]['y'] }}", {}),
    ("messages_template_like", "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nDefault<|im_end|>\\n' }}{% endif %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content']|trim + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}", {"messages": MSGS, "add_generation_prompt": True}),
    # Errors
    ("error_raise_exception", "before{{ raise_exception('Custom failure: ' ~ 42) }}after", {}),
    ("error_raise_in_loop", "{% for m in messages %}{% if m.role == 'assistant' %}{{ raise_exception('no assistants') }}{% endif %}{% endfor %}", {"messages": MSGS}),
    ("error_undefined_attribute_chain", "{{ nope.attr }}", {}),
    ("error_undefined_arith", "{{ nope + 1 }}", {}),
    ("error_type_concat", "{{ 'a' + 1 }}", {}),
    ("error_division_by_zero", "{{ 1 / 0 }}", {}),
    ("error_tojson_undefined", "{{ nope|tojson }}", {}),
    ("error_missing_attribute_chain", "{{ d.missing.x }}", {"d": {"a": 1}}),
    ("error_none_attribute_chain", "{{ n.a.b }}", {"n": None}),
    ("error_compare_str_int", "{{ 'a' < 1 }}", {}),
    ("error_unpack_count", "{% for a, b in [[1, 2, 3]] %}{% endfor %}", {}),
    ("error_call_undefined", "{{ nope() }}", {}),
    ("error_iterate_int", "{% for x in 5 %}{% endfor %}", {}),
    ("error_list_append_sandbox", "{% set l = [] %}{{ l.append(1) }}", {}),
    ("error_syntax_unclosed_if", "line1\n{% if true %}\nno end\n", {}),
    ("error_syntax_bad_expression", "ok\n\n{{ 1 + }}", {}),
    ("error_syntax_unknown_tag", "{% frobnicate %}", {}),
    ("error_syntax_unclosed_comment", "a\n{# never closed", {}),
    ("error_syntax_endfor_without_for", "x\n{% endfor %}", {}),
]


def template_goldens():
    os.makedirs(os.path.join(ROOT, "goldens"), exist_ok=True)
    summary = []
    for name, bos, eos in TEMPLATES:
        with open(os.path.join(ROOT, "templates", name), encoding="utf-8") as f:
            source = f.read()
        cases = []
        for case_name, messages, extra in CONVERSATIONS + EXTRA_CONVERSATIONS.get(name, []):
            # The keyword arguments apply_chat_template passes: messages, tools, documents, add_generation_prompt,
            # the special tokens, then the caller's extra kwargs.
            context = {"messages": messages, "tools": extra.get("tools"), "documents": None,
                       "add_generation_prompt": extra.get("add_generation_prompt", False),
                       "bos_token": bos, "eos_token": eos}
            for k, v in extra.items():
                if k not in context:
                    context[k] = v
            cases.append({"name": case_name, "context": context, **render(source, context)})
        out = {"template": name, "jinja2": jinja2.__version__, "now": FIXED_NOW.isoformat(), "cases": cases}
        with open(os.path.join(ROOT, "goldens", name.replace(".jinja", ".json")), "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False, indent=1)
            f.write("\n")
        ok = sum(1 for c in cases if "output" in c)
        summary.append(f"{name}: {ok} rendered, {len(cases) - ok} errors")
    return summary


def main():
    summary = template_goldens()
    features = []
    for name, source, context in FEATURES:
        features.append({"name": name, "template": source, "context": context, **render(source, context)})
    with open(os.path.join(ROOT, "features.json"), "w", encoding="utf-8") as f:
        json.dump({"jinja2": jinja2.__version__, "now": FIXED_NOW.isoformat(), "cases": features}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("\n".join(summary))
    print(f"features: {len(features)} cases, {sum(1 for c in features if 'error' in c)} errors")


if __name__ == "__main__":
    main()
