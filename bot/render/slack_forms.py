"""The core's neutral forms as Slack modals (Block Kit), and what a modal turns into.

Kept with the other renderers so that a view's shape and its limits live in one place:
titles and buttons of at most 24 characters, at most 100 options of 75 characters, a
pre-filled text of at most 3000. Every input's `block_id` is the field's name and its
`action_id` is "value", so a submission reads back as `{field: value}`.
"""

from __future__ import annotations

from typing import Any

from bot.core.kernel import Form, FormField, Reply
from bot.render.slack import render_slack

MAX_OPTIONS = 100
MAX_TITLE = 24
MAX_INITIAL = 3000


def plain(text: str, limit: int = 2000) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit]}


def render_form(form: Form) -> dict[str, Any]:
    """A modal whose `callback_id` is the form's name, so its submission finds its way back."""
    blocks: list[dict[str, Any]] = [_input(f) for f in form.fields]
    if form.hint:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": form.hint}]})
    return {
        "type": "modal",
        "callback_id": form.name,
        "title": plain(form.title, MAX_TITLE),
        "submit": plain(form.submit, MAX_TITLE),
        "close": plain(form.close, MAX_TITLE),
        "blocks": blocks,
    }


def render_done(title: str, reply: Reply, close: str) -> dict[str, Any]:
    """What a modal turns into after a successful submission."""
    blocks = [b for message in render_slack(reply) for b in message.blocks]
    return {
        "type": "modal",
        "title": plain(title, MAX_TITLE),
        "close": plain(close, MAX_TITLE),
        "blocks": blocks[:MAX_OPTIONS],
    }


def _input(field: FormField) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": field.name,
        "optional": field.optional,
        "label": plain(field.label),
        "element": _element(field),
    }


def _element(field: FormField) -> dict[str, Any]:
    if field.kind in ("text", "line"):
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": field.kind == "text",
        }
        if field.initial:
            element["initial_value"] = field.initial[:MAX_INITIAL]
        return element
    if field.kind == "date":
        return {"type": "datepicker", "action_id": "value", "initial_date": field.initial}
    if field.kind == "number":
        number: dict[str, Any] = {
            "type": "number_input",
            "action_id": "value",
            "is_decimal_allowed": False,
        }
        for key, value in (
            ("initial_value", field.initial or None),
            ("min_value", field.minimum),
            ("max_value", field.maximum),
        ):
            if value is not None:
                number[key] = str(value)
        return number
    return _select(field)


def _select(field: FormField) -> dict[str, Any]:
    options = [
        {"text": plain(choice.label, 75), "value": choice.value}
        for choice in field.choices[:MAX_OPTIONS]
    ]
    element: dict[str, Any] = {
        "type": "multi_static_select" if field.kind == "multiselect" else "static_select",
        "action_id": "value",
        "options": options,
    }
    chosen = [o for o in options if o["value"] == field.initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element
