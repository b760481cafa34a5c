"""The Telegram adapter: python-telegram-bot in, neutral commands to the core, HTML out.

It only translates. An update is checked, stored in the inbox and acknowledged; then it is
handled in one database session (a text message becomes a `Command` or the continuation of
one, a button press a press, `/start <code>` redeems an invite) and the replies go out after
that commit (`bot.adapters.inbound`). Telegram delivers up to 40 updates at once and again
any that got no 200: a redelivery finds the update stored and changes nothing, and one the
database could not take gets 503, so Telegram delivers it again.

Webhook mode (TELEGRAM_WEBHOOK_URL set): the Application is built without an updater and
`POST /telegram/webhook` receives the updates, after the secret header is checked. Polling
mode (unset): the Application's own updater long-polls; no public URL needed.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import BotCommand, CallbackQuery, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.adapters.inbound import Handling, Inbound, NotStored
from bot.adapters.link_key import link_key
from bot.adapters.send_budget import BudgetRateLimiter, SharedBudget
from bot.adapters.senders import telegram_keyboard
from bot.adapters.telegram_updates import check_update, first_line, label_of
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
    Platform,
    Reply,
    Texts,
    language_of,
    person_by_account,
    split_command_line,
)
from bot.render.chart import as_image
from bot.render.telegram import render_telegram
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = Platform.TELEGRAM
GROUP_COMMANDS = frozenset({"house", "help"})  # nothing personal is shown in a group
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_BODY = 1 << 20  # a real update is a few kB; refuse a body before parsing it
STORE_TRIES = 6  # polling mode: Telegram will not deliver it again, so keep trying


@dataclass(frozen=True)
class Answer:
    """What handling an update came to: a reply to a chat, or to a pressed button."""

    chat_id: int | None = None
    reply: Reply | None = None
    pressed: bool = False


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
            # replies take their turns from the whole bot's budget, before any fan-out, and
            # wait out a 429 instead of failing
            .rate_limiter(
                BudgetRateLimiter(
                    _budget(engine, settings),
                    max_retries=3,
                    per_chat=settings.telegram_seconds_per_chat,
                )
            )
        )
        if webhook:
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_polled))
        self.inbound: Inbound[Answer] = Inbound(
            engine,
            PLATFORM,
            Handling(decide=self._decide, deliver=self._deliver),
            concurrency=settings.inbound_concurrency,
            receivers=settings.inbound_receivers,
        )

    # -------------------------------------------------------------------- life cycle --
    async def start(self) -> None:
        await self.application.initialize()
        await self._set_commands()
        await self.application.start()
        await self.inbound.start()
        url = self.settings.telegram_webhook_url
        if url:
            secret = self.settings.telegram_webhook_secret
            await self.application.bot.set_webhook(
                url,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=40,
            )
        elif self.application.updater is not None:
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)

    async def stop(self) -> None:
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        await self.inbound.stop()
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
        """`POST /telegram/webhook`: 403 without the right secret, 4xx for what is not an
        update, 503 when it could not be stored (Telegram delivers it again), else 200."""
        expected = self.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if expected is None or not hmac.compare_digest(
            given.encode(), expected.get_secret_value().encode()
        ):
            return _json(403, "forbidden")
        body = await request.body()
        if len(body) > MAX_BODY:
            return _json(413, "too large")
        checked = check_update(body, self.application.bot)
        if checked is None:
            return _json(400, "not an update")
        try:
            await self.inbound.accept(*checked)
        except NotStored:
            return _json(503, "try again")
        return JSONResponse({"ok": True})

    def routes(self) -> list[Route]:
        return [Route("/telegram/webhook", self.webhook, methods=["POST"])]

    async def _on_polled(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Long polling: the update is confirmed to Telegram already, so storing it must
        not give up at the first locked database."""
        checked = check_update(json.dumps(update.to_dict()).encode(), self.application.bot)
        for attempt in range(STORE_TRIES):
            try:
                if checked is not None:
                    await self.inbound.accept(*checked)
                return
            except NotStored:
                await asyncio.sleep(2**attempt)
        log.error("telegram update %s lost: the database did not take it", update.update_id)

    # --------------------------------------------------- handling (in one session) --
    def _decide(self, session: Session, payload: str, _prepared: Any) -> Answer:
        update = Update.de_json(json.loads(payload), self.application.bot)
        if update.callback_query is not None:
            return self._decide_press(session, update.callback_query)
        message = update.message
        if message is None or message.text is None or message.from_user is None:
            return Answer()
        return Answer(message.chat_id, self._decide_text(session, message))

    def _decide_text(self, session: Session, message: Message) -> Reply | None:
        text, user = message.text or "", message.from_user
        assert user is not None
        private = message.chat.type == ChatType.PRIVATE
        if not private and not self._addressed_to_me(text):
            return None  # in groups, only commands addressed to this bot
        word, args = split_command_line(text)
        spec = find_command(word)
        language = user.language_code
        if word == "start":
            if not private:  # an invite code is personal: never redeemed in a group
                return self._in_private(language, "telegram_start_in_private")
            return self._start(session, str(user.id), args, language)
        if not private and (spec is None or spec.key not in GROUP_COMMANDS):
            return self._in_private(language, "telegram_private_please")
        person = person_by_account(session, PLATFORM, str(user.id))
        if person is None:
            return Reply.from_markup(Texts(language).render("telegram_unknown"))
        if text.startswith("/"):
            command = command_from_text(
                person.id or 0, text, PLATFORM, self.settings.public_url, link_key(self.settings)
            )
            return handle(session, command)
        return handle(session, plain_message(person.id or 0, text, PLATFORM))

    def _decide_press(self, session: Session, query: CallbackQuery) -> Answer:
        user = query.from_user
        person = person_by_account(session, PLATFORM, str(user.id))
        if person is None:
            unknown = Reply.from_markup(Texts(user.language_code).render("telegram_unknown"))
            reply = Reply(unknown.blocks, refused=True)
        else:
            reply = press(session, person.id or 0, query.data or "", PLATFORM)
        message = query.message
        chat_id = message.chat.id if isinstance(message, Message) else None
        return Answer(chat_id, reply, pressed=True)

    def _addressed_to_me(self, text: str) -> bool:
        username = self.application.bot.username.lower() if self.application.bot.username else ""
        first = text.split(maxsplit=1)[0].lower() if text.strip() else ""
        return first.startswith("/") and username != "" and first.endswith(f"@{username}")

    def _in_private(self, language: str | None, template: str) -> Reply:
        return Reply.from_markup(
            Texts(language).render(template, bot=self.application.bot.username)
        )

    def _start(self, session: Session, telegram_id: str, code: str, language: str | None) -> Reply:
        """`/start <code>` from a deep link; `/start` alone explains how to get one."""
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

    # ------------------------------------------------------------ replies (after) --
    async def _deliver(self, payload: str, answer: Answer) -> None:
        if answer.reply is None:
            return
        if not answer.pressed:
            if answer.chat_id is not None:
                await self.send(answer.chat_id, answer.reply)
            return
        query = Update.de_json(json.loads(payload), self.application.bot).callback_query
        assert query is not None
        await self._answer_press(query, answer.reply)

    async def _answer_press(self, query: CallbackQuery, reply: Reply) -> None:
        """A refusal or an out-of-date button is told privately and leaves the message as
        it was; an accepted press marks the message with the choice and answers below it."""
        private = reply.stale or reply.refused
        await query.answer(first_line(reply)[:190] if private else None, show_alert=private)
        message = query.message
        if private or not isinstance(message, Message):
            return
        label = label_of(message, query.data or "")
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
                await self.application.bot.send_photo(chat_id, photo=as_image(part.photo).png)
            if part.text:
                await self.application.bot.send_message(
                    chat_id,
                    part.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=telegram_keyboard(part),
                    disable_web_page_preview=True,
                )


def _budget(engine: Engine, settings: Settings) -> SharedBudget:
    return SharedBudget(engine, {PLATFORM: settings.telegram_messages_per_second})


def _json(status: int, error: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": error}, status_code=status)


def telegram_lifespan(adapter: TelegramAdapter) -> Callable[[Any], Any]:
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        await adapter.start()
        try:
            yield
        finally:
            await adapter.stop()

    return lifespan
