"""The sandbox for advisers' templates: no template may exhaust memory or time, and the
templates people actually write still render (fast)."""

from __future__ import annotations

import sys
import time
from types import FrameType
from typing import Any

import pytest

from bot.core.kernel.sandbox import (
    MAX_USER_OUTPUT,
    TOO_DEEP,
    TOO_SLOW,
    TemplateLimitError,
    UserTemplateError,
    render_user_template,
)
from bot.core.kernel.template_limits import MAX_VALUE, TOO_LARGE, weight

BIG = "{% set big = 'x' * 40000 %}"
TENFOLD = "{% set big = [big, big, big, big, big, big, big, big, big, big] %}"

TOO_LARGE_TEMPLATES = [
    "{{ (10 ** 64) ** 64 }}",  # an integer of thousands of digits
    "{{ 2 ** 100000 }}",
    "{% set n = 10 ** 1000 %}{{ n * n * n * n * n }}",
    "{{ 'x' * 10 ** 9 }}",  # a string, a list built by repetition
    "{{ [1, 2] * 10 ** 8 }}",
    "{{ 'x'.ljust(10 ** 9) }}",  # padding by method, filter and format
    "{{ 'x'|center(10 ** 9) }}",
    "{{ 'x'|indent(10 ** 9) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '{:>{w}}'.format(1, w=999999999) }}",
    "{{ '%999999999d' % 1 }}",
    "{{ '%*d' % (999999999, 1) }}",
    "{{ '%999999999d'|format(1) }}",
    "{{ ('a' * 40000).replace('', 'bb') }}",
    "{{ ('a' * 40000)|replace('a', 'bbbb') }}",
    "{{ 'ab'|batch(10 ** 9, 'x')|list }}",
    "{{ 'x'|wordwrap(1, wrapstring='y' * 40000) }}",
    "{{ range(100000)|join(',') }}",
    "{{ ([[1] * 10000] * 10000)|sum(start=[])|length }}",
    # growing a value step by step: every step is weighed
    "{% set ns = namespace(x='ab') %}{% for i in range(60) %}{% set ns.x = ns.x ~ ns.x %}"
    "{% endfor %}",
    "{% set ns = namespace(x='ab') %}{% for i in range(60) %}{% set ns.x = ns.x + ns.x %}"
    "{% endfor %}",
    "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{{ ns.l.extend(ns.l) or '' }}"
    "{% endfor %}",
    "{% macro f(n) %}{% if n %}{% set s = f(n - 1) %}{{ s }}{{ s }}{% else %}x{% endif %}"
    "{% endmacro %}{{ f(60)|length }}",
    # a list of a list of a long text is a long text to the power of two
    BIG + TENFOLD * 6 + "{{ big|length }}",
    BIG + "{% set d = {'a': big, 'b': big} %}{{ d }}",
    BIG + "{% set ns = namespace() %}{% set ns.a = big %}{% set ns.b = big %}",
]


@pytest.mark.parametrize("source", TOO_LARGE_TEMPLATES)
def test_a_template_that_would_grow_too_large_is_refused_at_once(source: str) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateLimitError) as refused:
        render_user_template(source)
    assert refused.value.reason == TOO_LARGE
    assert time.monotonic() - started < 1.0  # refused before the work, not after


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% set x = range(5000)|list %}{% for i in x %}{% for j in x %}{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% if j == -1 %}x{% endif %}"
        "{% endfor %}{% endfor %}",
    ],
)
def test_a_loop_that_produces_nothing_is_stopped_by_the_time_budget(source: str) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateLimitError) as refused:
        render_user_template(source, budget=0.2)
    assert refused.value.reason == TOO_SLOW
    assert time.monotonic() - started < 2.0


def test_a_template_that_calls_itself_forever_is_refused() -> None:
    with pytest.raises(TemplateLimitError) as refused:
        render_user_template("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")
    assert refused.value.reason == TOO_DEEP


def test_a_text_over_the_output_limit_stops_while_it_is_written() -> None:
    with pytest.raises(UserTemplateError, match=f"longer than {MAX_USER_OUTPUT}"):
        render_user_template("{% for i in range(100000) %}{{ 'x' * 10000 }}{% endfor %}")


def test_lipsum_is_not_available() -> None:
    with pytest.raises(UserTemplateError, match="lipsum"):
        render_user_template("{{ lipsum(10 ** 6) }}")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ '{:,}'.format(1200000) }}", "1,200,000"),  # a figure from the house's proof
        ("{{ '%d woningen' % 1200 }}", "1200 woningen"),
        ("{{ '%5.1f'|format(3.14159) }}", "  3.1"),
        ("{{ 2 ** 40 }}", "1099511627776"),
        ("{{ 'Hallo ' ~ name ~ '!' }}", "Hallo Woonkracht!"),
        ("{{ ['a', 'b', 'c']|join(', ') }}", "a, b, c"),
        ("{{ [1.5, 2.5]|join(' en ', attribute='real') }}", "1.5 en 2.5"),
        ("{{ [1, 2, 3]|sum }}", "6"),
        ("{{ name|upper|center(14) }}", "  WOONKRACHT  "),
        ("{{ 'ab' * 3 }}{{ [0] * 2 }}", "ababab[0, 0]"),
        ("{% for p in pillars %}{{ loop.index }}. {{ p }}\n{% endfor %}", "1. Een\n2. Twee\n"),
        (
            "{% set ns = namespace(n=0) %}{% for p in pillars %}{% set ns.n = ns.n + 1 %}"
            "{% endfor %}{{ ns.n }}",
            "2",
        ),
        ("{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(name) }}", "<Woonkracht>"),
        ("{% set a, b = 1, 2 %}{{ a + b }}", "3"),
        ("{% filter upper %}hallo{% endfilter %}", "HALLO"),
        ("{{ ('x' * 30000)|length }}", "30000"),
    ],
)
def test_the_templates_people_write_still_render(source: str, expected: str) -> None:
    assert render_user_template(source, name="Woonkracht", pillars=["Een", "Twee"]) == expected


def test_the_normal_path_stays_fast() -> None:
    source = "{% for p in pillars %}- {{ p|title }}: {{ name }}\n{% endfor %}{{ 'x' * 10 }}"
    render_user_template(source, name="W", pillars=["a", "b", "c"])  # compiled once, cached
    started = time.perf_counter()
    for _ in range(200):
        render_user_template(source, name="W", pillars=["a", "b", "c"])
    assert (time.perf_counter() - started) / 200 < 0.005  # typically 0.1 ms


def test_the_trace_function_is_restored_and_the_next_render_has_its_own_budget() -> None:
    calls: list[str] = []

    def tracer(frame: FrameType, event: str, arg: Any) -> None:
        calls.append(event)

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        with pytest.raises(TemplateLimitError):
            render_user_template(
                "{% for i in range(10**5) %}{% for j in range(10**5) %}{% endfor %}{% endfor %}",
                budget=0.1,
            )
        assert sys.gettrace() is tracer
        assert render_user_template("{{ 1 + 1 }}", budget=0.1) == "2"
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


def test_weight_counts_through_containers_and_stops_counting_early() -> None:
    text = "x" * 1000
    assert weight(text) == 1000
    assert weight([text, text]) == 2003
    assert weight({"a": text}) == 1003
    nested: Any = text
    for _ in range(50):  # 10**50 texts: counting must stop, not run
        nested = [nested] * 10
    started = time.monotonic()
    assert weight(nested) > MAX_VALUE
    assert time.monotonic() - started < 0.5
    loop: list[Any] = []
    loop.append(loop)  # a list that contains itself is finite to count as well
    assert weight(loop) > MAX_VALUE
