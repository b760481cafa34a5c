"""Pseudo-cooperation: judged for the alliance and regions, never pinned on one partner."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session

from bot.core.alliance.load import get_alliance
from bot.core.followup.agreements import AgreementRow, import_agreements
from bot.core.followup.decline import FollowUpSeries, PeriodCounts, period_index, period_start
from bot.core.followup.detection import follow_up_flags, refresh_follow_up_flags
from bot.core.followup.pseudo import detect_pseudo_cooperation
from bot.db import alembic_config, migrate, session_scope

FIRST = 60


def series(periods: Sequence[tuple[int, int, int]]) -> FollowUpSeries:
    """(made, due, on_time) per period, from period `FIRST` on."""
    return FollowUpSeries(
        period_start(FIRST + len(periods) - 1),
        tuple(
            PeriodCounts(FIRST + i, made=made, due=due, on_time=on_time)
            for i, (made, due, on_time) in enumerate(periods)
        ),
    )


def together(partners: Sequence[FollowUpSeries]) -> FollowUpSeries:
    periods = zip(*(s.periods for s in partners), strict=True)
    return FollowUpSeries(
        partners[0].as_of,
        tuple(
            PeriodCounts(
                group[0].index,
                made=sum(p.made for p in group),
                due=sum(p.due for p in group),
                on_time=sum(p.on_time for p in group),
            )
            for group in periods
        ),
    )


STEADY = [(4, 4, 3)] * 15
FALLING = [(4, 4, 3)] * 12 + [(4, 4, 1)] * 3


def test_a_broad_fall_while_agreements_keep_coming_is_pseudo_cooperation() -> None:
    partners = [series(FALLING) for _ in range(4)]
    flag = detect_pseudo_cooperation(together(partners), partners)
    assert flag is not None and flag.kind == "pseudo_cooperation"
    assert (flag.partners_falling, flag.partners_counted) == (4, 4)
    assert flag.since == period_start(FIRST + 12)


def test_one_partners_slump_is_that_partners_follow_up_not_the_partnerships() -> None:
    big = series([(10, 10, 9)] * 12 + [(10, 10, 0)] * 3)
    partners = [big, series(STEADY), series(STEADY)]
    group = together(partners)
    assert detect_pseudo_cooperation(group, partners) is None


def test_a_broad_fall_with_fewer_agreements_made_is_not_pseudo_cooperation() -> None:
    slowing = [(4, 4, 3)] * 12 + [(1, 4, 1)] * 3
    partners = [series(slowing) for _ in range(4)]
    assert detect_pseudo_cooperation(together(partners), partners) is None


def test_a_few_partners_are_not_many() -> None:
    partners = [series(FALLING), series(FALLING)]
    assert detect_pseudo_cooperation(together(partners), partners) is None


PARTNERS = ("gemeente-tiel", "woonkracht", "zorggroep", "welzijn")
AS_OF = date(2026, 9, 7)
CHANGE = AS_OF - timedelta(weeks=8)


def _rows() -> list[AgreementRow]:
    """Every partner agrees every 4 days in region west; from CHANGE on, most come late."""
    rows = []
    for owner in PARTNERS:
        made, number = date(2026, 1, 5), 0
        while made <= AS_OF:
            due = made + timedelta(days=21)
            late = number % 4 == 0 if due < CHANGE else number % 4 != 0
            done = None if late else due - timedelta(days=2)
            rows.append(AgreementRow(f"{owner}-{number}", "x", owner, "west", made, due, done))
            made += timedelta(days=4)
            number += 1
    return rows


def test_the_alliance_and_the_region_get_it_the_partners_are_declining(
    demo_engine: Engine,
) -> None:
    with session_scope(demo_engine) as session:
        import_agreements(session, get_alliance(session), _rows())
    with Session(demo_engine) as session:
        alliance = get_alliance(session)
        flags = {(f.level, f.key): f for f in follow_up_flags(session, alliance, AS_OF)}
    assert flags[("alliance", "alliance")].flag.kind == "pseudo_cooperation"
    assert flags[("region", "west")].flag.kind == "pseudo_cooperation"
    for key in PARTNERS:
        assert flags[("partner", key)].flag.kind == "declining_follow_up"
    whole = flags[("alliance", "alliance")]
    assert whole.name == alliance.name and whole.flag.partners_falling == 4
    assert abs(period_index(whole.flag.since) - period_index(CHANGE)) <= 1


def test_the_daily_check_stores_the_alliance_episode_in_both_languages(
    demo_engine: Engine,
) -> None:
    with session_scope(demo_engine) as session:
        import_agreements(session, get_alliance(session), _rows())
    now = datetime.combine(AS_OF, time(9), tzinfo=UTC)
    with session_scope(demo_engine) as session:
        raised = refresh_follow_up_flags(session, get_alliance(session), now)
        whole = next(f for f in raised if f.level == "alliance")
        assert (whole.key, whole.kind, whole.family) == (
            "alliance",
            "pseudo_cooperation",
            "follow_up",
        )
        assert "shared ambition" in whole.detail["explanations"]["en"]
        assert "gedeelde ambitie" in whole.detail["explanations"]["nl"]
        assert whole.detail["numbers"]["partners"]["falling"] == 4
        partners = [f for f in raised if f.level == "partner"]
        assert {f.kind for f in partners} == {"declining_follow_up"}


def _insert_flag(engine: Engine, level: str, kind: str) -> None:
    with engine.begin() as connection:
        alliance_id = connection.execute(text("SELECT id FROM alliance")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO flag (alliance_id, family, level, key, kind, since, detail,"
                " raised_at, last_seen) VALUES (:a, 'follow_up', :level, :level, :kind,"
                " '2026-08-24', :detail, CURRENT_TIMESTAMP, '2026-09-07')"
            ),
            {
                "a": alliance_id,
                "level": level,
                "kind": kind,
                "detail": json.dumps({"explanations": {"en": "x"}, "numbers": {"p_value": 0.1}}),
            },
        )


def _flags(engine: Engine) -> list[tuple[str, str, dict[str, object]]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT level, kind, detail FROM flag ORDER BY id"))
        return [
            (level, kind, detail if isinstance(detail, dict) else json.loads(detail))
            for level, kind, detail in rows
        ]


def test_stored_partner_pseudo_cooperation_flags_keep_their_meaning(demo_engine: Engine) -> None:
    command.downgrade(alembic_config(demo_engine), "0012")
    _insert_flag(demo_engine, "partner", "pseudo_cooperation")
    _insert_flag(demo_engine, "region", "pseudo_cooperation")
    _insert_flag(demo_engine, "partner", "declining_follow_up")
    before = _flags(demo_engine)
    migrate(demo_engine)
    partner, region, plain = _flags(demo_engine)
    assert partner[1] == "declining_follow_up"
    assert partner[2]["numbers"] == {"p_value": 0.1, "kept_pace": True, "was": "pseudo_cooperation"}
    assert partner[2]["explanations"] == {"en": "x"}
    assert (region, plain) == (before[1], before[2])
    command.downgrade(alembic_config(demo_engine), "0012")
    assert _flags(demo_engine) == before
