"""Real Telegram Update JSON, shaped as the Bot API sends it, for tests and benchmarks."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(1_000)


def message(
    user: int, text: str, chat: int | None = None, kind: str = "private", lang: str = "nl"
) -> dict[str, Any]:
    chat_id = chat if chat is not None else user
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {
                "id": chat_id,
                "type": kind,
                **({"title": "Regio"} if kind != "private" else {}),
            },
            "from": {"id": user, "is_bot": False, "first_name": "X", "language_code": lang},
            "text": text,
            **(
                {"entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}
                if text.startswith("/")
                else {}
            ),
        },
    }


def button(user: int, data: str, text: str = "Vraag", label: str = "Knop") -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": {"id": user, "is_bot": False, "first_name": "X", "language_code": "nl"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 77,
                "date": int(time.time()),
                "chat": {"id": user, "type": "private"},
                "text": text,
                "reply_markup": {"inline_keyboard": [[{"text": label, "callback_data": data}]]},
            },
        },
    }
