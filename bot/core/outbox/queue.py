"""The worker's side of the outbox: claiming rows, and recording how sending went.

Crash safety rests on two rules:

* a worker commits `sending` for a row before it calls the platform, and `sent` right
  after; it has at most `in_flight` rows in that state at once (`bot.worker`), so a worker
  killed at any moment leaves at most that many rows in doubt;
* a row stays `sending` only while its worker's heartbeat is fresh; within seconds of a
  worker dying, another hands its rows back to `pending`. Those rows are the only ones that
  can reach their recipients twice (if the platform had accepted them before the kill) —
  the documented window: at most `in_flight` duplicates per killed worker.

The order of messages to one person is kept: a row is not claimed while another row to the
same person (or channel) is being sent, by this worker or another.

On PostgreSQL several workers claim with ``FOR UPDATE SKIP LOCKED`` and never get the same
row. SQLite ignores that clause; the conditional ``UPDATE … WHERE status = 'pending'`` below
still keeps two workers from both claiming a row, but SQLite deployments run one worker.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from bot.core.kernel import Alliance, Button, Identity, Person, Reply, Texts, language_of, utcnow
from bot.core.outbox.models import Delivery, DeliveryKind, DeliveryStatus, WorkerHeartbeat
from bot.core.outbox.planning import Plan, earliest_allowed, plan_delivery

MAX_ATTEMPTS = 8
BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 3600.0


def heartbeat(session: Session, worker: str, now: datetime) -> None:
    row = session.exec(select(WorkerHeartbeat).where(WorkerHeartbeat.name == worker)).first()
    if row is None:
        session.add(WorkerHeartbeat(name=worker, started_at=now, last_seen=now))
    else:
        row.last_seen = now


def forget_worker(session: Session, worker: str) -> None:
    """A worker that stops cleanly leaves no heartbeat behind to be shared with."""
    row = session.exec(select(WorkerHeartbeat).where(WorkerHeartbeat.name == worker)).first()
    if row is not None:
        session.delete(row)


def active_workers(session: Session, now: datetime, lease: timedelta) -> int:
    return max(
        1,
        session.exec(
            select(func.count())
            .select_from(WorkerHeartbeat)
            .where(WorkerHeartbeat.last_seen >= now - lease)
        ).one(),
    )


def reclaim_abandoned(session: Session, now: datetime, lease: timedelta) -> int:
    """Hand the rows of workers whose heartbeat stopped (none for `lease`) back to
    `pending`, and forget those workers: a dead worker's rows wait seconds, not minutes."""
    alive = select(WorkerHeartbeat.name).where(WorkerHeartbeat.last_seen >= now - lease)
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.status) == DeliveryStatus.SENDING,
            col(Delivery.claimed_at) < now - lease,
            ~col(Delivery.claimed_by).in_(alive),
        )
        .values(status=DeliveryStatus.PENDING, claimed_by=None, claimed_at=None)
    )
    session.execute(delete(WorkerHeartbeat).where(col(WorkerHeartbeat.last_seen) < now - lease))
    return int(getattr(result, "rowcount", 0) or 0)


def claim_next(
    session: Session, worker: str, now: datetime, platforms: tuple[str, ...]
) -> Delivery | None:
    """Claim the next due row for `worker`, not to anyone with a message on its way (by
    this worker or another); the caller commits before sending."""
    on_its_way = aliased(Delivery)
    while True:
        candidate = session.exec(
            select(Delivery)
            .where(
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.due_at <= now,
                col(Delivery.platform).in_(platforms),
                ~exists().where(
                    col(on_its_way.status) == DeliveryStatus.SENDING,
                    or_(
                        col(on_its_way.person_id) == col(Delivery.person_id),
                        col(on_its_way.channel) == col(Delivery.channel),
                    ),
                ),
            )
            .order_by(col(Delivery.due_at), col(Delivery.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if candidate is None:
            return None
        claimed = session.execute(
            update(Delivery)
            .where(col(Delivery.id) == candidate.id, col(Delivery.status) == DeliveryStatus.PENDING)
            .values(status=DeliveryStatus.SENDING, claimed_by=worker, claimed_at=now)
        )
        if getattr(claimed, "rowcount", 0) == 1:
            session.refresh(candidate)
            return candidate
        # another worker took it between our read and our update (SQLite): try the next


def retry_due_soon(
    session: Session, platforms: tuple[str, ...], now: datetime, horizon: timedelta
) -> bool:
    """Whether a retry falls due within `horizon` (`dispatch --once` waits for it)."""
    return bool(
        session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.attempts > 0,
                Delivery.due_at <= now + horizon,
                col(Delivery.platform).in_(platforms),
            )
        ).one()
    )


Decision = Literal["send", "wait", "expired", "skipped"]


@dataclass(frozen=True)
class Readiness:
    """Whether a claimed row goes out now, and to which account."""

    decision: Decision
    target: str | None = None
    until: datetime | None = None
    person: Person | None = None


def readiness(session: Session, delivery: Delivery, now: datetime) -> Readiness:
    """Check a claimed row once more: time passes between planning and sending."""
    if delivery.expires_at is not None and now >= delivery.expires_at:
        return Readiness("expired")
    if delivery.person_id is None:
        return Readiness("send", target=delivery.channel)
    person = session.get(Person, delivery.person_id)
    alliance = session.get(Alliance, delivery.alliance_id) if delivery.alliance_id else None
    if person is None or alliance is None or not person.active:
        return Readiness("skipped")
    identity = session.exec(
        select(Identity).where(
            Identity.person_id == person.id,
            Identity.platform == delivery.platform,
            col(Identity.unreachable_since).is_(None),
        )
    ).first()
    if identity is None:
        return Readiness("skipped")
    allowed = earliest_allowed(person, alliance, now, delivery.urgent)
    if allowed > now:
        return Readiness("wait", until=allowed)
    return Readiness("send", target=identity.external_id, person=person)


def _own(session: Session, delivery_id: int, worker: str) -> Delivery | None:
    """The row, if this worker still holds it (a reclaimed row is someone else's now)."""
    delivery = session.get(Delivery, delivery_id)
    if (
        delivery is None
        or delivery.status != DeliveryStatus.SENDING
        or delivery.claimed_by != worker
    ):
        return None
    return delivery


def mark_sent(session: Session, delivery_id: int, worker: str, message_id: str) -> None:
    delivery = _own(session, delivery_id, worker)
    if delivery is not None:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = utcnow()
        delivery.platform_message_id = message_id


def release(
    session: Session, delivery_id: int, worker: str, status: str, until: datetime | None = None
) -> None:
    """Give up a claimed row without sending: `pending` again (until `until`) or final."""
    delivery = _own(session, delivery_id, worker)
    if delivery is None:
        return
    delivery.status = status
    delivery.claimed_by = None
    delivery.claimed_at = None
    if until is not None:
        delivery.due_at = until


def backoff(attempts: int, rng: random.Random, base: float = BASE_BACKOFF_SECONDS) -> float:
    """Exponential backoff with jitter: spreads the retries of a fan-out over time."""
    ceiling = min(MAX_BACKOFF_SECONDS, base * 2 ** (attempts - 1))
    return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


def mark_retry(
    session: Session,
    delivery_id: int,
    worker: str,
    error: str,
    now: datetime,
    retry_after: float | None,
    rng: random.Random,
    base_backoff: float = BASE_BACKOFF_SECONDS,
) -> bool:
    """Try again later; returns False when the attempts are used up and the row failed."""
    delivery = _own(session, delivery_id, worker)
    if delivery is None:
        return True
    delivery.attempts += 1
    delivery.last_error = error[:500]
    delivery.claimed_by = None
    delivery.claimed_at = None
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        return False
    wait = max(retry_after or 0.0, backoff(delivery.attempts, rng, base_backoff))
    delivery.status = DeliveryStatus.PENDING
    delivery.due_at = now + timedelta(seconds=wait)
    return True


def mark_failed(
    session: Session,
    delivery_id: int,
    worker: str,
    error: str,
    recipient_gone: bool,
    now: datetime,
) -> None:
    """Fail at once; when the recipient is gone, plan nothing more to that account."""
    delivery = _own(session, delivery_id, worker)
    if delivery is None:
        return
    delivery.status = DeliveryStatus.FAILED
    delivery.attempts += 1
    delivery.last_error = error[:500]
    if recipient_gone and delivery.person_id is not None:
        for identity in session.exec(
            select(Identity).where(
                Identity.person_id == delivery.person_id,
                Identity.platform == delivery.platform,
                col(Identity.unreachable_since).is_(None),
            )
        ):
            identity.unreachable_since = now
            identity.unreachable_reason = error[:200]
            _tell_advisers(session, identity, now)


def _tell_advisers(session: Session, identity: Identity, now: datetime) -> None:
    """Advisers hear once that someone can no longer be reached, so they can call instead."""
    person = session.get(Person, identity.person_id)
    alliance = session.get(Alliance, person.alliance_id) if person else None
    if person is None or alliance is None or not alliance.adviser_channel:
        return
    texts = Texts(alliance.language)
    plan_delivery(
        session,
        alliance,
        Plan(
            dedupe_key=f"unreachable:{identity.id}:{now.date().isoformat()}",
            kind=DeliveryKind.NOTICE,
            body=texts.render(
                "unreachable_notice",
                person=person,
                platform=identity.platform.capitalize(),
                reason=identity.unreachable_reason or "",
            ),
            due_at=now,
            channel=alliance.adviser_channel,
        ),
    )


def unreachable_accounts(session: Session) -> list[dict[str, str]]:
    """Accounts the platforms refused, for the advisers to follow up by other means."""
    rows = session.exec(
        select(Identity, Person)
        .join(Person, col(Person.id) == Identity.person_id)
        .where(col(Identity.unreachable_since).is_not(None))
        .order_by(col(Identity.unreachable_since))
    ).all()
    return [
        {
            "person": person.key,
            "name": person.name,
            "platform": identity.platform,
            "since": identity.unreachable_since.isoformat() if identity.unreachable_since else "",
            "reason": identity.unreachable_reason or "",
        }
        for identity, person in rows
    ]


def delivery_reply(session: Session, delivery: Delivery, person: Person | None) -> Reply:
    """The neutral reply for a row, with a word of explanation when the cap held it back."""
    markup = delivery.body
    if delivery.held_back and person is not None:
        alliance = session.get(Alliance, person.alliance_id)
        if alliance is not None:
            texts = Texts(language_of(person, alliance))
            markup += texts.render("held_back", cap=alliance.weekly_cap)
    buttons = tuple(
        Button(b["label"], b["action"], b.get("style") or None)  # type: ignore[arg-type]
        for b in delivery.buttons
    )
    return Reply.from_markup(markup, buttons=buttons, ephemeral=False)
