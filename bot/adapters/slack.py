"""The Slack adapter: Bolt for Python (AsyncApp) in, neutral commands to the core, Block Kit out.

It only translates. `/alliance <command>` is acknowledged at once and answered by a lazy
listener through `respond` (ephemeral: answers are personal); buttons become presses; the
App Home shows the adviser's dashboard; a bare `/alliance propose` opens a modal whose
problems come back inline. Bolt verifies every request's signature (401 when forged or
older than five minutes, nothing executed); Slack's retries of a request are acknowledged
and not executed again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.adapters.slack_home import chart_png, chart_signature, home_view
from bot.adapters.slack_views import (
    AGREEMENT_MODAL,
    SNIPPET_MODAL,
    agreement_view,
    done_view,
    modal,
    snippet_view,
    submitted,
    text_input,
)
from bot.adapters.web import Lifespan
from bot.core.alliance import get_alliance
from bot.core.dispatch import command_from_text, handle, press
from bot.core.followup import EntryError, NewAgreement, register_agreement
from bot.core.house import (
    FormatError,
    ProposalError,
    current_version,
    format_house,
    parse_proposal,
    submit_proposal,
    version_content,
)
from bot.core.kernel import (
    Alliance,
    Identity,
    Partner,
    Person,
    Region,
    Reply,
    Texts,
    language_of,
    person_by_account,
    utcnow,
)
from bot.core.toolkit import (
    AGENDA_LABELS,
    KIND_LABELS,
    Draft,
    DraftError,
    compose_snippet,
    current_house,
)
from bot.db import session_scope
from bot.render.plain import render_plain
from bot.render.slack import render_slack
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "slack"
SLASH = "/alliance"
PROPOSE_MODAL = "propose_house"
AGREEMENT_SHORTCUT = "make_agreement"
DEFAULT_DUE = timedelta(days=14)
# A modal's work: (session, person, alliance, texts, values) -> {"errors": …} or {"view": …}
Submission = Callable[[Session, Person, Alliance, Texts, dict[str, str]], dict[str, Any]]
MAX_HOME_BLOCKS = 100


class SlackAdapter:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        assert settings.slack_bot_token is not None
        self.engine = engine
        # Answers are computed one at a time: acks (Slack's three seconds) share the process
        # with them, and several answers in threads at once starve the acks of the GIL.
        self._answering = asyncio.Semaphore(1)
        self.public_url = settings.public_url
        # the chart address's key: derived from a secret Slack and we share, never logged
        seed = settings.slack_signing_secret or settings.slack_bot_token
        self.chart_key = hashlib.sha256(b"chart:" + seed.get_secret_value().encode()).digest()
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
        self.app.command(SLASH, matchers=[_bare_propose])(self._open_propose_modal)
        self.app.command(SLASH, matchers=[_bare_new_agreement])(self._open_agreement_modal)
        self.app.command(SLASH, matchers=[_bare_new_snippet])(self._open_snippet_modal)
        self.app.command(SLASH)(ack=self._ack, lazy=[self._run_command])
        self.app.action(re.compile(".+"))(ack=self._ack, lazy=[self._run_action])
        self.app.event("app_home_opened")(self._home_opened)
        self.app.view(PROPOSE_MODAL)(self._propose_submitted)
        self.app.shortcut(AGREEMENT_SHORTCUT)(self._open_agreement_modal)
        agreement_fields = ("text", "partner", "due", "region", "source")
        snippet_fields = ("title", "kind", "agenda", "lead_days", "pillar", "language", "body")
        self.app.view(AGREEMENT_MODAL)(
            self._view_submission(agreement_fields, self._register_agreement)
        )
        self.app.view(SNIPPET_MODAL)(self._view_submission(snippet_fields, self._compose_snippet))
        self.handler = AsyncSlackRequestHandler(self.app)

    def routes(self) -> list[Route]:
        async def events(request: Request) -> Response:
            return await self.handler.handle(request)

        async def chart(request: Request) -> Response:
            png = await run_in_threadpool(self._chart, str(request.path_params["name"]))
            if png is None:
                return Response("not found", status_code=404, media_type="text/plain")
            return Response(png, media_type="image/png", headers={"Cache-Control": "private"})

        return [
            Route("/slack/events", events, methods=["POST"]),
            Route("/slack/charts/{name}", chart, methods=["GET"]),
        ]

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
    async def _ack(ack: Callable[..., Awaitable[None]]) -> None:
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
            if person is not None or email is None:
                return person.id if person else None
            match = session.exec(
                select(Person).where(func.lower(Person.email) == email.lower(), col(Person.active))
            ).first()
            if match is None:
                return None
            session.add(Identity(person_id=match.id or 0, platform=PLATFORM, external_id=user_id))
            return match.id

    # ------------------------------------------------------------- slash command --
    async def _open_propose_modal(
        self,
        ack: Callable[..., Awaitable[None]],
        command: dict[str, Any],
        client: AsyncWebClient,
        respond: Callable[..., Awaitable[Any]],
    ) -> None:
        """A bare `propose` opens the modal at once: its trigger id lives three seconds."""
        await ack()
        person_id = await self._person_id(str(command.get("user_id")))
        view = await run_in_threadpool(self._propose_view, person_id) if person_id else None
        if view is not None:
            await client.views_open(trigger_id=command["trigger_id"], view=view)
        else:
            await self._answer(person_id, str(command.get("text", "")), respond)

    async def _run_command(
        self, command: dict[str, Any], respond: Callable[..., Awaitable[Any]]
    ) -> None:
        person_id = await self._person_id(str(command.get("user_id")))
        await self._answer(person_id, str(command.get("text", "")).strip() or "help", respond)

    async def _answer(
        self, person_id: int | None, text: str, respond: Callable[..., Awaitable[Any]]
    ) -> None:
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
    async def _respond(respond: Callable[..., Awaitable[Any]], reply: Reply) -> None:
        for message in render_slack(reply):
            await respond(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral" if reply.ephemeral else "in_channel",
                replace_original=False,
            )

    # ------------------------------------------------------------------- buttons --
    async def _run_action(
        self,
        body: dict[str, Any],
        respond: Callable[..., Awaitable[Any]],
        client: AsyncWebClient,
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
            await self._publish_home(client, user_id, person_id)

    async def _publish_home(self, client: AsyncWebClient, user_id: str, person_id: int) -> None:
        """Something changed through this person: their Home tab shows it at once."""
        view = await run_in_threadpool(self._home_view, person_id)
        try:
            await client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:  # a Home tab not opened yet, for example
            log.info("home not refreshed: %s", error.response.get("error"))

    def _press(self, person_id: int, value: str) -> Reply:
        with session_scope(self.engine) as session:
            return press(session, person_id, value, PLATFORM)

    # ------------------------------------------------------------------- App Home --
    async def _home_opened(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user"))
        person_id = await self._person_id(user_id)
        view = await run_in_threadpool(self._home_view, person_id)
        await client.views_publish(user_id=user_id, view=view)

    def _home_view(self, person_id: int | None) -> dict[str, Any]:
        with session_scope(self.engine) as session:
            person = session.get(Person, person_id) if person_id else None
            return home_view(session, person, self._chart_url)

    def _chart_url(self, round_id: int) -> str | None:
        """Only where Slack can fetch it: an https address of this app."""
        if not self.public_url.startswith("https://"):
            return None
        signature = chart_signature(self.chart_key, round_id)
        return f"{self.public_url.rstrip('/')}/slack/charts/{round_id}-{signature}.png"

    def _chart(self, name: str) -> bytes | None:
        round_id, _dash, signature = name.removesuffix(".png").partition("-")
        if not round_id.isdigit() or not hmac.compare_digest(
            signature, chart_signature(self.chart_key, int(round_id))
        ):
            return None
        with session_scope(self.engine) as session:
            return chart_png(session, get_alliance(session))

    # --------------------------------------------------------------- propose modal --
    def _propose_view(self, person_id: int) -> dict[str, Any] | None:
        """The modal, pre-filled with the current house in the editable line format."""
        with session_scope(self.engine) as session:
            person = session.get(Person, person_id)
            if person is None or "adviser" not in person.role_set:
                return None
            alliance = get_alliance(session)
            texts = Texts(language_of(person, alliance))
            version = current_version(session, alliance.id or 0)
            if version is None:
                return None
            current = format_house(version_content(session, version), texts.language)
        blocks = [
            text_input("reason", texts.gettext("Why this change?"), multiline=False),
            text_input("house", texts.gettext("The message house"), initial=current[:3000]),
        ]
        return modal(
            texts,
            PROPOSE_MODAL,
            texts.gettext("Propose a change"),
            texts.gettext("Propose"),
            blocks,
        )

    async def _propose_submitted(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        values = view.get("state", {}).get("values", {})
        reason = str(values.get("reason", {}).get("value", {}).get("value") or "")
        lines = str(values.get("house", {}).get("value", {}).get("value") or "")
        person_id = await self._person_id(str((body.get("user") or {}).get("id")))
        errors = await run_in_threadpool(self._submit_proposal, person_id, reason, lines)
        if errors:
            await ack(response_action="errors", errors=errors)
        else:
            await ack()

    def _submit_proposal(self, person_id: int | None, reason: str, lines: str) -> dict[str, str]:
        """Errors by input block, in the person's language; empty when the proposal is open."""
        with session_scope(self.engine) as session:
            person = session.get(Person, person_id) if person_id else None
            if person is None:
                return {"reason": Texts(None).gettext("I don't know you yet.")}
            alliance = get_alliance(session)
            texts = Texts(language_of(person, alliance))
            try:
                parsed = parse_proposal(lines)
                version = current_version(session, alliance.id or 0)
                content = parsed.content(version_content(session, version) if version else None)
                submit_proposal(session, alliance, person, content, reason, replace=False)
            except FormatError as error:
                return {"house": _plain(texts, "house_error", code=error.code, line=error.line)}
            except ProposalError as error:
                block = "reason" if error.code == "no_reason" else "house"
                return {
                    block: _plain(texts, "house_error", code=error.code, line="", **error.details)
                }
        return {}

    # ------------------------------------------------------------- agreement modal --
    async def _open_agreement_modal(
        self,
        ack: Callable[..., Awaitable[None]],
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: Callable[..., Awaitable[Any]],
    ) -> None:
        """The message shortcut (pre-filled with the message) or a bare `agreements new`."""
        text = str((body.get("message") or {}).get("text", ""))
        await self._open_modal(
            ack, body, client, respond, lambda person_id: self._agreement_view(person_id, text)
        )

    async def _open_modal(
        self,
        ack: Callable[..., Awaitable[None]],
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: Callable[..., Awaitable[Any]],
        build: Callable[[int | None], dict[str, Any] | Reply],
    ) -> None:
        """Ack, then open the view `build` makes — or answer with its refusal (a Reply).
        The trigger id lives three seconds, so this runs before the ack's response, not lazily."""
        await ack()
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        person_id = await self._person_id(str(user))
        opened = await run_in_threadpool(build, person_id)
        if isinstance(opened, Reply):
            await self._respond(respond, opened)
        else:
            await client.views_open(trigger_id=body["trigger_id"], view=opened)

    def _agreement_view(self, person_id: int | None, text: str) -> dict[str, Any] | Reply:
        with session_scope(self.engine) as session:
            person = session.get(Person, person_id) if person_id else None
            if person is None:
                return Reply.from_markup(Texts(None).render("slack_unknown"))
            alliance = get_alliance(session)
            texts = Texts(language_of(person, alliance))
            if "adviser" not in person.role_set:
                return Reply.from_markup(texts.render("agreements_new_adviser_only"))
            partners = session.exec(
                select(Partner)
                .where(Partner.alliance_id == alliance.id, col(Partner.active))
                .order_by(col(Partner.name))
            ).all()
            regions = session.exec(
                select(Region)
                .where(Region.alliance_id == alliance.id, col(Region.active))
                .order_by(col(Region.name))
            ).all()
            return agreement_view(
                texts,
                [(p.key, p.name) for p in partners],
                [(r.key, r.name) for r in regions],
                text,
                utcnow().date() + DEFAULT_DUE,
            )

    def _view_submission(self, fields: tuple[str, ...], work: Submission) -> Callable[..., Any]:
        """A modal's submit handler: read `fields`, let `work` answer with errors by input
        block or the view the modal turns into. Nothing is lost: errors keep the form open."""

        async def handler(
            ack: Callable[..., Awaitable[None]], body: dict[str, Any], view: dict[str, Any]
        ) -> None:
            person_id = await self._person_id(str((body.get("user") or {}).get("id")))
            values = {k: submitted(view, k) for k in fields}
            outcome = await run_in_threadpool(self._submit, person_id, fields[0], work, values)
            if "errors" in outcome:
                await ack(response_action="errors", errors=outcome["errors"])
            else:
                await ack(response_action="update", view=outcome["view"])

        return handler

    def _submit(
        self, person_id: int | None, first: str, work: Submission, values: dict[str, str]
    ) -> dict[str, Any]:
        with session_scope(self.engine) as session:
            person = session.get(Person, person_id) if person_id else None
            if person is None:
                return {"errors": {first: Texts(None).gettext("I don't know you yet.")}}
            alliance = get_alliance(session)
            texts = Texts(language_of(person, alliance))
            return work(session, person, alliance, texts, values)

    @staticmethod
    def _register_agreement(
        session: Session, person: Person, alliance: Alliance, texts: Texts, values: dict[str, str]
    ) -> dict[str, Any]:
        """Errors by input block, or the confirmation view; one core function registers."""
        try:
            due = date.fromisoformat(values["due"])
        except ValueError:
            return {"errors": {"due": texts.gettext("Pick a due date.")}}
        new = NewAgreement(
            values["text"],
            values["partner"],
            due,
            region=values["region"] or None,
            source=values["source"].strip()[:200] or "slack",
        )
        try:
            agreement = register_agreement(session, alliance, person, new, utcnow().date())
        except EntryError as error:
            message = _plain(texts, "agreements_entry_error", error=error, partners=[])
            return {"errors": {error.field: message}}
        partner = session.get(Partner, agreement.owner_partner_id)
        message = _plain(texts, "agreements_new_done", agreement=agreement, partner=partner)
        return {"view": done_view(texts, texts.gettext("Agreement registered"), message)}

    # ------------------------------------------------------------- snippet modal --
    async def _open_snippet_modal(
        self,
        ack: Callable[..., Awaitable[None]],
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: Callable[..., Awaitable[Any]],
    ) -> None:
        await self._open_modal(ack, body, client, respond, self._snippet_view)

    def _snippet_view(self, person_id: int | None) -> dict[str, Any] | Reply:
        with session_scope(self.engine) as session:
            person = session.get(Person, person_id) if person_id else None
            if person is None:
                return Reply.from_markup(Texts(None).render("slack_unknown"))
            alliance = get_alliance(session)
            texts = Texts(language_of(person, alliance))
            if "adviser" not in person.role_set:
                return Reply.from_markup(
                    f"<p>{texts.gettext('Only advisers compose toolkit snippets.')}</p>"
                )
            house = current_house(session, alliance)
            return snippet_view(
                texts,
                [(k, texts.gettext(v)) for k, v in KIND_LABELS.items()],
                [(k, texts.gettext(v)) for k, v in AGENDA_LABELS.items()],
                [(str(n), f"{n}. {p.title}") for n, p in enumerate(house.pillars, start=1)],
                texts.language,
            )

    @staticmethod
    def _compose_snippet(
        session: Session, person: Person, alliance: Alliance, texts: Texts, values: dict[str, str]
    ) -> dict[str, Any]:
        draft = Draft(
            title=values["title"],
            kind=values["kind"],
            agenda_kinds=tuple(k for k in values["agenda"].split(",") if k),
            lead_days=values["lead_days"],
            body=values["body"],
            language=values["language"] or texts.language,
            pillar=int(values["pillar"]) if values["pillar"].isdigit() else None,
        )
        try:
            row = compose_snippet(session, alliance, person, draft, texts)
        except DraftError as error:
            return {"errors": {error.field: str(error)[:2000]}}
        message = texts.gettext(
            'Saved "%(title)s". It is sent to partners before their %(moments)s,'
            " %(days)s days ahead."
        ) % {
            "title": row.title,
            "moments": ", ".join(texts.gettext(AGENDA_LABELS[k]) for k in draft.agenda_kinds),
            "days": row.days_before,
        }
        return {"view": done_view(texts, texts.gettext("Snippet saved"), message)}


async def _bare_propose(command: dict[str, Any]) -> bool:
    return str(command.get("text", "")).strip().lower() in ("propose", "voorstel")


async def _bare_new_agreement(command: dict[str, Any]) -> bool:
    words = str(command.get("text", "")).strip().lower().split()
    return words in (["agreements", "new"], ["afspraken", "nieuw"])


async def _bare_new_snippet(command: dict[str, Any]) -> bool:
    words = str(command.get("text", "")).strip().lower().split()
    return words in (["toolkit", "new"], ["toolkit", "nieuw"])


def _plain(texts: Texts, template: str, **values: Any) -> str:
    markup = texts.render(template, cmd=lambda key: f"{SLASH} {key}", **values)
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
