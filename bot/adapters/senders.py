"""Senders: the worker's hands on each platform. One rendered delivery in, a message id out.

A sender translates the platform's answer into one of three outcomes the worker
understands: sent (the message id), `TransientSendError` (try again later, maybe after
`retry_after`), or `PermanentSendError` (never again; `recipient_gone` when the person
blocked the bot or the account no longer exists, so nothing more is planned to it).

A reply with an image goes out as **text first, then the image** (`text_then_image`). The
text is the message: it carries the buttons and, on Slack, the image's alt text, so it is
complete without the picture. When the image fails after the text went out, the error's
`sent` holds the text's ids; the worker records them and its retry passes them back as
`text_sent`, so the retry sends only the image and the text never arrives twice. A short
Telegram text rides on the photo as its caption instead: one call, nothing half sent.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol, TypeVar
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.core.kernel import Image, Platform, Reply
from bot.render.chart import drawn
from bot.render.limits import utf16_len
from bot.render.slack import render_slack
from bot.render.telegram import TelegramMessage, render_telegram

Pace = Callable[[str], Awaitable[None]]
T = TypeVar("T")


class TransientSendError(Exception):
    def __init__(
        self, reason: str, retry_after: float | None = None, sent: str | None = None
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.sent = sent  # ids of the text that did go out before the image failed


class PermanentSendError(Exception):
    def __init__(self, reason: str, recipient_gone: bool, sent: str | None = None) -> None:
        super().__init__(reason)
        self.recipient_gone = recipient_gone
        self.sent = sent  # ids of the text that did go out before the image failed


class Sender(Protocol):
    platform: str

    async def send(
        self, target: str, reply: Reply, pace: Pace, text_sent: str | None = None
    ) -> str:
        """Send `reply` to `target`, calling `pace(chat)` before every platform message.

        The text goes first, then `reply.image`; with `text_sent` (the ids an earlier attempt
        got for the text) only the image is sent. Returns all message ids, comma-separated.
        """
        ...

    async def close(self) -> None: ...


async def text_then_image(
    text: Callable[[], Awaitable[str]],
    image: Callable[[], Awaitable[str]] | None,
    text_sent: str | None,
) -> str:
    """The text (unless an earlier attempt sent it), then the image; see the module doc.

    Any failure of the image is raised with `sent` set, so the text is never sent again.
    """
    ids = text_sent if text_sent is not None else await text()
    if image is None:
        return ids
    try:
        image_id = await image()
    except (TransientSendError, PermanentSendError) as error:
        error.sent = ids
        raise
    except Exception as error:  # a bug or an odd answer: retry the image, not the text
        raise TransientSendError(f"image: {type(error).__name__}: {error}", sent=ids) from error
    return ",".join(part for part in (ids, image_id) if part)


# ---------------------------------------------------------------------------- Telegram --

_GONE_PHRASES = (
    "chat not found",
    "user not found",
    "bot was blocked",
    "user is deactivated",
    "bot was kicked",
    "peer_id_invalid",
    "have no rights to send",
)


def _retry_seconds(error: RetryAfter) -> float:
    """PTB 22 warns that `retry_after` becomes a timedelta; accept both, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def telegram_keyboard(message: TelegramMessage) -> InlineKeyboardMarkup | None:
    if not message.reply_markup:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
            for row in message.reply_markup["inline_keyboard"]
        ]
    )


MAX_CAPTION = 1024  # Telegram's limit for a photo's caption (after parsing the HTML)


class TelegramSender:
    platform: str = Platform.TELEGRAM

    def __init__(self, token: str, base_url: str) -> None:
        self._bot = Bot(token=token, base_url=base_url)
        self._started = False

    async def send(
        self, target: str, reply: Reply, pace: Pace, text_sent: str | None = None
    ) -> str:
        if not self._started:
            await self._call(self._bot.initialize())
            self._started = True
        messages = [m for m in render_telegram(reply) if m.text.strip() or m.reply_markup]
        reply = drawn(reply)
        image = reply.image if isinstance(reply.image, Image) else None
        if image is not None and text_sent is None and _fits_caption(messages):
            return await self._photo(target, image, pace, messages[0] if messages else None)

        async def text() -> str:
            ids: list[str] = []
            for message in messages:
                await pace(target)
                sent = await self._call(
                    self._bot.send_message(
                        target,
                        message.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=telegram_keyboard(message),
                        disable_web_page_preview=True,
                    )
                )
                ids.append(str(sent.message_id))
            return ",".join(ids)

        async def photo() -> str:
            assert image is not None
            return await self._photo(target, image, pace, None)

        return await text_then_image(text, photo if image else None, text_sent)

    async def _photo(
        self, target: str, image: Image, pace: Pace, caption: TelegramMessage | None
    ) -> str:
        await pace(target)
        sent = await self._call(
            self._bot.send_photo(
                target,
                photo=image.png,
                filename=image.filename,
                caption=caption.text if caption else None,
                parse_mode=ParseMode.HTML if caption else None,
                reply_markup=telegram_keyboard(caption) if caption else None,
            )
        )
        return str(sent.message_id)

    async def _call(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except RetryAfter as error:
            raise TransientSendError(str(error), _retry_seconds(error)) from error
        except Forbidden as error:
            raise PermanentSendError(str(error), recipient_gone=True) from error
        except ChatMigrated as error:
            raise PermanentSendError(str(error), recipient_gone=True) from error
        except BadRequest as error:
            gone = any(phrase in str(error).lower() for phrase in _GONE_PHRASES)
            raise PermanentSendError(str(error), recipient_gone=gone) from error
        except NetworkError as error:  # timeouts, 5xx, connection errors
            raise TransientSendError(str(error)) from error
        except TelegramError as error:  # an invalid token: an operator must act
            raise TransientSendError(str(error)) from error

    async def close(self) -> None:
        if self._started:
            await self._bot.shutdown()
            self._started = False


# ------------------------------------------------------------------------------- Slack --

_SLACK_GONE = frozenset(
    {
        "channel_not_found",
        "account_inactive",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "channel_is_archived",
    }
)
_SLACK_BROKEN = frozenset(
    {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "too_many_attachments"}
)


def _fits_caption(messages: list[TelegramMessage]) -> bool:
    """One short message can be the photo's caption: a single call, so never half sent."""
    return len(messages) <= 1 and all(utf16_len(m.text) <= MAX_CAPTION for m in messages)


class SlackSender:
    """Uses slack-sdk's (blocking) WebClient in a thread; Slack's pace is a message a second."""

    platform: str = Platform.SLACK

    def __init__(self, token: str, base_url: str) -> None:
        self._client = WebClient(token=token, base_url=base_url, timeout=15)
        self._dm_channels: dict[str, str] = {}

    async def send(
        self, target: str, reply: Reply, pace: Pace, text_sent: str | None = None
    ) -> str:
        channel = await self._channel_for(target)
        reply = drawn(reply)
        image = reply.image if isinstance(reply.image, Image) else None

        async def text() -> str:
            ids: list[str] = []
            for message in render_slack(reply):  # the image's alt text stands in for it
                await pace(channel)
                response = await self._call(
                    self._client.chat_postMessage,
                    channel=channel,
                    text=message.text,
                    blocks=message.blocks,
                    unfurl_links=False,
                )
                ids.append(str(response.get("ts", "")))
            return ",".join(ids)

        async def upload() -> str:
            assert image is not None
            await pace(channel)
            # files.getUploadURLExternal, a POST of the bytes, files.completeUploadExternal
            response = await self._call(
                self._client.files_upload_v2,
                channel=channel,
                file=image.png,
                filename=image.filename,
                title=image.alt,
                alt_txt=image.alt[:1000],
            )
            file = response.get("file")
            return str(file.get("id", "")) if isinstance(file, dict) else ""

        return await text_then_image(text, upload if image else None, text_sent)

    async def _channel_for(self, target: str) -> str:
        """A user id gets a direct-message channel (opened once, then remembered)."""
        if not target.startswith(("U", "W")):
            return target
        if target not in self._dm_channels:
            response = await self._call(self._client.conversations_open, users=target)
            channel = response.get("channel")
            if not isinstance(channel, dict) or "id" not in channel:
                raise PermanentSendError("slack: no direct message channel", recipient_gone=True)
            self._dm_channels[target] = str(channel["id"])
        return self._dm_channels[target]

    async def _call(self, method: Callable[..., object], **kwargs: object) -> dict[str, object]:
        try:
            response = await asyncio.to_thread(method, **kwargs)
        except SlackApiError as error:
            status = error.response.status_code
            code = str(error.response.get("error", "")) if error.response else ""
            if status == 429 or code == "ratelimited":
                retry = error.response.headers.get("Retry-After", "1")
                raise TransientSendError(
                    f"slack: {code or 'rate limited'}", float(retry)
                ) from error
            if status >= 500 or code in {"internal_error", "fatal_error", "service_unavailable"}:
                raise TransientSendError(f"slack: {code or status}") from error
            if code in _SLACK_GONE:
                raise PermanentSendError(f"slack: {code}", recipient_gone=True) from error
            if code in _SLACK_BROKEN:
                raise PermanentSendError(f"slack: {code}", recipient_gone=False) from error
            raise TransientSendError(f"slack: {code or status}") from error
        except (SlackClientError, URLError, TimeoutError, OSError) as error:
            raise TransientSendError(f"slack: {type(error).__name__}") from error
        return dict(response.data) if hasattr(response, "data") else {}

    async def close(self) -> None:
        return None
