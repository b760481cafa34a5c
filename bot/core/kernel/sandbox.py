"""Templates written by advisers (toolkit snippets), rendered without trusting them.

Jinja2's `SandboxedEnvironment` keeps a template away from Python's internals, but not
from the machine's memory and time: `{{ 9 ** 999999 }}`, `{{ 'x' * 10 ** 9 }}` or two
nested loops over `range(100000)` are all "safe" to the plain sandbox and would stall a
worker or bring the process down. A snippet is rendered for every partner, in the web
app, the worker and the clock, so this sandbox bounds both:

* **size** — no value a template makes may exceed `MAX_VALUE` characters or items, and no
  integer `MAX_INT_BITS` bits (`bot.core.kernel.template_limits`). The operators that grow
  values (`*`, `**`, `+`, `%`, `~`), the filters and methods that take a width or a count,
  joining (`join`, a macro's or `{% set %}` block's output) and the lists, tuples and dicts
  a template writes are checked *before* they allocate where the size can be foreseen, and
  every filter's and call's result after; the output is counted as it is streamed and
  stops at `MAX_USER_OUTPUT`;
* **time** — each render (compiling included) has a budget of `RENDER_BUDGET` seconds,
  enforced by a trace function that is active only during the render: it checks the
  clock when any function is entered and on each line of the template's own code, so a
  loop that prints nothing is stopped as surely as one that does.

A template that hits a limit fails with `TemplateLimitError`, whose message says which
limit in words an adviser can act on; all other failures are `UserTemplateError`.
"""

from __future__ import annotations

import functools
import sys
import time
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.nodes import Concat, Dict, List, Tuple
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import Namespace

from bot.core.kernel.template_limits import (
    TOO_LARGE,
    TooLarge,
    bounded,
    check_binop,
    check_str_method,
    checked_concat,
    checked_parts,
    guard_filter,
)
from bot.core.kernel.texts import _

MAX_USER_OUTPUT = 20_000  # characters: far more than any snippet, far less than a crash
RENDER_BUDGET = 0.3  # seconds per render: a snippet takes about a millisecond
TEMPLATE_FILENAME = "<template>"  # how Jinja names the code of a template from a string

TOO_SLOW = _("it takes too long to fill in")
TOO_DEEP = _("it calls itself too deeply")


class UserTemplateError(ValueError):
    """A user-written template that cannot be rendered; the message says what to fix."""


class TemplateLimitError(UserTemplateError):
    """A template refused for what it would cost: `reason` is `TOO_LARGE`, `TOO_SLOW` or
    `TOO_DEEP`, texts with a Dutch translation for the adviser who wrote it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _OutOfTime(BaseException):
    """Raised by the trace function; a BaseException, so no `except Exception` inside a
    filter can swallow it and carry on unbudgeted."""


class _LimitedCodeGenerator(CodeGenerator):
    """Jinja's code generator, but `~` checks the size of its parts before joining them,
    and a list, tuple or dict written in the template is weighed once built: Jinja
    compiles these to plain Python, which no sandbox hook sees, and a list of a list of
    a list of a long text is a long text to the power of three."""

    def visit_List(self, node: List, frame: Frame) -> None:
        self.write("environment.bounded(")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Dict(self, node: Dict, frame: Frame) -> None:
        self.write("environment.bounded(")
        super().visit_Dict(node, frame)
        self.write(")")

    def visit_Tuple(self, node: Tuple, frame: Frame) -> None:
        if node.ctx != "load":  # a loop's or an assignment's targets
            super().visit_Tuple(node, frame)
            return
        self.write("environment.bounded(")
        super().visit_Tuple(node, frame)
        self.write(")")

    @optimizeconst
    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        else:
            join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        self.write(f"{join}(environment.checked_parts((")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write(")))")


class _LimitedNamespace(Namespace):
    """`namespace()`, weighed as a whole whenever `{% set ns.x = … %}` adds to it."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, value)
        bounded(self)


class LimitedSandbox(SandboxedEnvironment):
    """The sandbox with its size limits (see the module's docstring)."""

    code_generator_class = _LimitedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    concat = staticmethod(checked_concat)
    checked_parts = staticmethod(checked_parts)
    bounded = staticmethod(bounded)

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: guard_filter(name, f) for name, f in self.filters.items()}
        self.globals.pop("lipsum", None)  # paragraphs of filler by the thousand: no use here
        self.globals["namespace"] = _LimitedNamespace

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        check_binop(operator, left, right)
        return bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        target = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str) and callable(target):
            check_str_method(target, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if owner is not None and not isinstance(owner, str):
            bounded(owner)  # a list or dict a method grew (`append`, `extend`, `update`)
        return bounded(result)


_SANDBOX = LimitedSandbox(autoescape=True, undefined=StrictUndefined)


class _Budget:
    """A deadline for one render, checked by a trace function while it is installed."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.expired = False

    def _check(self) -> None:
        if time.monotonic() > self.deadline:
            self.expired = True
            raise _OutOfTime

    def _line(self, frame: FrameType, event: str, arg: Any) -> Any:
        self._check()
        return self._line

    def trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        """On entering any function: the clock; the template's own code: every line too."""
        self._check()
        return self._line if frame.f_code.co_filename == TEMPLATE_FILENAME else None


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """A template compiled once: the same snippet is rendered for every partner."""
    return _SANDBOX.from_string(source)


def _render(source: str, budget: _Budget, context: dict[str, Any]) -> str:
    """Compile and render, streaming the output so that an over-long text stops early."""
    parts: list[str] = []
    length = 0
    for part in _compiled(source).generate(**context):
        length += len(part)
        if length > MAX_USER_OUTPUT:
            raise UserTemplateError(f"the text is longer than {MAX_USER_OUTPUT} characters")
        parts.append(part)
    if budget.expired:  # something swallowed the interruption: the result is not trusted
        raise TemplateLimitError(TOO_SLOW)
    return "".join(parts)


def render_user_template(source: str, budget: float = RENDER_BUDGET, **context: Any) -> str:
    """Render a template an adviser wrote (a toolkit snippet) without trusting it.

    Any failure, from a syntax error to a division by zero, becomes `UserTemplateError`
    with a message the adviser can act on, and one that would cost too much memory or time
    becomes `TemplateLimitError`; nothing of the template reaches Python itself."""
    watch = _Budget(budget)
    previous = sys.gettrace()
    sys.settrace(watch.trace)
    try:
        return _render(source, watch, context)
    except _OutOfTime:
        raise TemplateLimitError(TOO_SLOW) from None
    except (TooLarge, MemoryError):
        raise TemplateLimitError(TOO_LARGE) from None
    except RecursionError:
        raise TemplateLimitError(TOO_DEEP) from None
    except TemplateError as error:  # includes SecurityError and UndefinedError
        raise UserTemplateError(str(error)) from error
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as error:
        if isinstance(error, UserTemplateError):
            raise
        raise UserTemplateError(f"{type(error).__name__}: {error}") from error
    finally:
        sys.settrace(previous)
