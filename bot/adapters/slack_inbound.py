"""Slack requests handled through the inbox: commands, button presses, the Home tab opening.

Each is stored under Slack's own id for it before it is acknowledged — `event_id` for an
event (Slack's retries of an event carry the same one), `trigger_id` for a command or a
press (unique per use, so a replayed request is recognised) — and handled in the background:
the answer goes to the request's `response_url`, the Home tab through `views.publish`.
A command that opens a form, a message shortcut and a form's submission are not stored:
Slack wants their answer within the request (a modal opened on a trigger that lives three
seconds, or the form's errors), so they run at once and a failure is a non-2xx answer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bot.core.dispatch import opens_form

HOME = "home"
COMMAND = "command"
ACTION = "action"


@dataclass(frozen=True)
class Request:
    """What the background handling needs of a stored request."""

    kind: str  # HOME | COMMAND | ACTION
    user: str
    text: str = ""  # a command's words, or a pressed button's action id
    response_url: str = ""

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, payload: str) -> Request:
        return cls(**json.loads(payload))


def stored_request(body: dict[str, Any]) -> tuple[str, Request] | None:
    """The inbox key and the request to handle in the background; None for what is
    answered within the request (forms, shortcuts, submissions) or not at all."""
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        if event.get("type") != "app_home_opened" or event.get("tab", HOME) != HOME:
            return None
        return f"event:{body.get('event_id')}", Request(HOME, str(event.get("user", "")))
    if "command" in body:
        text = str(body.get("text", ""))
        if opens_form(text):
            return None
        request = Request(COMMAND, str(body.get("user_id", "")), text, _url(body))
        return f"command:{body.get('trigger_id') or _digest(body)}", request
    if body.get("type") == "block_actions":
        actions = body.get("actions") or [{}]
        value = str(actions[0].get("value", ""))
        user = str((body.get("user") or {}).get("id", ""))
        return f"action:{body.get('trigger_id') or _digest(body)}", Request(
            ACTION, user, value, _url(body)
        )
    return None


def _digest(body: dict[str, Any]) -> str:
    """Slack sends a trigger id with every command and press; without one, the same body
    is the same request."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _url(body: dict[str, Any]) -> str:
    return str(body.get("response_url", ""))
