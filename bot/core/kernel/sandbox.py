"""Templates written by advisers (toolkit snippets), rendered without trusting them.

Jinja2's `SandboxedEnvironment` keeps a template away from Python's internals, but not
from the machine's memory and time: `{{ 9 ** 9 ** 9 }}`, `{{ 'x' * 10 ** 9 }}` or two
nested loops over `range(100000)` are all "safe" to the plain sandbox and would stall a
worker or bring the process down. A snippet is rendered for every partner, in the web
app, the worker and the clock, so this sandbox bounds both:

* **size** — no value a template makes may exceed `MAX_VALUE` characters or items, and no
  integer `MAX_INT_BITS` bits. The operators that grow values (`*`, `**`, `+`, `%`, `~`),
  the filters and methods that take a width or a count, and joining (`join`, a macro's or
  `{% set %}` block's output) are checked *before* they allocate, where the size can be
  foreseen, and every filter's and call's result after; the output is counted as it is
  streamed and stops at `MAX_USER_OUTPUT`;
* **time** — each render (compiling included) has a budget of `RENDER_BUDGET` seconds,
  enforced by a trace function that is active only during the render: it checks the
  clock when any function is entered and on each line of the template's own code, so a
  loop that prints nothing is stopped as surely as one that does.

A template that hits a limit fails with `TemplateLimitError`, whose message says which
limit in words an adviser can act on; all other failures are `UserTemplateError`.
"""

from __future__ import annotations

import functools
import re
import string
import sys
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter
from jinja2.nodes import Concat, Dict, List, Tuple
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import Namespace

from bot.core.kernel.texts import _

MAX_USER_OUTPUT = 20_000  # characters: far more than any snippet, far less than a crash
MAX_VALUE = 50_000  # characters or items of any one value a template makes
MAX_INT_BITS = 4_000  # about 1,200 digits: any figure a text could mention
RENDER_BUDGET = 0.3  # seconds per render: a snippet takes about a millisecond
TEMPLATE_FILENAME = "<template>"  # how Jinja names the code of a template from a string

TOO_LARGE = _("it makes a value that is too large")
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


class _TooLarge(SecurityError):
    """Raised inside the sandbox when a value would grow past a limit."""


class _OutOfTime(BaseException):
    """Raised by the trace function; a BaseException, so no `except Exception` inside a
    filter can swallow it and carry on unbudgeted."""


def weight(value: Any, limit: int = MAX_VALUE) -> int:
    """How much text `value` stands for, counted through lists, tuples, sets, dicts and
    namespaces (a list of a thousand references to one long text weighs a thousand texts:
    that is what printing it costs); counting stops once past `limit`, so it never costs
    more than `limit` steps."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, list | tuple | set | frozenset):
            total += len(item) + 1
            if total <= limit:
                stack.extend(item)
        elif isinstance(item, dict):
            total += len(item) + 1
            if total <= limit:
                stack.extend(item.keys())
                stack.extend(item.values())
        elif isinstance(item, Namespace):
            stack.append(object.__getattribute__(item, "_Namespace__attrs"))
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1  # about its digits
        else:
            total += 1  # a number, a function, a loop: printed in a few words
    return total


def _bounded(value: Any) -> Any:
    """`value`, unless it is larger than any template may make."""
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _TooLarge(TOO_LARGE)
    if weight(value) > MAX_VALUE:
        raise _TooLarge(TOO_LARGE)
    return value


def _no_more_than(size: int) -> None:
    if size > MAX_VALUE:
        raise _TooLarge(TOO_LARGE)


_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_printf(text: str) -> None:
    """`text % values` pads to the widths and precisions in `text`: refuse huge ones."""
    for width, precision in _PRINTF.findall(text):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_VALUE):
                raise _TooLarge(TOO_LARGE)


def _check_format(text: str) -> None:
    """`text.format(...)`: the same for `{:>999999}`, and no widths taken from arguments."""
    for _literal, _field, spec, _conversion in string.Formatter().parse(text):
        if spec and ("{" in spec or any(int(n) > MAX_VALUE for n in re.findall(r"\d+", spec))):
            raise _TooLarge(TOO_LARGE)


def _replaced_size(text: str, old: str, new: str, count: Any = None) -> int:
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Foresee the size of `left <operator> right` before Python computes it."""
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "**" and ints and right > 0:
        if max(left.bit_length(), 1) * right > MAX_INT_BITS:
            raise _TooLarge(TOO_LARGE)
    elif operator == "*" and ints:
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise _TooLarge(TOO_LARGE)
    elif operator == "*":
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, str | list | tuple) and isinstance(times, int):
                _no_more_than(weight(sequence) * times)
    elif operator == "+" and isinstance(left, str | list | tuple):
        _no_more_than(weight(left) + weight(right))
    elif operator == "%" and isinstance(left, str):
        _check_printf(left)


def _check_str_method(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """String methods that pad, repeat or join: foresee their result."""
    text, name = method.__self__, method.__name__
    numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, int)]
    if name in ("ljust", "rjust", "center", "zfill") and numbers:
        _no_more_than(max(numbers))
    elif name == "expandtabs" and numbers:
        _no_more_than(len(text) + text.count("\t") * max(numbers))
    elif name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
        _no_more_than(_replaced_size(text, args[0], args[1], args[2] if len(args) > 2 else None))
    elif name in ("format", "format_map"):
        _check_format(text)


def _materialised_join(items: Any, separator: Any, getter: Callable[[Any], Any]) -> list[Any]:
    """`items` as a list, once it is clear that joining (or summing) them stays in bounds."""
    values = list(items)
    total = weight(separator) * len(values)
    for value in values:
        total += weight(getter(value))
        _no_more_than(total)
    return values


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (a filter) with its size checks: those that can be foreseen first, the result
    after. Filters that take the environment or context first keep it first."""
    offset = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        head, value, rest = (
            args[:offset],
            args[offset] if len(args) > offset else None,
            args[offset + 1 :],
        )
        value = _check_filter(name, head, value, rest, kwargs)
        if len(args) > offset:
            args = (*head, value, *rest)
        return _bounded(func(*args, **kwargs))

    return guarded


_TEXT_FILTERS = frozenset({"indent", "wordwrap", "replace", "format"})


def _check_filter(
    name: str, head: tuple[Any, ...], value: Any, rest: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """The size checks of one filter call; returns the value to pass on (an iterator that
    had to be counted comes back as a list)."""
    numbers = [a for a in (*rest, *kwargs.values()) if isinstance(a, int)]
    text = value if isinstance(value, str) else str(value) if name in _TEXT_FILTERS else ""
    if name in ("center", "batch", "slice") and numbers:
        _no_more_than(max(numbers))
    elif name == "indent":
        width = (rest or (kwargs.get("width", 4),))[0]
        step = width if isinstance(width, int) else len(str(width))
        _no_more_than(len(text) + (text.count("\n") + 1) * step)
    elif name == "wordwrap":
        width = (rest or (kwargs.get("width", 79),))[0]
        wrap = rest[2] if len(rest) > 2 else kwargs.get("wrapstring") or "\n"
        lines = len(text) // max(int(width), 1) + text.count("\n") + 1
        _no_more_than(len(text) + lines * len(str(wrap)))
    elif name == "replace" and len(rest) >= 2:
        count = rest[2] if len(rest) > 2 else kwargs.get("count")
        _no_more_than(_replaced_size(text, str(rest[0]), str(rest[1]), count))
    elif name == "format":
        _check_printf(text)
    elif name in ("join", "sum") and value is not None:
        attribute = kwargs.get("attribute", rest[1] if name == "join" and len(rest) > 1 else None)
        environment = getattr(head[0], "environment", head[0]) if head else None
        getter = make_attrgetter(environment, attribute) if attribute and environment else None
        separator = (rest or (kwargs.get("d", ""),))[0] if name == "join" else ""
        return _materialised_join(value, separator, getter or (lambda v: v))
    return value


def _checked_parts(parts: tuple[Any, ...]) -> tuple[Any, ...]:
    """The parts of `a ~ b ~ c` as text, refused before joining when they add up to more
    than a template may make."""
    _no_more_than(sum(weight(p) for p in parts))
    return tuple(p if isinstance(p, str) else str(p) for p in parts)


def _checked_concat(parts: Iterable[str]) -> str:
    """How the sandbox joins a buffer (a macro's or a `{% set %}` block's output)."""
    texts = list(parts)
    _no_more_than(sum(len(t) for t in texts))
    return "".join(texts)


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
        _bounded(self)


class LimitedSandbox(SandboxedEnvironment):
    """The sandbox with its size limits (see the module's docstring)."""

    code_generator_class = _LimitedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    concat = staticmethod(_checked_concat)
    checked_parts = staticmethod(_checked_parts)
    bounded = staticmethod(_bounded)

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _guard_filter(name, f) for name, f in self.filters.items()}
        self.globals.pop("lipsum", None)  # paragraphs of filler by the thousand: no use here
        self.globals["namespace"] = _LimitedNamespace

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return _bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        target = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str) and callable(target):
            _check_str_method(target, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if owner is not None and not isinstance(owner, str):
            _bounded(owner)  # a list or dict a method grew (`append`, `extend`, `update`)
        return _bounded(result)


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
    except (_TooLarge, MemoryError):
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
