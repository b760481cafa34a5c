"""Finding people: a Slack account is linked by e-mail once, and never to a second account."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.kernel.models import Identity, Person, utcnow
from bot.core.kernel.people import link_by_email, person_by_account
from bot.db import session_scope


def _prepare(engine: Engine, email: str, slack: str | None) -> int:
    """Petra with `email`, and with a Slack account `slack` (or none)."""
    with session_scope(engine) as session:
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
        petra.email = email
        for identity in session.exec(select(Identity).where(Identity.person_id == petra.id)):
            session.delete(identity)
        session.flush()
        if slack is not None:
            session.add(Identity(person_id=petra.id or 0, platform="slack", external_id=slack))
        return petra.id or 0


def _accounts(engine: Engine, person_id: int) -> set[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(Identity).where(Identity.person_id == person_id))
        return {(i.platform, i.external_id) for i in rows}


def test_a_slack_user_is_linked_by_email_once(demo_engine: Engine) -> None:
    petra = _prepare(demo_engine, "Petra@Woonkracht.example", slack=None)
    with session_scope(demo_engine) as session:
        linked = link_by_email(session, "slack", "U0PETRA", "petra@woonkracht.example")
        assert linked is not None and linked.id == petra
    with session_scope(demo_engine) as session:
        assert person_by_account(session, "slack", "U0PETRA").id == petra  # type: ignore[union-attr]
    assert _accounts(demo_engine, petra) == {("slack", "U0PETRA")}


def test_a_second_slack_account_with_the_same_email_is_not_linked(demo_engine: Engine) -> None:
    petra = _prepare(demo_engine, "petra@woonkracht.example", slack="U0PETRA")
    with session_scope(demo_engine) as session:
        assert link_by_email(session, "slack", "U0OTHER", "petra@woonkracht.example") is None
    assert _accounts(demo_engine, petra) == {("slack", "U0PETRA")}
    with session_scope(demo_engine) as session:
        assert person_by_account(session, "slack", "U0OTHER") is None


def test_an_unreachable_slack_account_still_counts_as_one(demo_engine: Engine) -> None:
    """The old account was deactivated: relinking is the adviser's call, in the file. (Before,
    the second link even collided with the unique account row and failed the request.)"""
    petra = _prepare(demo_engine, "petra@woonkracht.example", slack="U0PETRA")
    with session_scope(demo_engine) as session:
        identity = session.exec(select(Identity).where(Identity.external_id == "U0PETRA")).one()
        identity.unreachable_reason = "account_inactive"
        identity.unreachable_since = utcnow()
    with session_scope(demo_engine) as session:
        assert link_by_email(session, "slack", "U0PETRA", "petra@woonkracht.example") is None
        assert link_by_email(session, "slack", "U0NEW", "petra@woonkracht.example") is None
    assert _accounts(demo_engine, petra) == {("slack", "U0PETRA")}


def test_an_account_on_another_platform_does_not_stop_the_slack_link(demo_engine: Engine) -> None:
    petra = _prepare(demo_engine, "petra@woonkracht.example", slack=None)
    with session_scope(demo_engine) as session:
        session.add(Identity(person_id=petra, platform="telegram", external_id="31337"))
    with session_scope(demo_engine) as session:
        assert link_by_email(session, "slack", "U0PETRA", "petra@woonkracht.example") is not None
    assert _accounts(demo_engine, petra) == {("slack", "U0PETRA"), ("telegram", "31337")}


def test_an_account_that_belongs_to_someone_else_is_not_moved(demo_engine: Engine) -> None:
    _prepare(demo_engine, "petra@woonkracht.example", slack=None)
    with session_scope(demo_engine) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        anna.active = False  # archived: person_by_account no longer finds her account
        session.add(Identity(person_id=anna.id or 0, platform="slack", external_id="U0SHARED"))
    with session_scope(demo_engine) as session:
        assert link_by_email(session, "slack", "U0SHARED", "petra@woonkracht.example") is None
