"""What a Telegram update must look like before it is stored, and small readings of one.

Anyone who knows the webhook's secret can post anything, and Telegram itself sends update
types we never asked for; an update is stored only when its handling cannot trip over it
(a press without its sender, a message without its chat), so a bad body is a 400 at the
door, never a 500 or a traceback later.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Bot, Message, Update
from telegram.error import TelegramError

from bot.core.kernel import Reply, plain_text


def check_update(body: bytes, bot: Bot) -> tuple[str, str] | None:
    """The update's key (its `update_id`) and the JSON to store, or None for junk."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return None
        update = Update.de_json(data, bot)
        payload = json.dumps(data, ensure_ascii=False)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, TelegramError):
        return None
    if not _complete(update):
        return None
    return str(update.update_id), payload


def _complete(update: Update) -> bool:
    query = update.callback_query
    if query is not None:
        return _has_id(query.from_user) and isinstance(query.data, str | None)
    message = update.message
    if message is not None:
        return message.chat is not None and type(message.chat.id) is int
    return True  # other kinds are stored and answered with silence


def _has_id(user: Any) -> bool:
    return user is not None and type(getattr(user, "id", None)) is int


def first_line(reply: Reply) -> str:
    for block in reply.blocks:
        spans = getattr(block, "spans", None)
        if spans:
            return plain_text(spans)
    return ""


def label_of(message: Message, data: str) -> str:
    markup = message.reply_markup
    if markup is not None:
        for row in markup.inline_keyboard:
            for button in row:
                if button.callback_data == data:
                    return button.text
    return ""
