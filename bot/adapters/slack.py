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

import hashlib
import json
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
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from bot.adapters.inbound import Handling, Inbound, NotStored
from bot.adapters.link_key import link_key
from bot.adapters.slack_guard import guarded
from bot.adapters.slack_home import HomeTab
from bot.adapters.slack_inbound import ACTION, COMMAND, HOME, Request, stored_request
from bot.adapters.web import Lifespan
from bot.core.dispatch import command_from_text, handle, open_form, opens_form, press, submit
from bot.core.inbox import finish, receive
from bot.core.kernel import (
    Form,
    Outcome,
    Platform,
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

PLATFORM = Platform.SLACK
SLASH = "/alliance"
AGREEMENT_SHORTCUT = "make_agreement"  # the message shortcut in slack-manifest.yaml
SHORTCUT_COMMAND = "agreements new"  # what the shortcut does, as if typed
Respond = Callable[..., Awaitable[Any]]
Result = Reply | dict[str, Any]  # an answer, or a Home tab to publish
Ack = Callable[..., Awaitable[None]]


class SlackAdapter:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        assert settings.slack_bot_token is not None
        self.engine = engine
        self.home = HomeTab(engine, settings)
        self.public_url = settings.public_url
        self.link_key = link_key(settings)
        # Handling shares the process (and the GIL) with the acks Slack wants within three
        # seconds: a few at a time keeps the acks quick under a burst.
        self.inbound: Inbound[Result] = Inbound(
            engine,
            PLATFORM,
            Handling(decide=self._decide, deliver=self._deliver, prepare=self._prepare),
            concurrency=max(1, settings.inbound_concurrency // 4),
            receivers=settings.inbound_receivers,
        )
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
        self.app.middleware(self._store_first)
        self.app.command(SLASH, matchers=[_opens_a_form])(self._open_form_by_command)
        self.app.shortcut(AGREEMENT_SHORTCUT)(self._open_form_by_shortcut)
        self.app.view(re.compile(".+"))(self._submitted)
        self.app.event(re.compile(".+"))(self._ignore)  # events we did not ask for: a 200
        self.handler = AsyncSlackRequestHandler(self.app)
        self.secret = secret.get_secret_value() if secret else None

    def routes(self) -> list[Route]:
        async def events(request: Any) -> Any:
            return await guarded(request, self.secret, self.handler.handle)

        return [Route("/slack/events", events, methods=["POST"]), *self.home.routes()]

    async def start(self) -> None:
        await self.inbound.start()

    async def stop(self) -> None:
        await self.inbound.stop()

    # ----------------------------------------------------------------- middleware --
    async def _store_first(
        self, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """Commands, presses and the Home tab opening: stored, then acknowledged (a
        redelivery or one of Slack's retries of something stored changes nothing; what could
        not be stored gets 503, and Slack tries the event again or tells the person)."""
        stored = stored_request(req.body)
        if stored is None:
            return await next()
        key, request = stored
        try:
            await self.inbound.accept(key, request.to_json())
        except NotStored:
            return BoltResponse(status=503, body="")
        return BoltResponse(status=200, body="")

    @staticmethod
    async def _ignore(ack: Ack) -> None:
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

    # -------------------------------------------------- handling (in the background) --
    async def _prepare(self, payload: str) -> int | None:
        return await self._person_id(Request.from_json(payload).user)

    def _decide(self, session: Session, payload: str, person_id: int | None) -> Result:
        request = Request.from_json(payload)
        if request.kind == HOME:
            return self.home.view_in(session, person_id)
        if person_id is None:
            unknown = Reply.from_markup(Texts(None).render("slack_unknown"))
            return Reply(unknown.blocks, refused=request.kind == ACTION)
        if request.kind == COMMAND:
            command = command_from_text(
                person_id, request.text.strip() or "help", PLATFORM, self.public_url, self.link_key
            )
            return handle(session, command)
        return press(session, person_id, request.text, PLATFORM)

    async def _deliver(self, payload: str, result: Result) -> None:
        request = Request.from_json(payload)
        if isinstance(result, dict):
            await self.app.client.views_publish(user_id=request.user, view=result)
            return
        await _respond(request.response_url, result)
        if request.kind == ACTION and not (result.stale or result.refused):
            person_id = await self._person_id(request.user)
            await self.home.publish(self.app.client, request.user, person_id)

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
            await _send(respond, Reply.from_markup(Texts(None).render("slack_unknown")))
            return
        opened = await run_in_threadpool(self._form, person_id, text, prefill)
        if isinstance(opened, Form):
            await client.views_open(trigger_id=body["trigger_id"], view=render_form(opened))
        else:
            await _send(respond, opened)

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
        values = json.dumps(submission.values, sort_keys=True)
        digest = hashlib.sha256(values.encode()).hexdigest()[:32]
        key = f"view:{body.get('trigger_id') or view.get('id')}:{digest}"
        outcome = await run_in_threadpool(self._submit, key, submission)
        if outcome is None:  # the same submission again: it was taken the first time
            await ack()
        elif outcome.errors:
            errors = {k: _plain(markup) for k, markup in outcome.errors.items()}
            await ack(response_action="errors", errors=errors)
        elif outcome.done is not None:
            close = Texts(None).gettext("Close")
            await ack(
                response_action="update", view=render_done(outcome.done_title, outcome.done, close)
            )
        else:
            await ack()

    def _submit(self, key: str, submission: Submission) -> Outcome | None:
        """Once per submission: recorded in the inbox with its effect, in one transaction."""
        with session_scope(self.engine) as session:
            inbound_id = receive(session, PLATFORM, key, json.dumps(submission.values))
            if inbound_id is None:
                return None
            outcome = submit(session, submission)
            finish(session, inbound_id)
            return outcome


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


async def _send(respond: Respond, reply: Reply) -> None:
    for message in render_slack(reply):
        await respond(
            text=message.text,
            blocks=message.blocks,
            response_type="ephemeral" if reply.ephemeral else "in_channel",
            replace_original=False,
        )


async def _respond(response_url: str, reply: Reply) -> None:
    """The answer to a stored command or press, through the request's `response_url`."""
    if not response_url.startswith("https://") and not response_url.startswith("http://"):
        return
    await _send(AsyncWebhookClient(response_url).send, reply)


def _plain(markup: str) -> str:
    return render_plain(Reply.from_markup(markup))[:2000]


def slack_lifespan(adapter: SlackAdapter, app_token: str | None = None) -> Lifespan:
    """The inbox's retries run with the server; with an `xapp-` token, Socket Mode: Slack
    connects to us over a websocket and no public URL is needed."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await adapter.start()
        handler = AsyncSocketModeHandler(adapter.app, app_token) if app_token else None
        if handler is not None:
            await handler.connect_async()  # type: ignore[no-untyped-call]
        try:
            yield
        finally:
            if handler is not None:
                await handler.close_async()  # type: ignore[no-untyped-call]
            await adapter.stop()

    return lifespan
