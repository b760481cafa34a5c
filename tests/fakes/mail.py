"""An alliance whose partner contact Petra has only an e-mail address, and a worker that
sends e-mail to a local SMTP server: shared by the e-mail tests and the browser test."""

from __future__ import annotations

import asyncio
import tomllib
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.adapters.mail import MailSender, SmtpConfig
from bot.core.agenda.models import AgendaItem
from bot.core.alliance.file import parse_alliance_document
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.kernel import LinkKey
from bot.core.kernel.models import Partner, Person, utcnow
from bot.core.mail import MailLinks
from bot.core.outbox.models import Delivery
from bot.core.toolkit.plan import plan_snippets
from bot.db import session_scope
from bot.pacing import Limits
from bot.worker import Worker, WorkerOptions
from tests.conftest import DEMO_FILE

KEY = LinkKey("test-secret-key")
PUBLIC = "http://alliance.test"
MOMENT_TITLE = "Nieuwsbrief maart"


def mail_alliance(engine: Engine, language: str = "en", **people: str) -> None:
    """The demo alliance without Woonkracht's adviser, so its partner contact Petra (only
    an e-mail address, reading `language`) gets its toolkit texts; `people` gives more
    people e-mail addresses (key=address). No quiet hours, a roomy cap."""
    raw: dict[str, Any] = tomllib.loads(DEMO_FILE.read_text(encoding="utf-8"))
    raw["people"] = [p for p in raw["people"] if p["key"] != "anna"]
    for person in raw["people"]:
        if person["key"] == "petra":
            person["language"] = language
        if person["key"] in people:
            person["email"] = people[person["key"]]
    with session_scope(engine) as session:
        load_alliance(session, parse_alliance_document(raw), DEMO_FILE.parent)
        alliance = get_alliance(session)
        alliance.quiet_hours = "00:00-00:00"
        alliance.weekly_cap = 50


def plan_petras_snippet(engine: Engine) -> int:
    """A newsletter deadline of Woonkracht's in ten days, its snippets planned, and the
    first one's time come (the others withdrawn). Returns that delivery's id."""
    now = utcnow()
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        session.add(
            AgendaItem(
                partner_id=partner.id or 0,
                uid="nieuwsbrief-maart",
                title=MOMENT_TITLE,
                kind="newsletter",
                starts_at=(now + timedelta(days=10)).replace(microsecond=0),
            )
        )
        session.flush()
        assert plan_snippets(session, alliance, now).planned >= 1
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
        delivery, *others = session.exec(
            select(Delivery).where(Delivery.person_id == petra.id).order_by(Delivery.id)
        ).all()
        assert delivery.platform == "email"
        delivery.due_at = now - timedelta(minutes=1)  # the send day has come
        for other in others:  # the moment's second snippet: one e-mail is enough here
            other.status = "cancelled"
        return delivery.id or 0


def mail_options(base_backoff: float = 0.02) -> WorkerOptions:
    return WorkerOptions(
        lease=timedelta(seconds=30),
        poll_interval=0.05,
        limits={"email": Limits(per_second=500, per_chat_interval=0, per_group_interval=0)},
        seed=3,
        base_backoff=base_backoff,
        mail_links=MailLinks(PUBLIC, KEY),
    )


def send_mail(engine: Engine, smtp_url: str, options: WorkerOptions | None = None) -> Worker:
    """`alliancebot dispatch --once` with only e-mail configured."""
    sender = MailSender(SmtpConfig.from_url(smtp_url, "alliance@example.org", "team@example.org"))
    worker = Worker(engine, {"email": sender}, options or mail_options())
    asyncio.run(asyncio.wait_for(worker.run(once=True), timeout=60))
    return worker


def delivery(engine: Engine, delivery_id: int) -> Delivery:
    with Session(engine) as session:
        found = session.get(Delivery, delivery_id)
        assert found is not None
        return found
