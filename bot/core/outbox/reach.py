"""Who can be reached, and on which account: the first question of every plan."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from bot.core.kernel import Identity, Person, Platform, Role


def reachable_identity(session: Session, person: Person) -> Identity | None:
    """The account to write to: ambassadors on Telegram first, everyone else Slack first."""
    identities = session.exec(
        select(Identity).where(
            Identity.person_id == person.id, col(Identity.unreachable_since).is_(None)
        )
    ).all()
    order = (
        (Platform.TELEGRAM, Platform.SLACK)
        if Role.AMBASSADOR in person.role_set
        else (Platform.SLACK, Platform.TELEGRAM)
    )
    for platform in order:
        for identity in identities:
            if identity.platform == platform:
                return identity
    return None


def reachable_of_partner(session: Session, partner_id: int, roles: Sequence[Role]) -> list[Person]:
    """A partner's people who can be reached, of the first role in `roles` that has any:
    who is asked depends on what is asked (a check-in: the contact; material: the adviser)."""
    people = session.exec(
        select(Person)
        .where(Person.partner_id == partner_id, col(Person.active))
        .order_by(col(Person.id))
    ).all()
    reachable = [p for p in people if reachable_identity(session, p) is not None]
    for role in roles:
        chosen = [p for p in reachable if role in p.role_set]
        if chosen:
            return chosen
    return []
