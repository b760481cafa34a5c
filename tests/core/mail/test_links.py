"""E-mail action links: made once per e-mail, the same again on a retry with the key, found
only by their token, and a channel link that may be used more than once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.kernel import LinkKey, Reply
from bot.core.kernel.models import Person, utcnow
from bot.core.mail import (
    ActionLink,
    LinkKind,
    LinkSpec,
    LinkState,
    link_tokens,
    open_link,
    post_link,
)
from bot.core.outbox.models import Delivery
from bot.db import session_scope

KEY = LinkKey("k")
SPECS = [LinkSpec("unsubscribe", LinkKind.UNSUBSCRIBE), LinkSpec("channel", LinkKind.CHANNEL)]


def _no_press(*_args: object) -> Reply:
    raise AssertionError("no press expected")


def _delivery(session: Session, person: Person) -> int:
    row = Delivery(
        dedupe_key="d", kind="notice", person_id=person.id, platform="email", due_at=utcnow()
    )
    session.add(row)
    session.flush()
    return row.id or 0


def _petra(session: Session) -> Person:
    return session.exec(select(Person).where(Person.key == "petra")).one()


def test_a_retry_with_the_key_carries_the_same_links_and_without_it_new_ones(
    demo_engine: Engine,
) -> None:
    with session_scope(demo_engine) as session:
        petra = _petra(session)
        delivery_id = _delivery(session, petra)
        first = link_tokens(session, petra, delivery_id, SPECS, KEY)
        assert link_tokens(session, petra, delivery_id, SPECS, KEY) == first
        keyless = link_tokens(session, petra, delivery_id, SPECS, None)
        assert keyless["channel"] != first["channel"]
        assert len(session.exec(select(ActionLink)).all()) == 2  # one row per link, still
        stored = {row.token_hash for row in session.exec(select(ActionLink))}
        assert not stored & set(keyless.values())  # only hashes are kept
        assert open_link(session, first["channel"]).state == LinkState.UNKNOWN  # replaced
        assert open_link(session, keyless["channel"]).state == LinkState.OPEN


def test_a_channel_link_changes_the_channel_on_post_only(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        petra = _petra(session)
        token = link_tokens(session, petra, _delivery(session, petra), SPECS, KEY)["channel"]
        page = open_link(session, token)
        assert (page.state, page.channels) == (LinkState.OPEN, ("email",))
        assert _petra(session).channel is None
        refused = post_link(session, token, _no_press, choice="slack")  # she has no Slack
        assert refused.state == LinkState.OPEN and _petra(session).channel is None
        assert post_link(session, token, _no_press, choice="email").state == LinkState.DONE
        assert _petra(session).channel == "email"
        # a settings link, not an answer: it works again until it expires
        assert open_link(session, token).state == LinkState.OPEN


def test_an_expired_link_says_so_and_acts_no_more(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        petra = _petra(session)
        token = link_tokens(session, petra, _delivery(session, petra), SPECS, KEY)["unsubscribe"]
        for row in session.exec(select(ActionLink)):
            row.expires_at = utcnow() - timedelta(seconds=1)
        page = post_link(session, token, _no_press)
        assert (page.status, page.state) == (410, LinkState.EXPIRED)
        assert all(row.used_at is None for row in session.exec(select(ActionLink)))
