"""Slack modals as Block Kit dicts, and their submitted values back as plain values.

Kept apart from the adapter's wiring so that a view's shape, its limits (titles of at most
24 characters, at most 100 options) and the reading of `view.state.values` live together
and are tested together.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.core.kernel import Texts

AGREEMENT_MODAL = "agreement_new"
SNIPPET_MODAL = "toolkit_compose"
MAX_OPTIONS = 100


def plain(text: str, limit: int = 2000) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit]}


def text_input(
    block_id: str, label: str, multiline: bool = True, initial: str = "", optional: bool = False
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label),
        "element": element,
    }


def _select(
    block_id: str,
    label: str,
    options: list[tuple[str, str]],
    optional: bool = False,
    multi: bool = False,
    initial: str | None = None,
) -> dict[str, Any]:
    choices = [{"text": plain(name, 75), "value": key} for key, name in options[:MAX_OPTIONS]]
    element: dict[str, Any] = {
        "type": "multi_static_select" if multi else "static_select",
        "action_id": "value",
        "options": choices,
    }
    chosen = [c for c in choices if c["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label),
        "element": element,
    }


def modal(
    texts: Texts, callback_id: str, title: str, submit: str, blocks: list[dict[str, Any]]
) -> dict[str, Any]:
    """A form: Slack allows 24 characters for its title and buttons."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain(texts.gettext("Cancel"), 24),
        "blocks": blocks,
    }


def agreement_view(
    texts: Texts,
    partners: list[tuple[str, str]],
    regions: list[tuple[str, str]],
    text: str,
    due: date,
    source: str = "",
) -> dict[str, Any]:
    """The "new agreement" modal; `text` is pre-filled from the message it was made from."""
    blocks = [
        text_input("text", texts.gettext("What was agreed?"), initial=text[:3000]),
        _select("partner", texts.gettext("Which partner does it?"), partners),
        {
            "type": "input",
            "block_id": "due",
            "label": plain(texts.gettext("Due on")),
            "element": {
                "type": "datepicker",
                "action_id": "value",
                "initial_date": due.isoformat(),
            },
        },
    ]
    if regions:
        blocks.append(_select("region", texts.gettext("Region (optional)"), regions, True))
    blocks.append(
        text_input(
            "source",
            texts.gettext("Where was it agreed? (optional)"),
            multiline=False,
            initial=source[:150],
            optional=True,
        )
    )
    return modal(
        texts, AGREEMENT_MODAL, texts.gettext("New agreement"), texts.gettext("Register"), blocks
    )


def snippet_view(
    texts: Texts,
    kinds: list[tuple[str, str]],
    agenda_kinds: list[tuple[str, str]],
    pillars: list[tuple[str, str]],
    language: str,
) -> dict[str, Any]:
    """The "compose a snippet" modal: the text is a template, with a hint of its variables."""
    blocks = [
        text_input("title", texts.gettext("Title"), multiline=False),
        _select("kind", texts.gettext("Kind of text"), kinds),
        _select("agenda", texts.gettext("Send it before"), agenda_kinds, multi=True),
        {
            "type": "input",
            "block_id": "lead_days",
            "label": plain(texts.gettext("Days before the moment")),
            "element": {
                "type": "number_input",
                "action_id": "value",
                "is_decimal_allowed": False,
                "initial_value": "7",
                "min_value": "0",
                "max_value": "60",
            },
        },
    ]
    if pillars:
        blocks.append(_select("pillar", texts.gettext("Pillar (optional)"), pillars, True))
    blocks += [
        _select(
            "language",
            texts.gettext("Language of the text"),
            [("nl", "Nederlands"), ("en", "English")],
            initial=language,
        ),
        text_input("body", texts.gettext("The text")),
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": texts.gettext(
                        "Personalised per partner: {{ partner.name }}, {{ speaker }} (who"
                        " speaks, by the alliance's positioning), {{ house.roof }},"
                        " {{ pillar.message }}, {{ partner.note }}."
                    ),
                }
            ],
        },
    ]
    return modal(
        texts, SNIPPET_MODAL, texts.gettext("New toolkit snippet"), texts.gettext("Save"), blocks
    )


def done_view(texts: Texts, title: str, message: str) -> dict[str, Any]:
    """What the modal turns into after a successful submission."""
    return {
        "type": "modal",
        "title": plain(title, 24),
        "close": plain(texts.gettext("Close"), 24),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": message[:3000]}}],
    }


def submitted(view: dict[str, Any], block_id: str) -> str:
    """A submitted input's value, whatever element it was (text, select, date)."""
    value = view.get("state", {}).get("values", {}).get(block_id, {}).get("value", {})
    if not isinstance(value, dict):
        return ""
    if value.get("selected_option"):
        return str(value["selected_option"].get("value") or "")
    if value.get("selected_options"):
        return ",".join(str(o.get("value") or "") for o in value["selected_options"])
    return str(value.get("value") or value.get("selected_date") or "")
