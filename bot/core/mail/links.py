"""Signed, expiring action links in e-mail, and what opening and posting them does.

Why a confirmation page and not an action on the click: mail security scanners open every
link in a message, so a GET must never act. The link opens a small page that says what will
happen; the page's POST acts, once (`used_at` is set by a conditional update in the same
transaction as the action, so a second POST or a race finds it used). The one-click
unsubscribe of RFC 8058 is such a POST, sent by the mail program itself.

The token is the whole credential, so only its SHA-256 is stored (as the toolkit page does)
and the lookup compares hashes in the database. With `ALLIANCEBOT_SECRET_KEY` the token is
derived from that key and a random nonce kept in the row (`LinkKey.derive`): a retried
e-mail carries the same links, and a token nobody derived from the key matches nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core.kernel import Alliance, LinkKey, Person, Platform, Reply, utcnow
from bot.core.mail.models import ActionLink, LinkKind
from bot.core.outbox import channels_of, set_channel, unsubscribe

LINK_PURPOSE = "mail-action"
PRESS_LIFETIME = timedelta(days=30)  # a check-in or a proposal has moved on by then
SETTINGS_LIFETIME = timedelta(days=365)  # unsubscribing must keep working (RFC 8058)
_MAX_TOKEN_LENGTH = 200

Press = Callable[[Session, int, str, str], Reply]  # `bot.core.dispatch.press`


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LinkSpec:
    """One link an e-mail carries: its place in the e-mail, and what it does."""

    slot: str  # `button:0`, `unsubscribe`, `channel`
    kind: LinkKind
    action: str = ""  # a press: the button's action id
    label: str = ""  # a press: the button's words


def link_tokens(
    session: Session,
    person: Person,
    delivery_id: int,
    specs: list[LinkSpec],
    key: LinkKey | None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The tokens of an e-mail's links by slot, each made once (one query and one flush
    for them all). Without a key a token cannot be derived again, so a retry replaces it
    (the e-mail that carried the old one never arrived)."""
    now = now or utcnow()
    rows = {
        row.slot: row
        for row in session.exec(select(ActionLink).where(ActionLink.delivery_id == delivery_id))
    }
    tokens: dict[str, str] = {}
    for spec in specs:
        row = rows.get(spec.slot)
        if row is None:
            lifetime = PRESS_LIFETIME if spec.kind == LinkKind.PRESS else SETTINGS_LIFETIME
            row = ActionLink(
                alliance_id=person.alliance_id,
                person_id=person.id or 0,
                delivery_id=delivery_id,
                slot=spec.slot,
                kind=spec.kind,
                action=spec.action,
                label=spec.label,
                nonce=secrets.token_urlsafe(16),
                token_hash="",
                expires_at=now + lifetime,
            )
        tokens[spec.slot] = (
            key.derive(LINK_PURPOSE, row.nonce) if key else secrets.token_urlsafe(24)
        )
        row.token_hash = _hash(tokens[spec.slot])
        session.add(row)
    session.flush()
    return tokens


def link_token(
    session: Session,
    person: Person,
    delivery_id: int,
    spec: LinkSpec,
    key: LinkKey | None,
    now: datetime | None = None,
) -> str:
    """The token of one link (`link_tokens` for one)."""
    return link_tokens(session, person, delivery_id, [spec], key, now)[spec.slot]


class LinkState(StrEnum):
    """What a link is, as its page tells it."""

    OPEN = "open"  # valid: the page offers the action
    DONE = "done"  # the POST just acted
    USED = "used"  # acted before: nothing happens again
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # forged, mistyped, or of an address since changed


@dataclass(frozen=True)
class LinkPage:
    """What a link's page shows; the web adapter renders it."""

    status: int
    state: LinkState
    language: str | None = None
    kind: LinkKind | None = None
    label: str = ""
    name: str = ""  # the alliance's name, as the page's title
    channel: str | None = None  # the person's channel now (a channel link)
    channels: tuple[str, ...] = ()  # the channels they can choose
    reply: Reply | None = None  # what the press answered (a press link)


def _find(session: Session, token: str) -> ActionLink | None:
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    return session.exec(select(ActionLink).where(ActionLink.token_hash == _hash(token))).first()


def _page(
    session: Session, link: ActionLink | None, now: datetime, state: LinkState | None = None
) -> LinkPage:
    if link is None:
        return LinkPage(404, LinkState.UNKNOWN)
    person = session.get(Person, link.person_id)
    alliance = session.get(Alliance, link.alliance_id)
    if person is None or alliance is None or not person.active:
        return LinkPage(404, LinkState.UNKNOWN)
    if state is None:
        if link.used_at is not None and link.kind != LinkKind.CHANNEL:
            state = LinkState.USED
        elif link.expires_at <= now:
            state = LinkState.EXPIRED
        else:
            state = LinkState.OPEN
    status = {LinkState.EXPIRED: 410, LinkState.UNKNOWN: 404}.get(state, 200)
    return LinkPage(
        status,
        state,
        language=person.language or alliance.language,
        kind=LinkKind(link.kind),
        label=link.label,
        name=alliance.name,
        channel=person.channel,
        channels=channels_of(session, person),
    )


def open_link(session: Session, token: str, now: datetime | None = None) -> LinkPage:
    """The page a GET shows. Changes nothing, whoever (or whatever scanner) opens it."""
    return _page(session, _find(session, token), now or utcnow())


def post_link(
    session: Session, token: str, press: Press, choice: str = "", now: datetime | None = None
) -> LinkPage:
    """The page's POST: the action, once. A used, expired or unknown link changes nothing."""
    now = now or utcnow()
    link = _find(session, token)
    page = _page(session, link, now)
    if page.state != LinkState.OPEN or link is None:
        return page
    person = session.get(Person, link.person_id)
    assert person is not None  # `_page` found it
    if link.kind == LinkKind.CHANNEL:
        if choice not in page.channels:
            return page
        set_channel(session, person, choice)
        return _page(session, link, now, LinkState.DONE)
    claimed = session.execute(
        update(ActionLink)
        .where(col(ActionLink.id) == link.id, col(ActionLink.used_at).is_(None))
        .values(used_at=now)
    )
    if getattr(claimed, "rowcount", 0) != 1:  # a second POST at the same moment
        return _page(session, link, now, LinkState.USED)
    if link.kind == LinkKind.UNSUBSCRIBE:
        unsubscribe(session, person, now)
        return _page(session, link, now, LinkState.DONE)
    answer = press(session, person.id or 0, link.action, Platform.EMAIL)
    done = _page(session, link, now, LinkState.DONE)
    return replace(done, reply=answer)
