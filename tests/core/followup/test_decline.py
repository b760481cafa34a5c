"""The declining-follow-up rule: as-of semantics, periods, the statistics and the flags."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.followup.decline import (
    EPOCH,
    FOLLOW_UP_RULE,
    PERIOD,
    AgreementFacts,
    Flag,
    FollowUpSeries,
    PeriodCounts,
    detect_follow_up_decline,
    flag_follow_up,
    follow_up_as_of,
    period_index,
    period_start,
    series_from_counts,
)
from bot.core.kernel.stats import Comparison, beta_binomial_mid_p, beta_binomial_pmf, find_drop

START = date(2026, 1, 5)  # a Monday, one week into period 52
DAY = timedelta(days=1)


def counts(series: FollowUpSeries, day: date) -> PeriodCounts:
    """The counts of the period holding `day`."""
    return next(p for p in series.periods if p.index == period_index(day))


def history(
    start: date,
    end: date,
    on_time: Callable[[int, date], bool],
    every: int = 3,
    due_after: int = 21,
    made_until: date | None = None,
) -> list[AgreementFacts]:
    """An agreement every `every` days; `on_time(number, due_on)` decides its outcome.

    On time: done two days before the due date. Late: alternately done ten days after the
    due date and never done.
    """
    facts = []
    day, number = start, 0
    while day <= end and (made_until is None or day < made_until):
        due = day + timedelta(days=due_after)
        if on_time(number, due):
            done: date | None = due - 2 * DAY
        else:
            done = due + 10 * DAY if number % 2 else None
        facts.append(AgreementFacts(day, due, done))
        day += timedelta(days=every)
        number += 1
    return facts


def eighty_percent(number: int, due: date) -> bool:
    return number % 5 != 0


def dropping_on(change: date) -> Callable[[int, date], bool]:
    """80% on time for agreements due before `change`, 20% from then on."""
    return lambda number, due: number % 5 != 0 if due < change else number % 5 == 0


def period_starts(first: date, last: date) -> list[date]:
    return [period_start(i) for i in range(period_index(first) + 1, period_index(last) + 1)]


# --- periods ----------------------------------------------------------------------------------


def test_periods_are_two_weeks_from_a_fixed_monday_epoch() -> None:
    assert EPOCH.weekday() == 0
    assert PERIOD.days == 14
    assert period_index(EPOCH) == 0
    assert period_index(EPOCH + 13 * DAY) == 0
    assert period_index(EPOCH + 14 * DAY) == 1
    assert period_index(EPOCH - DAY) == -1  # floor, not truncation
    assert period_start(1) == date(2024, 1, 15)
    assert all(period_start(period_index(START) + i).weekday() == 0 for i in range(30))


def test_the_series_is_dense_and_ends_in_the_period_of_as_of() -> None:
    facts = [
        AgreementFacts(date(2026, 1, 5), date(2026, 1, 20), date(2026, 1, 19)),
        AgreementFacts(date(2026, 3, 2), date(2026, 3, 20), None),
    ]
    as_of = date(2026, 4, 1)
    series = follow_up_as_of(facts, as_of)
    indices = [p.index for p in series.periods]
    assert indices == list(range(period_index(date(2026, 1, 5)), period_index(as_of) + 1))
    assert sum(p.made for p in series.periods) == 2
    assert sum(p.due for p in series.periods) == 2
    assert follow_up_as_of([], as_of) == FollowUpSeries(as_of)


# --- as-of semantics --------------------------------------------------------------------------


def test_a_completion_after_as_of_counts_as_open_and_late() -> None:
    late = AgreementFacts(date(2026, 2, 2), date(2026, 3, 2), date(2026, 3, 20))
    before_done = counts(follow_up_as_of([late], date(2026, 3, 10)), late.due_on)
    assert (before_done.due, before_done.on_time, before_done.open) == (1, 0, 1)
    after_done = counts(follow_up_as_of([late], date(2026, 3, 25)), late.due_on)
    assert (after_done.due, after_done.on_time, after_done.open) == (1, 0, 0)


def test_an_agreement_is_settled_only_after_its_due_day() -> None:
    early = AgreementFacts(date(2026, 2, 2), date(2026, 3, 2), date(2026, 2, 27))
    open_one = AgreementFacts(date(2026, 2, 2), date(2026, 3, 2), None)
    for as_of in (date(2026, 2, 28), date(2026, 3, 2)):  # done early, or due today: not yet
        series = follow_up_as_of([early, open_one], as_of)
        assert sum(p.due for p in series.periods) == 0
    settled = counts(follow_up_as_of([early, open_one], date(2026, 3, 3)), early.due_on)
    assert (settled.due, settled.on_time, settled.open) == (2, 1, 1)


def test_agreements_made_after_as_of_are_unknown() -> None:
    known = AgreementFacts(date(2026, 2, 2), date(2026, 2, 16), date(2026, 2, 16))
    future = AgreementFacts(date(2026, 3, 5), date(2026, 3, 19), date(2026, 3, 10))
    series = follow_up_as_of([known, future], date(2026, 3, 4))
    assert sum(p.made for p in series.periods) == 1
    assert follow_up_as_of([known], date(2026, 3, 4)) == series
    made_today = AgreementFacts(date(2026, 3, 4), date(2026, 3, 18), None)
    assert sum(p.made for p in follow_up_as_of([made_today], date(2026, 3, 4)).periods) == 1


FACT = st.builds(
    lambda made, due, done: AgreementFacts(
        START + timedelta(days=made),
        START + timedelta(days=made + due),
        None if done is None else START + timedelta(days=made + done),
    ),
    st.integers(0, 200),
    st.integers(0, 60),
    st.none() | st.integers(0, 90),
)


@given(st.lists(FACT, max_size=40), st.integers(1, 260), st.integers(0, 120))
@settings(max_examples=200, deadline=None)
def test_past_periods_keep_their_counts_as_as_of_moves_on(
    facts: list[AgreementFacts], first: int, later: int
) -> None:
    """Fixed periods and settled outcomes: what a past period said stays said."""
    early = period_start(period_index(START + timedelta(days=first)))
    late = early + timedelta(days=later)
    then = {p.index: p for p in follow_up_as_of(facts, early).periods}
    now = {p.index: p for p in follow_up_as_of(facts, late).periods}
    for index, past in then.items():
        if index < period_index(early):
            assert (now[index].made, now[index].due, now[index].on_time) == (
                past.made,
                past.due,
                past.on_time,
            )


@given(st.lists(FACT, max_size=40), st.integers(0, 260))
@settings(max_examples=200, deadline=None)
def test_the_documented_sql_gives_the_same_counts(facts: list[AgreementFacts], day: int) -> None:
    """The SQLite form of the module docstring's queries, on the same facts."""
    as_of = START + timedelta(days=day)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE agreement (made_on DATE, due_on DATE, done_on DATE)")
    db.executemany(
        "INSERT INTO agreement VALUES (?, ?, ?)",
        [
            (f.made_on.isoformat(), f.due_on.isoformat(), f.done_on and f.done_on.isoformat())
            for f in facts
        ],
    )
    period = "CAST(FLOOR((julianday({}) - julianday('2024-01-01')) / 14.0) AS INTEGER)"
    due_rows = db.execute(
        f"SELECT {period.format('due_on')}, COUNT(*),"
        " COUNT(*) FILTER (WHERE done_on <= due_on),"
        " COUNT(*) FILTER (WHERE done_on IS NULL OR done_on > :as_of)"
        " FROM agreement WHERE made_on <= :as_of AND due_on < :as_of GROUP BY 1",
        {"as_of": as_of.isoformat()},
    ).fetchall()
    made_rows = db.execute(
        f"SELECT {period.format('made_on')}, COUNT(*) FROM agreement"
        " WHERE made_on <= :as_of GROUP BY 1",
        {"as_of": as_of.isoformat()},
    ).fetchall()
    rows = [PeriodCounts(i, due=d, on_time=o, open=n) for i, d, o, n in due_rows]
    rows += [PeriodCounts(i, made=m) for i, m in made_rows]
    assert series_from_counts(as_of, rows) == follow_up_as_of(facts, as_of)


def test_counts_after_as_of_are_refused() -> None:
    with pytest.raises(ValueError, match="after as_of"):
        series_from_counts(date(2026, 3, 2), [PeriodCounts(period_index(date(2026, 4, 1)))])


# --- the statistics ---------------------------------------------------------------------------


def test_beta_binomial_with_a_uniform_prior_is_uniform() -> None:
    for n in (1, 4, 11):
        assert [beta_binomial_pmf(k, n, 1.0, 1.0) for k in range(n + 1)] == pytest.approx(
            [1 / (n + 1)] * (n + 1)
        )
    assert beta_binomial_pmf(-1, 4, 1.0, 1.0) == 0.0 == beta_binomial_pmf(5, 4, 1.0, 1.0)
    assert beta_binomial_mid_p(2, 4, 1.0, 1.0) == pytest.approx(2 / 5 + 1 / 10)


def test_a_strong_prior_approaches_the_binomial() -> None:
    a, b = 800_000.0, 200_000.0  # a rate of 0.8, known almost exactly
    assert beta_binomial_pmf(1, 4, a, b) == pytest.approx(4 * 0.8 * 0.2**3, rel=1e-3)
    assert beta_binomial_mid_p(1, 4, a, b) == pytest.approx(0.2**4 + 2 * 0.8 * 0.2**3, rel=1e-3)


@given(st.integers(0, 30), st.integers(0, 30), st.floats(0.1, 60), st.floats(0.1, 60))
def test_the_mid_p_is_a_probability_and_rises_with_successes(
    k: int, n: int, a: float, b: float
) -> None:
    k = min(k, n)
    p = beta_binomial_mid_p(k, n, a, b)
    assert 0.0 <= p <= 1.0
    if k < n:
        assert beta_binomial_mid_p(k + 1, n, a, b) >= p


# --- the rule ---------------------------------------------------------------------------------

CHANGE = date(2026, 5, 20)


def test_a_steady_partner_is_never_flagged() -> None:
    facts = history(START, date(2026, 12, 31), eighty_percent)
    for as_of in period_starts(START, date(2026, 12, 31)):
        assert flag_follow_up(facts, as_of) is None, as_of


def test_a_clear_drop_is_flagged_with_its_since() -> None:
    facts = history(START, date(2026, 9, 30), dropping_on(CHANGE))
    for as_of in period_starts(START, CHANGE):
        assert flag_follow_up(facts, as_of) is None, as_of
    as_of = period_start(period_index(CHANGE) + 3)
    flag = flag_follow_up(facts, as_of)
    assert flag is not None
    assert abs(period_index(flag.since) - period_index(CHANGE)) <= 1
    assert flag.rate_before >= 0.75 and flag.rate_after <= 0.35
    assert flag.before_due >= FOLLOW_UP_RULE.min_before
    assert flag.after_due >= FOLLOW_UP_RULE.min_after
    assert flag.as_of == as_of and flag.baseline_from <= START


def test_the_flag_comes_within_two_periods_and_stays_while_the_decline_lasts() -> None:
    facts = history(START, date(2026, 12, 31), dropping_on(CHANGE))
    flagged = [
        as_of
        for as_of in period_starts(CHANGE, date(2026, 11, 30))
        if flag_follow_up(facts, as_of) is not None
    ]
    assert flagged[0] <= period_start(period_index(CHANGE) + 2)
    assert flagged == [d for d in period_starts(CHANGE, date(2026, 11, 30)) if d >= flagged[0]]


def test_a_recovered_partner_is_no_longer_flagged() -> None:
    def dip(number: int, due: date) -> bool:
        if CHANGE <= due < CHANGE + timedelta(weeks=6):
            return number % 5 == 0
        return number % 5 != 0

    facts = history(START, date(2026, 12, 31), dip)
    assert flag_follow_up(facts, period_start(period_index(CHANGE) + 3)) is not None
    assert flag_follow_up(facts, period_start(period_index(CHANGE) + 6)) is None


def test_small_samples_are_not_flagged() -> None:
    sparse = history(START, date(2026, 9, 30), dropping_on(CHANGE), every=20)
    for as_of in period_starts(CHANGE, CHANGE + timedelta(weeks=8)):
        settled_since = [f for f in sparse if CHANGE <= f.due_on < as_of]
        flag = flag_follow_up(sparse, as_of)
        if len(settled_since) < FOLLOW_UP_RULE.min_after:
            assert flag is None, as_of  # one late agreement is never a decline
        elif flag is not None:
            assert flag.after_due >= FOLLOW_UP_RULE.min_after
            assert flag.before_due >= FOLLOW_UP_RULE.min_before
    late_start = history(CHANGE - timedelta(weeks=5), date(2026, 9, 30), dropping_on(CHANGE))
    as_of = CHANGE + timedelta(weeks=3)
    assert sum(p.due for p in follow_up_as_of(late_start, as_of).periods) > 4
    assert flag_follow_up(late_start, as_of) is None  # too short a baseline


def test_a_partner_is_flagged_declining_whether_or_not_it_keeps_making_agreements() -> None:
    """Pseudo-cooperation is the partnership's state (`pseudo`), never one partner's label;
    the pace travels with the flag for that judgement."""
    as_of = period_start(period_index(CHANGE) + 3)
    keeps_making = history(START, date(2026, 9, 30), dropping_on(CHANGE))
    stops_making = history(START, date(2026, 9, 30), dropping_on(CHANGE), made_until=CHANGE)
    keeps = flag_follow_up(keeps_making, as_of)
    stops = flag_follow_up(stops_making, as_of)
    assert keeps is not None and keeps.kind == "declining_follow_up"
    assert stops is not None and stops.kind == "declining_follow_up"
    assert keeps.pace_ratio >= 0.75 > stops.pace_ratio
    assert stops.made_recently == 0
    assert keeps.as_dict()["pace_ratio"] >= 0.75 and "partners" not in keeps.as_dict()


def test_the_explanation_carries_the_numbers() -> None:
    flag = Flag(
        kind="declining_follow_up",
        since=date(2026, 3, 2),
        as_of=date(2026, 4, 27),
        baseline_from=date(2025, 11, 10),
        before_on_time=9,
        before_due=11,
        after_on_time=2,
        after_due=7,
        after_open=3,
        made_before=12,
        made_recently=6,
        p_value=0.01,
    )
    assert flag.describe("Waterschap") == (
        "Waterschap: 9 of 11 on time before 2 March 2026, 2 of 7 since;"
        " 3 still open past the due date"
    )
    pseudo = replace(flag, kind="pseudo_cooperation", partners_falling=4, partners_counted=6)
    assert pseudo.describe("Noord").endswith(
        "; 4 of 6 partners do fewer on time"
        "; meanwhile 6 new agreements were made (12 in the 16 weeks before)"
    )
    assert pseudo.as_dict()["partners"] == {"falling": 4, "counted": 6}
    assert flag.as_dict()["after"] == {"on_time": 2, "due": 7, "open": 3}
    assert flag.as_dict()["since"] == "2026-03-02"


# --- properties of the rule -------------------------------------------------------------------

PERIOD_COUNTS = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 6)).map(lambda t: (min(t), max(t))),
    min_size=1,
    max_size=30,
)  # (on_time, due) per period


def series_of(periods: Sequence[tuple[int, int]]) -> FollowUpSeries:
    first = period_index(START)
    return FollowUpSeries(
        period_start(first + len(periods) - 1),
        tuple(
            PeriodCounts(first + i, made=due, due=due, on_time=on_time)
            for i, (on_time, due) in enumerate(periods)
        ),
    )


@given(PERIOD_COUNTS)
@settings(max_examples=300, deadline=None)
def test_a_flag_always_shows_a_real_drop_on_enough_agreements(
    periods: list[tuple[int, int]],
) -> None:
    flag = detect_follow_up_decline(series_of(periods))
    if flag is not None:
        # the fall as the rule computes it (rearranged, floats round the boundary differently)
        assert flag.rate_before - flag.rate_after >= FOLLOW_UP_RULE.min_drop
        assert flag.before_due >= FOLLOW_UP_RULE.min_before
        assert flag.after_due >= FOLLOW_UP_RULE.min_after
        assert flag.since <= flag.as_of


@given(PERIOD_COUNTS)
@settings(max_examples=300, deadline=None)
def test_no_flag_when_everything_due_in_the_newest_period_was_on_time(
    periods: list[tuple[int, int]],
) -> None:
    """A group that is back on track now is not flagged, whatever happened before."""
    newest = max((i for i, (_, due) in enumerate(periods) if due), default=None)
    if newest is not None:
        periods[newest] = (periods[newest][1], periods[newest][1])
    assert detect_follow_up_decline(series_of(periods)) is None


@given(PERIOD_COUNTS, st.data())
@settings(max_examples=300, deadline=None)
def test_a_late_agreement_done_on_time_in_the_newest_period_never_raises_a_flag(
    periods: list[tuple[int, int]], data: st.DataObject
) -> None:
    """Better follow-up now can only take a flag away, never raise one."""
    newest = max((i for i, (o, d) in enumerate(periods) if o < d), default=None)
    if newest is None or any(d for _, d in periods[newest + 1 :]):
        return
    better = list(periods)
    on_time, due = periods[newest]
    better[newest] = (data.draw(st.integers(on_time + 1, due)), due)
    if detect_follow_up_decline(series_of(periods)) is None:
        assert detect_follow_up_decline(series_of(better)) is None


# --- the generic core -------------------------------------------------------------------------


def test_the_generic_core_works_on_means_too() -> None:
    """Pulse trends will pass rounds of answers and their own test; the scan is the same."""

    def compare_means(
        before: Sequence[list[float]], after: Sequence[list[float]], margin: float
    ) -> Comparison:
        old = [x for b in before for x in b]
        new = [x for b in after for x in b]
        level_before, level_after = sum(old) / len(old), sum(new) / len(new)
        gap = level_before - margin - level_after
        return Comparison(level_before, level_after, 0.01 if gap > 0 else 0.9, gap)

    steady = [[4.0, 4.0, 4.0]] * 10
    assert find_drop(steady, len, compare_means, FOLLOW_UP_RULE) is None
    dropped = steady + [[2.0, 3.0, 2.0]] * 2
    drop = find_drop(dropped, len, compare_means, FOLLOW_UP_RULE)
    assert drop is not None and drop.change == 10
    assert (drop.n_before, drop.n_after) == (30, 6)
