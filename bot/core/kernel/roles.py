"""Who the coordinators are: one answer for every caller.

The alliance's own communication adviser (*alliantieadviseur*, role `coordinator`) works for
the alliance as a whole; the partners' advisers (role `adviser`) work for their own
organisation. Alliance files written before the role existed name no coordinator, and they
must keep working as they did: there every adviser counts as a coordinator. Deciding that
in one place keeps "who hears about a partner's decline first" and "who may share it" from
drifting apart between features.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.core.kernel.models import Person, Role


def _active(session: Session, alliance_id: int) -> list[Person]:
    return list(
        session.exec(
            select(Person)
            .where(Person.alliance_id == alliance_id, col(Person.active))
            .order_by(col(Person.id))
        ).all()
    )


def names_coordinators(session: Session, alliance_id: int) -> bool:
    """Whether the alliance file names anyone a coordinator (then only they are)."""
    # `roles` is comma-separated words; no other role contains this one
    return (
        session.exec(
            select(Person.id).where(
                Person.alliance_id == alliance_id,
                col(Person.active),
                col(Person.roles).contains(Role.COORDINATOR.value),
            )
        ).first()
        is not None
    )


def coordinators(session: Session, alliance_id: int) -> list[Person]:
    """The active coordinators: those named so, or every adviser where nobody is."""
    people = _active(session, alliance_id)
    named = [p for p in people if Role.COORDINATOR in p.roles.split(",")]
    return named or [p for p in people if Role.ADVISER in p.role_set]


def is_coordinator(session: Session, person: Person) -> bool:
    """Whether `person` counts as a coordinator of their alliance today."""
    if not person.active:
        return False
    if Role.COORDINATOR in person.role_set:
        return True
    return Role.ADVISER in person.role_set and not names_coordinators(session, person.alliance_id)


def roles_of(session: Session, person: Person) -> frozenset[str]:
    """The roles a command checks: the person's own, with `coordinator` added for an
    adviser of an alliance whose file names no coordinator."""
    roles = person.role_set
    if Role.COORDINATOR not in roles and is_coordinator(session, person):
        roles = roles | {Role.COORDINATOR}
    return roles
