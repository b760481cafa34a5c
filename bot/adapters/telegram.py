"""The Telegram adapter: python-telegram-bot in, neutral commands to the core, HTML out.

It only translates. One handler sees every update and turns it into a core call: a text
message becomes a `Command` (or the continuation of one), a button press becomes a press,
`/start <code>` redeems an invite. Replies are rendered by `bot.render.telegram`.

Webhook mode (TELEGRAM_WEBHOOK_URL set): the Application is built without an updater and
fed by `POST /telegram/webhook`, after the secret header is checked. Polling mode (unset):
the Application's own updater long-polls; no public URL needed.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import BotCommand, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    TypeHandler,
)

from bot.adapters.senders import telegram_keyboard
from bot.core.alliance import get_alliance, redeem_invite
from bot.core.dispatch import (
    COMMANDS,
    command_from_text,
    find_command,
    handle,
    plain_message,
    press,
)
from bot.core.kernel import (
    LANGUAGES,
    Person,
    Reply,
    Texts,
    language_of,
    person_by_account,
    plain_text,
    split_command_line,
)
from bot.db import session_scope
from bot.render.telegram import render_telegram
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "telegram"
GROUP_COMMANDS = frozenset({"house", "help"})  # nothing personal is shown in a group
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]


class TelegramAdapter:
    """Translates updates into core calls and core replies into Telegram messages."""

    def __init__(self, engine: Engine, settings: Settings, webhook: bool) -> None:
        assert settings.telegram_bot_token is not None
        self.engine = engine
        self.settings = settings
        builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
            Application.builder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(settings.telegram_api_url)
            # replies keep to Telegram's limits, and wait out a 429 instead of failing
            .rate_limiter(AIORateLimiter(max_retries=3))
        )
        if webhook:
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)

    # -------------------------------------------------------------------- life cycle --
    async def start(self) -> None:
        await self.application.initialize()
        await self._set_commands()
        await self.application.start()
        url = self.settings.telegram_webhook_url
        if url:
            secret = self.settings.telegram_webhook_secret
            await self.application.bot.set_webhook(
                url,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=ALLOWED_UPDATES,
            )
        elif self.application.updater is not None:
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)

    async def stop(self) -> None:
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def _set_commands(self) -> None:
        """The command menu in Dutch (for Dutch clients) and English (for everyone else)."""
        for language in LANGUAGES:
            texts = Texts(language)
            commands = [
                BotCommand(spec.name_in(language), texts.gettext(spec.summary)[:256])
                for spec in COMMANDS
            ]
            await self.application.bot.set_my_commands(
                commands, language_code=language if language != "en" else None
            )

    # ---------------------------------------------------------------------- webhook --
    async def webhook(self, request: Request) -> Response:
        """`POST /telegram/webhook`: 403 without the right secret, 400 for a non-update."""
        expected = self.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if expected is None or not hmac.compare_digest(
            given.encode(), expected.get_secret_value().encode()
        ):
            return JSONResponse({"ok": False, "error": "forbidden"}, status_code=403)
        try:
            data = json.loads(await request.body())
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, TelegramError):
            return JSONResponse({"ok": False, "error": "not an update"}, status_code=400)
        await self.application.process_update(update)
        return JSONResponse({"ok": True})

    def routes(self) -> list[Route]:
        return [Route("/telegram/webhook", self.webhook, methods=["POST"])]

    # ---------------------------------------------------------------------- updates --
    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await self._on_press(update)
        elif update.message is not None and update.message.text is not None:
            await self._on_text(update.message)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed: %s", type(context.error).__name__)
        log.debug("telegram update failed", exc_info=context.error)

    async def _on_text(self, message: Message) -> None:
        user = message.from_user
        if user is None:
            return
        text = message.text or ""
        private = message.chat.type == ChatType.PRIVATE
        if not private and not self._addressed_to_me(text):
            return  # in groups, only commands addressed to this bot
        word, args = split_command_line(text)
        spec = find_command(word)
        telegram_id, language = str(user.id), user.language_code
        if word == "start":
            reply = await run_in_threadpool(self._start, telegram_id, args, language)
        elif not private and (spec is None or spec.key not in GROUP_COMMANDS):
            reply = await run_in_threadpool(self._in_private_please, language)
        else:
            reply = await run_in_threadpool(self._command, telegram_id, text, language)
        await self.send(message.chat_id, reply)

    def _addressed_to_me(self, text: str) -> bool:
        username = self.application.bot.username.lower() if self.application.bot.username else ""
        first = text.split(maxsplit=1)[0].lower() if text.strip() else ""
        return first.startswith("/") and username != "" and first.endswith(f"@{username}")

    async def _on_press(self, update: Update) -> None:
        query = update.callback_query
        assert query is not None
        reply = await run_in_threadpool(
            self._press, str(query.from_user.id), query.data or "", query.from_user.language_code
        )
        notice = _first_line(reply)
        await query.answer(notice[:190] if reply.stale else None, show_alert=reply.stale)
        message = query.message
        if reply.stale or not isinstance(message, Message):
            return
        label = _label_of(message, query.data or "")
        try:
            await query.edit_message_text(
                f"{message.text_html}\n\n<i>✓ {html.escape(label, quote=False)}</i>",
                parse_mode=ParseMode.HTML,
                reply_markup=None,
            )
        except TelegramError:  # too old or unchanged: the reply below still says it
            log.info("could not edit the pressed message")
        await self.send(message.chat_id, reply)

    async def send(self, chat_id: int, reply: Reply) -> None:
        for part in render_telegram(reply):
            if part.photo is not None:
                await self.application.bot.send_photo(chat_id, photo=part.photo.png)
            if part.text:
                await self.application.bot.send_message(
                    chat_id,
                    part.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=telegram_keyboard(part),
                    disable_web_page_preview=True,
                )

    # ------------------------------------------------- core calls (in a worker thread) --
    def _with_person(
        self, telegram_id: str, language: str | None, action: Callable[[Person], Reply]
    ) -> Reply:
        with session_scope(self.engine) as session:
            person = person_by_account(session, PLATFORM, telegram_id)
            if person is None:
                return Reply.from_markup(Texts(language).render("telegram_unknown"))
            return action(person)

    def _command(self, telegram_id: str, text: str, language: str | None) -> Reply:
        def run(person: Person) -> Reply:
            with session_scope(self.engine) as session:
                build = command_from_text if text.startswith("/") else plain_message
                return handle(session, build(person.id or 0, text, PLATFORM))

        return self._with_person(telegram_id, language, run)

    def _press(self, telegram_id: str, data: str, language: str | None) -> Reply:
        def run(person: Person) -> Reply:
            with session_scope(self.engine) as session:
                return press(session, person.id or 0, data, PLATFORM)

        return self._with_person(telegram_id, language, run)

    def _in_private_please(self, language: str | None) -> Reply:
        return Reply.from_markup(
            Texts(language).render("telegram_private_please", bot=self.application.bot.username)
        )

    def _start(self, telegram_id: str, code: str, language: str | None) -> Reply:
        """`/start <code>` from a deep link; `/start` alone explains how to get one."""
        with session_scope(self.engine) as session:
            if not code.strip():
                known = person_by_account(session, PLATFORM, telegram_id)
                if known is None:
                    return Reply.from_markup(Texts(language).render("telegram_start_no_code"))
                return handle(session, command_from_text(known.id or 0, "help", PLATFORM))
            redeemed = redeem_invite(session, code.strip(), PLATFORM, telegram_id)
            if redeemed.person is None or redeemed.outcome not in ("linked", "already_linked"):
                return Reply.from_markup(
                    Texts(language).render("telegram_invite_refused", outcome=redeemed.outcome)
                )
            person = redeemed.person
            texts = Texts(language_of(person, get_alliance(session)))
            greeting = texts.render("telegram_welcome", person=person, outcome=redeemed.outcome)
            help_reply = handle(session, command_from_text(person.id or 0, "help", PLATFORM))
            return Reply(Reply.from_markup(greeting).blocks + help_reply.blocks)


def _first_line(reply: Reply) -> str:
    for block in reply.blocks:
        spans = getattr(block, "spans", None)
        if spans:
            return plain_text(spans)
    return ""


def _label_of(message: Message, data: str) -> str:
    markup = message.reply_markup
    if markup is not None:
        for row in markup.inline_keyboard:
            for button in row:
                if button.callback_data == data:
                    return button.text
    return ""


def telegram_lifespan(adapter: TelegramAdapter) -> Callable[[Any], Any]:
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        await adapter.start()
        try:
            yield
        finally:
            await adapter.stop()

    return lifespan
