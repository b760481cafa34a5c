"""A fake Telegram Bot API that enforces flood control like the real one.

``sendPhoto`` comes as a multipart upload; its fields are parsed and the photo recorded in
`photos` (with the PNG's bytes), apart from the text messages in `sent`.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from tests.fakes.http import FakeServer, round_trip

TOKEN = "123456:TEST-token-for-the-fake"


@dataclass
class SentMessage:
    chat_id: str
    text: str
    at: float
    reply_markup: Any = None


@dataclass
class SentPhoto:
    chat_id: str
    png: bytes
    caption: str | None
    at: float
    reply_markup: Any = None


@dataclass
class Rules:
    per_second: int = 30  # overall
    per_chat_interval: float = 1.0
    group_per_minute: int = 20
    blocked: set[str] = field(default_factory=set)  # 403 bot was blocked by the user
    missing: set[str] = field(default_factory=set)  # 400 chat not found
    fail_next: int = 0  # answer this many requests with 502
    photos_too_many: int = 0  # answer this many sendPhoto calls with 429 (retry after 1 s)
    delay: float = 0.0  # seconds before each answer (a round trip), give or take…
    jitter: float = 0.0  # …up to this much, uniformly


class FakeBotApi(FakeServer):
    def __init__(self, rules: Rules | None = None) -> None:
        super().__init__()
        self.rules = rules or Rules()
        self.sent: list[SentMessage] = []
        self.photos: list[SentPhoto] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.too_many = 0
        self._ids = itertools.count(1)
        self._recent: deque[float] = deque()
        self._last_by_chat: dict[str, float] = {}
        self._group_recent: dict[str, deque[float]] = {}
        self.updates: deque[dict[str, Any]] = deque()  # what getUpdates hands out, once

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_URL is set to: the token is appended to it."""
        return f"http://127.0.0.1:{self.port}/bot"

    def handle(
        self, path: str, params: dict[str, Any], headers: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        round_trip(self.rules.delay, self.rules.jitter)
        token, _, method = path.removeprefix("/bot").partition("/")
        if "_raw" in params:
            params = multipart_fields(params["_raw"], params["_content_type"])
        if method == "getUpdates" and not self.updates:
            time.sleep(0.05)  # a long poll that finds nothing waits a little (not under the lock)
        with self.lock:
            self.calls.append((method, params))
            if token != TOKEN:
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, {}
            if self.rules.fail_next > 0:
                self.rules.fail_next -= 1
                return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}, {}
            if method == "getMe":
                return 200, {"ok": True, "result": _me()}, {}
            if method == "getUpdates":
                pending = list(self.updates)
                self.updates.clear()
                return 200, {"ok": True, "result": pending}, {}
            if method in ("sendMessage", "sendPhoto"):
                return self._send(method, params)
            return 200, {"ok": True, "result": True}, {}

    def _send(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        chat = str(params.get("chat_id", ""))
        if method == "sendPhoto" and self.rules.photos_too_many > 0:
            self.rules.photos_too_many -= 1
            body = _error(429, "Too Many Requests: retry after 1")
            body["parameters"] = {"retry_after": 1}
            return 429, body, {}
        if chat in self.rules.blocked:
            return 403, _error(403, "Forbidden: bot was blocked by the user"), {}
        if chat in self.rules.missing:
            return 400, _error(400, "Bad Request: chat not found"), {}
        now = time.monotonic()
        wait = self._flood_wait(chat, now)
        if wait > 0:
            self.too_many += 1
            retry = max(1, math.ceil(wait))
            body = _error(429, f"Too Many Requests: retry after {retry}")
            body["parameters"] = {"retry_after": retry}
            return 429, body, {}
        self._recent.append(now)
        self._last_by_chat[chat] = now
        if chat.startswith("-"):
            self._group_recent.setdefault(chat, deque()).append(now)
        message_id = next(self._ids)
        if method == "sendPhoto":
            photo = params.get("photo")
            if not isinstance(photo, bytes) or not photo:
                return 400, _error(400, "Bad Request: there is no photo in the request"), {}
            caption = params.get("caption")
            self.photos.append(SentPhoto(chat, photo, caption, now, params.get("reply_markup")))
            return 200, {"ok": True, "result": _photo(message_id, chat, caption)}, {}
        text = str(params.get("text", ""))
        if not text.strip():
            return 400, _error(400, "Bad Request: message text is empty"), {}
        self.sent.append(SentMessage(chat, text, now, params.get("reply_markup")))
        return 200, {"ok": True, "result": _message(message_id, chat, text)}, {}

    def _flood_wait(self, chat: str, now: float) -> float:
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        waits = [0.0]
        if len(self._recent) >= self.rules.per_second:
            waits.append(1.0 - (now - self._recent[0]))
        last = self._last_by_chat.get(chat)
        if last is not None and now - last < self.rules.per_chat_interval:
            waits.append(self.rules.per_chat_interval - (now - last))
        group = self._group_recent.get(chat)
        if group is not None:
            while group and now - group[0] >= 60.0:
                group.popleft()
            if len(group) >= self.rules.group_per_minute:
                waits.append(60.0 - (now - group[0]))
        return max(waits)

    def messages_to(self, chat: str) -> list[SentMessage]:
        return [m for m in self.sent if m.chat_id == chat]

    def photos_to(self, chat: str) -> list[SentPhoto]:
        return [p for p in self.photos if p.chat_id == chat]


def multipart_fields(raw: bytes, content_type: str) -> dict[str, Any]:
    """A multipart/form-data body as fields: files as bytes, everything else as text."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + raw)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(data, bytes):
            fields[name] = data if part.get_filename() else data.decode()
    return fields


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


def _me() -> dict[str, Any]:
    return {
        "id": 123456,
        "is_bot": True,
        "first_name": "Alliance",
        "username": "alliance_test_bot",
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def _message(message_id: int, chat: str, text: str) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "text": text,
        "chat": {"id": int(chat) if chat.lstrip("-").isdigit() else 0, "type": "private"},
    }


def _photo(message_id: int, chat: str, caption: str | None) -> dict[str, Any]:
    photo = {"file_id": f"P{message_id}", "file_unique_id": f"U{message_id}"}
    message = _message(message_id, chat, "")
    del message["text"]
    message["photo"] = [{**photo, "width": 720, "height": 960}]
    if caption:
        message["caption"] = caption
    return message
