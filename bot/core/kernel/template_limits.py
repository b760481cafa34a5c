"""The size limits of the sandbox for advisers' templates (see `bot.core.kernel.sandbox`).

No value a template makes may weigh more than `MAX_VALUE` characters or items, counted
through containers, and no integer more than `MAX_INT_BITS` bits. Where the size of a
result can be foreseen (repetition, powers, padding, joining, replacing) it is checked
before Python allocates it; every other result right after. A value over a limit raises
`TooLarge`, which the sandbox reports as "it makes a value that is too large".
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Iterable
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter
from jinja2.utils import Namespace

from bot.core.kernel.texts import _

MAX_VALUE = 50_000  # characters or items of any one value a template makes
MAX_INT_BITS = 4_000  # about 1,200 digits: any figure a text could mention

TOO_LARGE = _("it makes a value that is too large")


class TooLarge(SecurityError):
    """Raised inside the sandbox when a value would grow past a limit."""


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


def bounded(value: Any) -> Any:
    """`value`, unless it is larger than any template may make."""
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise TooLarge(TOO_LARGE)
    if weight(value) > MAX_VALUE:
        raise TooLarge(TOO_LARGE)
    return value


def _no_more_than(size: int) -> None:
    if size > MAX_VALUE:
        raise TooLarge(TOO_LARGE)


_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_printf(text: str) -> None:
    """`text % values` pads to the widths and precisions in `text`: refuse huge ones."""
    for width, precision in _PRINTF.findall(text):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_VALUE):
                raise TooLarge(TOO_LARGE)


def _check_format(text: str) -> None:
    """`text.format(...)`: the same for `{:>999999}`, and no widths taken from arguments."""
    for _literal, _field, spec, _conversion in string.Formatter().parse(text):
        if spec and ("{" in spec or any(int(n) > MAX_VALUE for n in re.findall(r"\d+", spec))):
            raise TooLarge(TOO_LARGE)


def _replaced_size(text: str, old: str, new: str, count: Any = None) -> int:
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Foresee the size of `left <operator> right` before Python computes it."""
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "**" and ints and right > 0:
        if max(left.bit_length(), 1) * right > MAX_INT_BITS:
            raise TooLarge(TOO_LARGE)
    elif operator == "*" and ints:
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise TooLarge(TOO_LARGE)
    elif operator == "*":
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, str | list | tuple) and isinstance(times, int):
                _no_more_than(weight(sequence) * times)
    elif operator == "+" and isinstance(left, str | list | tuple):
        _no_more_than(weight(left) + weight(right))
    elif operator == "%" and isinstance(left, str):
        _check_printf(left)


def check_str_method(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
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


def guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (a filter) with its size checks: those that can be foreseen first, the result
    after. Filters that take the environment or context first keep it first."""
    offset = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if len(args) > offset:
            head, rest = args[:offset], args[offset + 1 :]
            args = (*head, _check_filter(name, head, args[offset], rest, kwargs), *rest)
        return bounded(func(*args, **kwargs))

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


def checked_parts(parts: tuple[Any, ...]) -> tuple[Any, ...]:
    """The parts of `a ~ b ~ c` as text, refused before joining when they add up to more
    than a template may make."""
    _no_more_than(sum(weight(p) for p in parts))
    return tuple(p if isinstance(p, str) else str(p) for p in parts)


def checked_concat(parts: Iterable[str]) -> str:
    """How the sandbox joins a buffer (a macro's or a `{% set %}` block's output)."""
    texts = list(parts)
    _no_more_than(sum(len(t) for t in texts))
    return "".join(texts)
