"""E-mail through a real SMTP server (aiosmtpd): the message as received, and what the
server's answers do to the outbox (a 550 marks the address, a 4xx is retried, a server
that is down loses nothing)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.adapters.mail import SmtpConfig
from bot.adapters.web import create_web_app
from bot.core.agenda.models import AgendaItem
from bot.core.alliance.load import get_alliance
from bot.core.kernel.models import Identity, Person, utcnow
from bot.core.kernel.people import person_by_key
from bot.core.mail import ActionLink, LinkKind, LinkSpec, link_token
from bot.core.outbox.models import Delivery
from bot.core.outbox.planning import Plan, plan_delivery
from bot.core.toolkit.models import ToolkitFeedback
from bot.db import session_scope
from tests.fakes.mail import (
    KEY,
    MOMENT_TITLE,
    PUBLIC,
    delivery,
    mail_alliance,
    mail_options,
    plan_petras_snippet,
    send_mail,
)
from tests.fakes.smtp import SmtpServer, free_port

PETRA = "petra@example.org"
QUINTEN = "quinten@example.org"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def _notice(engine: Engine, person: str, key: str) -> str:
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        who = person_by_key(session, alliance.id or 0, person)
        plan = Plan(key, "notice", f"<p>Notice {key}</p>", utcnow(), who)
        return plan_delivery(session, alliance, plan).outcome


def _post(engine: Engine, url: str, body: bytes = b"") -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_web_app(engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            return await client.post(url.removeprefix(PUBLIC), content=body, headers=headers)

    return asyncio.run(go())


def test_a_partner_contact_with_only_email_gets_the_toolkit_text_as_received(
    sqlite_engine: Engine, smtp: SmtpServer
) -> None:
    mail_alliance(sqlite_engine, language="en")
    delivery_id = plan_petras_snippet(sqlite_engine)

    worker = send_mail(sqlite_engine, smtp.url)

    assert worker.stats["sent"] == 1
    [received] = smtp.to(PETRA)
    message = received.message
    assert message["To"] == PETRA
    assert message["From"] == "alliance@example.org"
    assert message["Reply-To"] == "team@example.org"
    assert message["Subject"].startswith("Alliantie Langer Thuis Rivierenland: Ready to use")
    assert message["Content-Language"] == "en"
    unsubscribe = message["List-Unsubscribe"]
    assert re.fullmatch(rf"<{PUBLIC}/mail/[A-Za-z0-9_\-]+>", unsubscribe)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = alternative.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    for body in (text.get_content(), html.get_content()):
        assert "Ready to use" in body and "Used it" in body  # English, with its choices
        assert "No more e-mail" in body
        assert f"{PUBLIC}/toolkit/" in body  # the partner's toolkit page
    assert '<html lang="en">' in html.get_content()
    assert "<img" not in html.get_content() and "<script" not in html.get_content()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "moment.ics"
    [event] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    with Session(sqlite_engine) as session:
        item = session.exec(select(AgendaItem)).one()
        sent = session.get(Delivery, delivery_id)
        assert sent is not None and sent.status == "sent"
        assert sent.platform_message_id == message["Message-ID"]
    assert str(event["SUMMARY"]) == MOMENT_TITLE
    assert event.decoded("DTSTART") == item.starts_at


def test_dutch_readers_get_dutch_email(sqlite_engine: Engine, smtp: SmtpServer) -> None:
    mail_alliance(sqlite_engine, language="nl")
    plan_petras_snippet(sqlite_engine)
    send_mail(sqlite_engine, smtp.url)
    [received] = smtp.to(PETRA)
    text, html = next(received.message.iter_parts()).iter_parts()
    assert "Gebruikt" in text.get_content() and "Geen e-mail meer" in html.get_content()
    assert '<html lang="nl">' in html.get_content()


def test_one_click_unsubscribe_stops_further_email(sqlite_engine: Engine, smtp: SmtpServer) -> None:
    mail_alliance(sqlite_engine)
    plan_petras_snippet(sqlite_engine)
    send_mail(sqlite_engine, smtp.url)
    [received] = smtp.to(PETRA)
    url = received.message["List-Unsubscribe"].strip("<>")
    assert _notice(sqlite_engine, "petra", "before") == "planned"

    response = _post(sqlite_engine, url, b"List-Unsubscribe=One-Click")

    assert response.status_code == 200
    with Session(sqlite_engine) as session:
        identity = session.exec(select(Identity).where(Identity.platform == "email")).one()
        assert identity.unreachable_reason == "unsubscribed"
    assert _notice(sqlite_engine, "petra", "after") == "unreachable"
    send_mail(sqlite_engine, smtp.url)  # the notice planned before is not sent either
    assert len(smtp.to(PETRA)) == 1
    with Session(sqlite_engine) as session:
        before = session.exec(select(Delivery).where(Delivery.dedupe_key == "before")).one()
        assert before.status == "skipped"


def test_a_550_marks_the_address_unreachable_after_one_try_and_holds_up_no_one(
    sqlite_engine: Engine, smtp: SmtpServer
) -> None:
    mail_alliance(sqlite_engine, quinten=QUINTEN)
    smtp.refuse(PETRA, "550 5.1.1 <petra@example.org>: no such user")
    assert _notice(sqlite_engine, "petra", "p") == "planned"
    assert _notice(sqlite_engine, "quinten", "q") == "planned"

    worker = send_mail(sqlite_engine, smtp.url)

    assert worker.stats["sent"] == 1 and worker.stats["failed"] == 1
    assert smtp.recorder.attempts[PETRA] == 1  # one try, no retries
    assert len(smtp.to(QUINTEN)) == 1 and smtp.to(PETRA) == []
    with Session(sqlite_engine) as session:
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
        identity = session.exec(select(Identity).where(Identity.person_id == petra.id)).one()
        assert identity.unreachable_since is not None
        assert "550" in (identity.unreachable_reason or "")
        failed = session.exec(select(Delivery).where(Delivery.dedupe_key == "p")).one()
        assert (failed.status, failed.attempts) == ("failed", 1)
    assert _notice(sqlite_engine, "petra", "later") == "unreachable"


def test_a_4xx_is_retried_until_the_server_takes_it(
    sqlite_engine: Engine, smtp: SmtpServer
) -> None:
    mail_alliance(sqlite_engine)
    smtp.refuse(PETRA, "450 4.2.0 mailbox busy, try again later")
    assert _notice(sqlite_engine, "petra", "p") == "planned"

    worker = send_mail(sqlite_engine, smtp.url)

    assert worker.stats["retried"] == 1 and worker.stats["sent"] == 1
    assert smtp.recorder.attempts[PETRA] == 2
    assert len(smtp.to(PETRA)) == 1
    with Session(sqlite_engine) as session:
        sent = session.exec(select(Delivery).where(Delivery.dedupe_key == "p")).one()
        assert sent.status == "sent" and "450" in (sent.last_error or "")
        identity = session.exec(select(Identity).where(Identity.platform == "email")).one()
        assert identity.unreachable_since is None


def test_a_server_that_is_down_loses_nothing(sqlite_engine: Engine) -> None:
    mail_alliance(sqlite_engine)
    assert _notice(sqlite_engine, "petra", "p") == "planned"

    worker = send_mail(
        sqlite_engine, f"smtp://127.0.0.1:{free_port()}", mail_options(base_backoff=600)
    )

    assert worker.stats["retried"] == 1
    with Session(sqlite_engine) as session:
        waiting = session.exec(select(Delivery).where(Delivery.dedupe_key == "p")).one()
        assert (waiting.status, waiting.attempts) == ("pending", 1)
        assert waiting.due_at > utcnow()
        identity = session.exec(select(Identity).where(Identity.platform == "email")).one()
        assert identity.unreachable_since is None


def test_an_action_link_acts_on_post_only_and_once(sqlite_engine: Engine, smtp: SmtpServer) -> None:
    mail_alliance(sqlite_engine)
    delivery_id = plan_petras_snippet(sqlite_engine)
    send_mail(sqlite_engine, smtp.url)
    text = next(smtp.to(PETRA)[0].message.iter_parts()).get_body(("plain",))
    assert text is not None
    used = re.search(rf"Used it: ({PUBLIC}/mail/\S+)", text.get_content())
    assert used is not None

    async def get(url: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=create_web_app(sqlite_engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(url.removeprefix(PUBLIC))

    for _ in range(3):  # a mail scanner, the reader, the reader again
        page = asyncio.run(get(used.group(1)))
        assert page.status_code == 200 and '<form method="post">' in page.text
        assert "form-action 'self'" in page.headers["content-security-policy"]
    with Session(sqlite_engine) as session:
        assert session.exec(select(ToolkitFeedback)).all() == []

    first = _post(sqlite_engine, used.group(1))
    second = _post(sqlite_engine, used.group(1))

    assert first.status_code == 200 and "is recorded" in first.text
    assert second.status_code == 200 and "done already" in second.text
    with Session(sqlite_engine) as session:
        [feedback] = session.exec(select(ToolkitFeedback)).all()
        assert (feedback.delivery_id, feedback.verdict) == (delivery_id, "used")
    assert delivery(sqlite_engine, delivery_id).status == "sent"


def test_a_forged_token_gets_a_clear_page_and_changes_nothing(sqlite_engine: Engine) -> None:
    mail_alliance(sqlite_engine)
    response = _post(sqlite_engine, "/mail/forged-token-123", b"List-Unsubscribe=One-Click")
    assert response.status_code == 404 and "Deze link werkt niet" in response.text
    with Session(sqlite_engine) as session:
        identity = session.exec(select(Identity).where(Identity.platform == "email")).one()
        assert identity.unreachable_since is None


def test_the_smtp_password_never_shows() -> None:
    config = SmtpConfig.from_url("smtp://mailer:s3cr%40t@mail.example.org:587", None, None)
    assert config.password == "s3cr@t" and config.username == "mailer"
    assert "s3cr" not in repr(config)
    assert (config.host, config.port, config.use_tls) == ("mail.example.org", 587, False)
    assert config.sender == "alliancebot@mail.example.org"
    assert SmtpConfig.from_url("smtps://h", None, None).port == 465
    with pytest.raises(ValueError, match="SMTP_URL"):
        SmtpConfig.from_url("http://example.org", None, None)


def test_an_expired_link_posted_changes_nothing(sqlite_engine: Engine, smtp: SmtpServer) -> None:
    mail_alliance(sqlite_engine)
    plan_petras_snippet(sqlite_engine)
    send_mail(sqlite_engine, smtp.url)
    url = smtp.to(PETRA)[0].message["List-Unsubscribe"].strip("<>")
    with session_scope(sqlite_engine) as session:
        for link in session.exec(select(ActionLink)):
            link.expires_at = utcnow() - timedelta(seconds=1)

    response = _post(sqlite_engine, url, b"List-Unsubscribe=One-Click")

    assert response.status_code == 410 and "expired" in response.text
    with Session(sqlite_engine) as session:
        identity = session.exec(select(Identity).where(Identity.platform == "email")).one()
        assert identity.unreachable_since is None


def test_mute_and_quiet_hours_hold_email_as_they_hold_chat(
    sqlite_engine: Engine, smtp: SmtpServer
) -> None:
    mail_alliance(sqlite_engine)
    assert _notice(sqlite_engine, "petra", "p") == "planned"
    with session_scope(sqlite_engine) as session:
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
        petra.muted_until = utcnow() + timedelta(days=2)  # muted after it was planned

    worker = send_mail(sqlite_engine, smtp.url)

    assert worker.stats["wait"] == 1 and smtp.received == []
    with Session(sqlite_engine) as session:
        waiting = session.exec(select(Delivery).where(Delivery.dedupe_key == "p")).one()
        assert waiting.status == "pending" and waiting.due_at > utcnow() + timedelta(days=1)


def test_a_press_that_no_longer_counts_says_nothing_was_recorded(sqlite_engine: Engine) -> None:
    mail_alliance(sqlite_engine)
    delivery_id = plan_petras_snippet(sqlite_engine)  # planned, not sent: no feedback yet
    with session_scope(sqlite_engine) as session:
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
        spec = LinkSpec("button:0", LinkKind.PRESS, f"tf:{delivery_id}:u", "Used it")
        token = link_token(session, petra, delivery_id, spec, KEY)

    response = _post(sqlite_engine, f"/mail/{token}")

    assert response.status_code == 200 and "Nothing was recorded" in response.text
    with Session(sqlite_engine) as session:
        assert session.exec(select(ToolkitFeedback)).all() == []
