"""Agreements that can change: moved and let go, with their history, on both databases.

Done when: dropping the late agreements of a flagged partner ends its flag at the next
evaluation; moving a due date moves where it counts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.alliance.load import get_alliance
from bot.core.attention.models import Flag
from bot.core.followup.agreements import AgreementRow, import_agreements
from bot.core.followup.changes import (
    Actor,
    ChangeError,
    drop_agreement,
    find_agreement,
    history,
    move_agreement,
    undo_change,
)
from bot.core.followup.checkins import plan_checkins
from bot.core.followup.detection import follow_up_flags, refresh_follow_up_flags
from bot.core.followup.measures import measures_by_group
from bot.core.followup.models import Agreement, AgreementChange
from bot.core.kernel.models import Identity, Partner, Person
from bot.core.outbox.models import Delivery
from bot.db import session_scope

AS_OF = date(2026, 11, 30)
LATE_FROM = date(2026, 9, 7)


def _declining_history() -> list[AgreementRow]:
    """woonkracht: a year of agreements done on time, then three months of none done."""
    rows = []
    made = date(2025, 6, 2)
    while made <= AS_OF - timedelta(days=15):
        due = made + timedelta(days=14)
        done = None if made >= LATE_FROM else due - timedelta(days=1)
        rows.append(AgreementRow(f"W{made:%y%m%d}", "x", "woonkracht", None, made, due, done))
        made += timedelta(days=7)
    return rows


def _flagged(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return {f.key for f in follow_up_flags(session, get_alliance(session), AS_OF)}


def test_dropping_the_late_agreements_ends_the_flag_at_the_next_evaluation(
    demo_engine: Engine,
) -> None:
    rows = _declining_history()
    with session_scope(demo_engine) as session:
        import_agreements(session, get_alliance(session), rows)
    now = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    with session_scope(demo_engine) as session:
        refresh_follow_up_flags(session, get_alliance(session), now)
    assert _flagged(demo_engine) == {"woonkracht"}
    late = [r.key for r in rows if r.done_on is None]
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        for key in late:
            agreement = find_agreement(session, alliance, key)
            assert agreement is not None
            drop_agreement(session, alliance, agreement, "andere aanpak lokaal", Actor("operator"))
    assert _flagged(demo_engine) == set()
    with session_scope(demo_engine) as session:
        refresh_follow_up_flags(session, get_alliance(session), now + timedelta(days=1))
    with Session(demo_engine) as session:
        stored = session.exec(select(Flag).where(Flag.key == "woonkracht")).all()
    assert stored and all(f.ended_at is not None for f in stored)


def test_moving_a_due_date_moves_where_it_counts(demo_engine: Engine) -> None:
    made = date(2026, 10, 1)
    rows = [AgreementRow("M1", "x", "woonkracht", None, made, date(2026, 11, 2), None)]
    with session_scope(demo_engine) as session:
        import_agreements(session, get_alliance(session), rows)
    with Session(demo_engine) as session:
        partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one().id or 0
        before = measures_by_group(session, get_alliance(session), "partner", AS_OF)[partner]
    assert (before.due, before.overdue) == (1, 1)
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        agreement = find_agreement(session, alliance, "m1")  # keys are found whatever the case
        assert agreement is not None
        move_agreement(
            session, alliance, agreement, date(2026, 12, 14), "raad later", Actor("operator")
        )
    with Session(demo_engine) as session:
        measures = measures_by_group(session, get_alliance(session), "partner", AS_OF)
        later = measures_by_group(session, get_alliance(session), "partner", date(2026, 12, 20))
    assert partner not in measures  # nothing due yet: not late any more
    assert (later[partner].due, later[partner].overdue) == (1, 1)  # late after its new date


def _with_contact(engine: Engine, due: date) -> int:
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        alliance.quiet_hours, alliance.weekly_cap = "00:00-00:00", 50
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
        session.add(Identity(person_id=petra.id or 0, platform="telegram", external_id="31337"))
        made = datetime.now(UTC).date() - timedelta(days=20)
        import_agreements(
            session, alliance, [AgreementRow("C1", "x", "woonkracht", None, made, due, None)]
        )
        return session.exec(select(Agreement)).one().id or 0


def _checkins(engine: Engine, status: str) -> list[Delivery]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Delivery).where(Delivery.kind == "checkin", Delivery.status == status)
            )
        )


def test_a_move_plans_the_check_ins_of_the_new_date_and_undo_puts_it_back(
    demo_engine: Engine,
) -> None:
    today = datetime.now(UTC).date()
    agreement_id = _with_contact(demo_engine, today + timedelta(days=10))
    new_due = today + timedelta(days=30)
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        agreement = session.get(Agreement, agreement_id)
        assert agreement is not None
        plan_checkins(session, alliance, today)
        first = len(_pending_in(session))
        change = move_agreement(session, alliance, agreement, new_due, "later", Actor("operator"))
        change_id = change.id or 0
    assert first > 0
    pending = _checkins(demo_engine, "pending")
    assert pending and all(d.due_at.date() >= new_due - timedelta(days=7) for d in pending)
    assert len(_checkins(demo_engine, "cancelled")) == first
    with session_scope(demo_engine) as session:
        agreement, _change = undo_change(session, get_alliance(session), change_id, Actor("op"))
        assert agreement.due_on == today + timedelta(days=10)
    with Session(demo_engine) as session:
        changes = history(session, session.get(Agreement, agreement_id))  # type: ignore[arg-type]
    assert [(c.kind, c.reason, c.undone_by) for c in changes] == [("moved", "later", "op")]
    pending = _checkins(demo_engine, "pending")
    assert pending and min(d.due_at.date() for d in pending) <= today + timedelta(days=10)


def _pending_in(session: Session) -> list[Delivery]:
    return list(session.exec(select(Delivery).where(Delivery.status == "pending")))


def test_dropping_cancels_the_check_ins_and_is_kept_with_who_and_why(demo_engine: Engine) -> None:
    today = datetime.now(UTC).date()
    agreement_id = _with_contact(demo_engine, today + timedelta(days=10))
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        plan_checkins(session, alliance, today)
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        agreement = session.get(Agreement, agreement_id)
        assert agreement is not None
        drop_agreement(
            session, alliance, agreement, "  lokaal \n iets anders nodig ", Actor.of(anna)
        )
    assert _checkins(demo_engine, "pending") == []
    with Session(demo_engine) as session:
        change = session.exec(select(AgreementChange)).one()
        agreement = session.get(Agreement, agreement_id)
    assert agreement is not None and agreement.status == "dropped"
    assert (change.kind, change.reason, change.actor) == (
        "dropped",
        "lokaal iets anders nodig",
        "anna",
    )
    assert (change.old_status, change.new_status) == ("open", "dropped")


@pytest.mark.parametrize(
    ("who", "due", "reason", "code"),
    [
        ("gerda", "2026-12-20", "x", "not_yours"),  # of welzijn (made a partner contact below)
        ("petra", "2026-12-20", " ", "no_reason"),
        ("petra", "2026-11-02", "x", "same_due"),
        ("petra", "2026-09-01", "x", "before_made"),
    ],
)
def test_a_change_that_cannot_be_made_changes_nothing(
    demo_engine: Engine, who: str, due: str, reason: str, code: str
) -> None:
    rows = [AgreementRow("E1", "x", "woonkracht", None, date(2026, 10, 1), date(2026, 11, 2), None)]
    with session_scope(demo_engine) as session:
        import_agreements(session, get_alliance(session), rows)
        person = session.exec(select(Person).where(Person.key == who)).one()
        if who == "gerda":
            person.roles = "partner"  # someone of another organisation, not an adviser
    with Session(demo_engine) as session:
        alliance = get_alliance(session)
        agreement = find_agreement(session, alliance, "E1")
        person = session.exec(select(Person).where(Person.key == who)).one()
        assert agreement is not None
        with pytest.raises(ChangeError) as raised:
            move_agreement(
                session, alliance, agreement, date.fromisoformat(due), reason, Actor.of(person)
            )
        session.rollback()
    assert raised.value.code == code
    with Session(demo_engine) as session:
        assert session.exec(select(AgreementChange)).all() == []
        assert session.exec(select(Agreement)).one().due_on == date(2026, 11, 2)


def test_a_settled_agreement_is_not_moved_and_an_old_change_is_not_undone(
    demo_engine: Engine,
) -> None:
    rows = [
        AgreementRow("S1", "x", "woonkracht", None, date(2026, 10, 1), date(2026, 11, 2), None),
        AgreementRow("S2", "x", "woonkracht", None, date(2026, 10, 1), date(2026, 11, 2), None),
    ]
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        import_agreements(session, alliance, rows)
        s1 = find_agreement(session, alliance, "S1")
        assert s1 is not None
        first = move_agreement(session, alliance, s1, date(2026, 12, 1), "a", Actor("op"))
        move_agreement(session, alliance, s1, date(2026, 12, 8), "b", Actor("op"))
        drop_agreement(session, alliance, s1, "c", Actor("op"))
        first_id = first.id or 0
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        s1 = find_agreement(session, alliance, "S1")
        assert s1 is not None
        with pytest.raises(ChangeError, match="settled"):
            move_agreement(session, alliance, s1, date(2026, 12, 20), "d", Actor("op"))
        with pytest.raises(ChangeError, match="not_last"):
            undo_change(session, alliance, first_id, Actor("op"))
        with pytest.raises(ChangeError, match="unknown"):
            undo_change(session, alliance, 999_999, Actor("op"))
    with Session(demo_engine) as session:
        kinds = session.exec(select(AgreementChange.kind).order_by(col(AgreementChange.id))).all()
    assert list(kinds) == ["moved", "moved", "dropped"]
