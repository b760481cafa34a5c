"""Who can be reached, and on which account: the first question of every plan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import exists
from sqlmodel import Session, col, select

from bot.core.kernel import Identity, Person, Platform, Role, utcnow

# the platforms the worker sends on; e-mail last: a chat account, where there is one, wins
PLATFORMS = (Platform.SLACK, Platform.TELEGRAM, Platform.EMAIL)
UNSUBSCRIBED = "unsubscribed"  # the unreachable reason of an address that opted out


def channel_order(person: Person) -> tuple[Platform, ...]:
    """The platforms to try, best first: the person's own `channel`, then ambassadors on
    Telegram first, everyone else Slack first, e-mail last (the first they have wins)."""
    default = (
        (Platform.TELEGRAM, Platform.SLACK, Platform.EMAIL)
        if Role.AMBASSADOR in person.role_set
        else PLATFORMS
    )
    chosen = next((p for p in default if p == person.channel), None)
    return default if chosen is None else (chosen, *(p for p in default if p != chosen))


def preferred_identity(person: Person, identities: Iterable[Identity]) -> Identity | None:
    """The account to write to, in `channel_order`; when the chosen channel cannot be
    reached (an address that bounced, an unsubscribe), the next one that can.
    `identities` are the person's reachable ones."""
    order = channel_order(person)
    accounts = list(identities)
    for platform in order:
        for identity in accounts:
            if identity.platform == platform:
                return identity
    return None


def reachable_identity(session: Session, person: Person) -> Identity | None:
    """The account to write to, or None when the person has none that can be reached."""
    return reachable_identities(session, [person]).get(person.id or 0)


def reachable_identities(session: Session, people: Iterable[Person]) -> dict[int, Identity]:
    """Each person's account to write to, by person id, in one query; people who cannot be
    reached are left out. A batch of plans asks this once for all its recipients."""
    by_id = {p.id: p for p in people if p.id is not None}
    if not by_id:
        return {}
    accounts: dict[int, list[Identity]] = defaultdict(list)
    for identity in session.exec(
        select(Identity)
        .where(col(Identity.person_id).in_(by_id), col(Identity.unreachable_since).is_(None))
        .order_by(col(Identity.id))
    ):
        accounts[identity.person_id].append(identity)
    chosen = {pid: preferred_identity(by_id[pid], found) for pid, found in accounts.items()}
    return {pid: identity for pid, identity in chosen.items() if identity is not None}


def reachable_of_partners(
    session: Session, partner_ids: Iterable[int], roles: Sequence[Role]
) -> dict[int, list[Person]]:
    """Per partner, its people who can be reached, of the first role in `roles` that has
    any (who is asked depends on what is asked: a check-in the contact, material the
    adviser). One query for all partners: a daily planner asks for every partner at once.
    Partners without anyone are left out."""
    wanted = sorted(set(partner_ids))
    if not wanted:
        return {}
    reachable = exists().where(
        col(Identity.person_id) == col(Person.id),
        col(Identity.unreachable_since).is_(None),
        col(Identity.platform).in_(PLATFORMS),
    )
    people: dict[int, list[Person]] = defaultdict(list)
    for person in session.exec(
        select(Person)
        .where(col(Person.partner_id).in_(wanted), col(Person.active), reachable)
        .order_by(col(Person.id))
    ):
        people[person.partner_id or 0].append(person)
    chosen: dict[int, list[Person]] = {}
    for partner_id, found in people.items():
        first = next((r for r in roles if any(r in p.role_set for p in found)), None)
        if first is not None:
            chosen[partner_id] = [p for p in found if first in p.role_set]
    return chosen


def reachable_of_partner(session: Session, partner_id: int, roles: Sequence[Role]) -> list[Person]:
    """`reachable_of_partners` for one partner."""
    return reachable_of_partners(session, [partner_id], roles).get(partner_id, [])


def email_identity(session: Session, person: Person) -> Identity | None:
    return session.exec(
        select(Identity).where(Identity.person_id == person.id, Identity.platform == Platform.EMAIL)
    ).first()


def unsubscribe(session: Session, person: Person, now: datetime | None = None) -> bool:
    """No more e-mail to this person's address (their chat accounts, if any, still work);
    False when they had no address. Pending e-mails are skipped when their turn comes."""
    identity = email_identity(session, person)
    if identity is None:
        return False
    if identity.unreachable_since is None:
        identity.unreachable_since = now or utcnow()
        identity.unreachable_reason = UNSUBSCRIBED
    return True


def channels_of(session: Session, person: Person) -> tuple[str, ...]:
    """The channels this person can be reached on (their accounts, e-mail included even
    when unsubscribed: choosing it again is how they come back)."""
    platforms = set(session.exec(select(Identity.platform).where(Identity.person_id == person.id)))
    return tuple(p for p in (Platform.SLACK, Platform.TELEGRAM, Platform.EMAIL) if p in platforms)


def set_channel(session: Session, person: Person, channel: str) -> None:
    """Unsolicited messages reach `person` on `channel` from now on; choosing e-mail again
    ends an unsubscribe (not a bounce: that address still fails)."""
    person.channel = channel
    session.add(person)
    if channel == Platform.EMAIL:
        identity = email_identity(session, person)
        if identity is not None and identity.unreachable_reason == UNSUBSCRIBED:
            identity.unreachable_since = None
            identity.unreachable_reason = None
