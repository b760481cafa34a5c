"""Telling people about a flag: a partner's decline privately first, the rest to everyone.

When a partner's follow-up slips, the practice is a conversation with that partner about how
the alliance is steered, never a scoreboard in front of the other partners. So a new
partner-level follow-up episode goes, as a direct message, only to the coordinators and that
partner's own advisers, with the numbers and questions that open the conversation. The
advisers' channel hears about it once one of them presses "Share with the advisers"; until
then every shared view (the channel, the digest, other advisers' lists and home pages)
leaves it out. Region and pulse flags name no single partner and go to everyone at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from bot.core.attention.models import Flag, FlagFamily, FlagLevel
from bot.core.kernel import (
    Alliance,
    AuditEvent,
    Button,
    Partner,
    Person,
    Role,
    Texts,
    Verb,
    coordinators,
    is_coordinator,
    language_of,
)
from bot.core.outbox import DeliveryKind, Plan, Subject, plan_delivery, plan_many

ACK = Verb("fk")
SHARE = Verb("fs")


def explanation(flag: Flag, language: str) -> str:
    texts: dict[str, str] = flag.detail.get("explanations", {})
    return texts.get(language) or next(iter(texts.values()), flag.key)


def ack_button(texts: Texts, flag: Flag, number: int | None = None) -> Button:
    """Under a list of flags, the button says which one it marks: "… · 2"."""
    label = texts.gettext("Seen, we are on it")
    if number is not None:
        label = f"{label} · {number}"
    return Button(label, ACK.action(flag.id or 0))


def share_button(texts: Texts, flag: Flag, number: int | None = None) -> Button:
    label = texts.gettext("Share with the advisers")
    if number is not None:
        label = f"{label} · {number}"
    return Button(label, SHARE.action(flag.id or 0))


def is_private(flag: Flag) -> bool:
    """A partner's follow-up episode that nobody has shared with all advisers yet."""
    return (
        flag.family == FlagFamily.FOLLOW_UP
        and flag.level == FlagLevel.PARTNER
        and flag.shared_at is None
    )


def private_condition() -> ColumnElement[bool]:
    """`is_private` in SQL, for the lists that leave such flags out."""
    return and_(
        col(Flag.family) == FlagFamily.FOLLOW_UP,
        col(Flag.level) == FlagLevel.PARTNER,
        col(Flag.shared_at).is_(None),
    )


def own_partner_key(session: Session, person: Person) -> str | None:
    """The key of the partner whose adviser `person` is; None for anyone else."""
    if Role.ADVISER not in person.role_set or person.partner_id is None:
        return None
    partner = session.get(Partner, person.partner_id)
    return partner.key if partner is not None else None


def may_see(session: Session, person: Person, flag: Flag) -> bool:
    """Whether `person` may see (and share) `flag`: everyone may see a shared one; a
    private one is for the coordinators and the partner's own advisers."""
    if not is_private(flag):
        return Role.ADVISER in person.role_set
    return is_coordinator(session, person) or own_partner_key(session, person) == flag.key


def private_readers(session: Session, alliance: Alliance, flag: Flag) -> list[Person]:
    """The coordinators and the partner's own advisers, each once."""
    partner = session.exec(
        select(Partner).where(Partner.alliance_id == alliance.id, Partner.key == flag.key)
    ).first()
    readers = {p.id: p for p in coordinators(session, alliance.id or 0)}
    if partner is not None:
        for person in session.exec(
            select(Person)
            .where(Person.partner_id == partner.id, col(Person.active))
            .order_by(col(Person.id))
        ):
            if Role.ADVISER in person.role_set:
                readers.setdefault(person.id, person)
    return list(readers.values())


def announce(session: Session, alliance: Alliance, flag: Flag, now: datetime) -> None:
    """Tell a newly raised flag once: privately, or to everyone."""
    if is_private(flag):
        _tell_privately(session, alliance, flag, now)
    else:
        _tell_everyone(session, alliance, flag, now, None, ())


def partner_name(session: Session, alliance: Alliance, key: str) -> str:
    partner = session.exec(
        select(Partner).where(Partner.alliance_id == alliance.id, Partner.key == key)
    ).first()
    return partner.name if partner is not None else key


def _unanswered(flag: Flag) -> int:
    """Check-ins nobody answered since the decline began: for the private notice only."""
    recent: Any = flag.detail.get("numbers", {}).get("recent", {})
    value = recent.get("checkins_unanswered", 0) if isinstance(recent, dict) else 0
    return value if isinstance(value, int) else 0


def _tell_privately(session: Session, alliance: Alliance, flag: Flag, now: datetime) -> None:
    """A direct message to each private reader, within their quiet hours and weekly cap."""
    name = partner_name(session, alliance, flag.key)
    plans = []
    for person in private_readers(session, alliance, flag):
        texts = Texts(language_of(person, alliance))
        plans.append(
            Plan(
                dedupe_key=f"flag:{flag.id}:{person.id}",
                kind=DeliveryKind.FLAG,
                body=texts.render(
                    "flag_private_notice",
                    partner=name,
                    text=explanation(flag, texts.language),
                    unanswered=_unanswered(flag),
                ),
                due_at=now,
                person=person,
                buttons=(ack_button(texts, flag), share_button(texts, flag)),
                subject=Subject(flag_id=flag.id),
            )
        )
    plan_many(session, alliance, plans)  # one batch for all of them


def _tell_everyone(
    session: Session,
    alliance: Alliance,
    flag: Flag,
    now: datetime,
    sharer: Person | None,
    told: tuple[int, ...],
) -> None:
    """The advisers' channel if the alliance has one, else each adviser not in `told`."""
    suffix = ":shared" if sharer is not None else ""
    by = sharer.name if sharer is not None else None
    if alliance.adviser_channel:
        texts = Texts(alliance.language)
        plan_delivery(
            session,
            alliance,
            Plan(
                dedupe_key=f"flag:{flag.id}{suffix}",
                kind=DeliveryKind.FLAG,
                body=texts.render(
                    "flag_notice", text=explanation(flag, texts.language), shared_by=by
                ),
                due_at=now,
                channel=alliance.adviser_channel,
                buttons=(ack_button(texts, flag),),
                subject=Subject(flag_id=flag.id),
            ),
        )
        return
    advisers = session.exec(
        select(Person)
        .where(Person.alliance_id == alliance.id, col(Person.active))
        .order_by(col(Person.id))
    ).all()
    plans = []
    for person in advisers:
        if Role.ADVISER not in person.role_set or person.id in told:
            continue
        texts = Texts(language_of(person, alliance))
        plans.append(
            Plan(
                dedupe_key=f"flag:{flag.id}{suffix}:{person.id}",
                kind=DeliveryKind.FLAG,
                body=texts.render(
                    "flag_notice", text=explanation(flag, texts.language), shared_by=by
                ),
                due_at=now,
                person=person,
                buttons=(ack_button(texts, flag),),
                subject=Subject(flag_id=flag.id),
            )
        )
    plan_many(session, alliance, plans)  # one batch for all advisers


def share(session: Session, alliance: Alliance, flag: Flag, person: Person, now: datetime) -> bool:
    """Share a private flag with all advisers; False when it was shared already.

    The first press wins, also when two arrive at once: the row is claimed with a
    conditional update, so the channel hears about it once and one sharer is recorded."""
    if not is_private(flag):
        return False
    claimed = session.execute(
        update(Flag)
        .where(col(Flag.id) == flag.id, col(Flag.shared_at).is_(None))
        .values(shared_at=now, shared_by_id=person.id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(flag)
    if getattr(claimed, "rowcount", 0) != 1:
        return False
    session.add(
        AuditEvent(
            alliance_id=flag.alliance_id,
            actor=person.key,
            action="flag.shared",
            detail={"flag": flag.id, "partner": flag.key},
        )
    )
    told = tuple(p.id or 0 for p in private_readers(session, alliance, flag))
    _tell_everyone(session, alliance, flag, now, person, told)
    return True
