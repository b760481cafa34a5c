"""The Slack adapter: Bolt for Python (AsyncApp) in, neutral commands to the core, Block Kit out.

It only translates. `/alliance <command>` is acknowledged at once and answered by a lazy
listener through `respond` (ephemeral: answers are personal); buttons become presses; a
command that opens a form (the core says which: `opens_form`) opens it as a modal at once,
because its trigger id lives three seconds; a submitted modal becomes a `Submission` whose
problems come back inline; the App Home shows the core's home page. Bolt verifies every
request's signature (401 when forged or older than five minutes, nothing executed); Slack's
retries of a request are acknowledged and not executed again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from bot.adapters.slack_home import HomeTab
from bot.adapters.web import Lifespan
from bot.core.dispatch import command_from_text, handle, open_form, opens_form, press, submit
from bot.core.kernel import (
    Form,
    Outcome,
    Reply,
    Submission,
    Texts,
    link_by_email,
    person_by_account,
)
from bot.db import session_scope
from bot.render.plain import render_plain
from bot.render.slack import render_slack
from bot.render.slack_forms import render_done, render_form
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "slack"
SLASH = "/alliance"
AGREEMENT_SHORTCUT = "make_agreement"  # the message shortcut in slack-manifest.yaml
SHORTCUT_COMMAND = "agreements new"  # what the shortcut does, as if typed
Respond = Callable[..., Awaitable[Any]]
Ack = Callable[..., Awaitable[None]]


class SlackAdapter:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        assert settings.slack_bot_token is not None
        self.engine = engine
        # Answers are computed one at a time: acks (Slack's three seconds) share the process
        # with them, and several answers in threads at once starve the acks of the GIL.
        self._answering = asyncio.Semaphore(1)
        self.home = HomeTab(engine, settings)
        client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
        )
        secret = settings.slack_signing_secret
        self.app = AsyncApp(
            client=client,
            signing_secret=secret.get_secret_value() if secret else None,
            # Socket Mode has no signatures to check; over HTTP the secret is required
            request_verification_enabled=secret is not None,
        )
        self.app.middleware(self._skip_retries)
        self.app.command(SLASH, matchers=[_opens_a_form])(self._open_form_by_command)
        self.app.command(SLASH)(ack=self._ack, lazy=[self._run_command])
        self.app.action(re.compile(".+"))(ack=self._ack, lazy=[self._run_action])
        self.app.event("app_home_opened")(self._home_opened)
        self.app.shortcut(AGREEMENT_SHORTCUT)(self._open_form_by_shortcut)
        self.app.view(re.compile(".+"))(self._submitted)
        self.handler = AsyncSlackRequestHandler(self.app)

    def routes(self) -> list[Route]:
        async def events(request: Any) -> Any:
            return await self.handler.handle(request)

        return [Route("/slack/events", events, methods=["POST"]), *self.home.routes()]

    # ----------------------------------------------------------------- middleware --
    @staticmethod
    async def _skip_retries(
        req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """Slack retries a request it thinks we missed; the first one was handled already."""
        if req.headers.get("x-slack-retry-num"):
            return BoltResponse(status=200, body="")
        return await next()

    @staticmethod
    async def _ack(ack: Ack) -> None:
        await ack()

    # ------------------------------------------------------------------- identity --
    async def _person_id(self, user_id: str) -> int | None:
        """By the `slack` id from the alliance file, else by the e-mail Slack knows."""
        found = await run_in_threadpool(self._find_person, user_id, None)
        if found is not None:
            return found
        try:
            info = await self.app.client.users_info(user=user_id)
        except SlackApiError:
            return None
        email = ((info.get("user") or {}).get("profile") or {}).get("email")
        if not email:
            return None
        return await run_in_threadpool(self._find_person, user_id, str(email))

    def _find_person(self, user_id: str, email: str | None) -> int | None:
        with session_scope(self.engine) as session:
            person = person_by_account(session, PLATFORM, user_id)
            if person is None and email is not None:
                person = link_by_email(session, PLATFORM, user_id, email)
            return person.id if person else None

    # ------------------------------------------------------------- slash command --
    async def _run_command(self, command: dict[str, Any], respond: Respond) -> None:
        person_id = await self._person_id(str(command.get("user_id")))
        await self._answer(person_id, str(command.get("text", "")).strip() or "help", respond)

    async def _answer(self, person_id: int | None, text: str, respond: Respond) -> None:
        if person_id is None:
            reply = Reply.from_markup(Texts(None).render("slack_unknown"))
        else:
            async with self._answering:
                reply = await run_in_threadpool(self._handle, person_id, text)
        await self._respond(respond, reply)

    def _handle(self, person_id: int, text: str) -> Reply:
        with session_scope(self.engine) as session:
            return handle(session, command_from_text(person_id, text, PLATFORM))

    @staticmethod
    async def _respond(respond: Respond, reply: Reply) -> None:
        for message in render_slack(reply):
            await respond(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral" if reply.ephemeral else "in_channel",
                replace_original=False,
            )

    # ------------------------------------------------------------------- buttons --
    async def _run_action(
        self, body: dict[str, Any], respond: Respond, client: AsyncWebClient
    ) -> None:
        actions = body.get("actions") or [{}]
        value = str(actions[0].get("value", ""))
        user_id = str((body.get("user") or {}).get("id"))
        person_id = await self._person_id(user_id)
        if person_id is None:
            reply = Reply.from_markup(Texts(None).render("slack_unknown"))
        else:
            async with self._answering:
                reply = await run_in_threadpool(self._press, person_id, value)
        await self._respond(respond, reply)
        if person_id is not None and not reply.stale:
            await self.home.publish(client, user_id, person_id)

    def _press(self, person_id: int, value: str) -> Reply:
        with session_scope(self.engine) as session:
            return press(session, person_id, value, PLATFORM)

    async def _home_opened(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user"))
        await self.home.publish(client, user_id, await self._person_id(user_id), quiet=False)

    # ---------------------------------------------------------------------- forms --
    async def _open_form_by_command(
        self, ack: Ack, command: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        """Before the ack's response, not lazily: the trigger id lives three seconds."""
        await ack()
        await self._open_form(command, str(command.get("text", "")), "", client, respond)

    async def _open_form_by_shortcut(
        self, ack: Ack, body: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        """The message shortcut: a new agreement, pre-filled with the message's words."""
        await ack()
        said = str((body.get("message") or {}).get("text", ""))
        await self._open_form(body, SHORTCUT_COMMAND, said, client, respond)

    async def _open_form(
        self,
        body: dict[str, Any],
        text: str,
        prefill: str,
        client: AsyncWebClient,
        respond: Respond,
    ) -> None:
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        person_id = await self._person_id(str(user))
        if person_id is None:
            await self._respond(respond, Reply.from_markup(Texts(None).render("slack_unknown")))
            return
        opened = await run_in_threadpool(self._form, person_id, text, prefill)
        if isinstance(opened, Form):
            await client.views_open(trigger_id=body["trigger_id"], view=render_form(opened))
        else:
            await self._respond(respond, opened)

    def _form(self, person_id: int, text: str, prefill: str) -> Form | Reply:
        with session_scope(self.engine) as session:
            return open_form(session, person_id, text, PLATFORM, prefill)

    async def _submitted(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A modal's submission: problems inline (the form stays open, nothing is kept), or
        the view it turns into, or closed."""
        person_id = await self._person_id(str((body.get("user") or {}).get("id")))
        submission = Submission(
            person_id or 0, str(view.get("callback_id", "")), _values(view), PLATFORM
        )
        outcome = await run_in_threadpool(self._submit, submission)
        if outcome.errors:
            errors = {k: _plain(markup) for k, markup in outcome.errors.items()}
            await ack(response_action="errors", errors=errors)
        elif outcome.done is not None:
            close = Texts(None).gettext("Close")
            await ack(
                response_action="update", view=render_done(outcome.done_title, outcome.done, close)
            )
        else:
            await ack()

    def _submit(self, submission: Submission) -> Outcome:
        with session_scope(self.engine) as session:
            return submit(session, submission)


async def _opens_a_form(command: dict[str, Any]) -> bool:
    return opens_form(str(command.get("text", "")))


def _values(view: dict[str, Any]) -> dict[str, str]:
    """Every input of a submitted modal by block id, whatever element it was."""
    state = view.get("state", {}).get("values", {})
    return {block: _value(inputs.get("value")) for block, inputs in state.items()}


def _value(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    if value.get("selected_option"):
        return str(value["selected_option"].get("value") or "")
    if value.get("selected_options"):
        return ",".join(str(o.get("value") or "") for o in value["selected_options"])
    return str(value.get("value") or value.get("selected_date") or "")


def _plain(markup: str) -> str:
    return render_plain(Reply.from_markup(markup))[:2000]


def slack_lifespan(adapter: SlackAdapter, app_token: str) -> Lifespan:
    """Socket Mode: Slack connects to us over a websocket; no public URL needed."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        handler = AsyncSocketModeHandler(adapter.app, app_token)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        try:
            yield
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]

    return lifespan
