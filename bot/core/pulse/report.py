"""From stored answers to what may be shown: results per round, flags, chart, closing.

Answers are read here and nowhere else; they leave only as aggregates (`results`), which
apply the anonymity rules (minimum group size, complementary suppression). Every
output — the chat, App Home, the CLI's JSON and CSV, the chart, the flags and the "what
we heard" message — is made from those aggregates, so no output can show more than the
rules allow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.core.attention import Detected, Flag, FlagFamily, FlagLevel, sync_flags
from bot.core.kernel import (
    LANGUAGES,
    Alliance,
    Chart,
    Partner,
    Person,
    Region,
    Reply,
    Texts,
    language_of,
    parse_markup,
    plain_text,
    utcnow,
)
from bot.core.outbox import (
    DeliveryKind,
    Plan,
    Subject,
    cancel_pending,
    plan_delivery,
    plan_many,
)
from bot.core.pulse.chart import trend_chart
from bot.core.pulse.lenses import dropped_lenses
from bot.core.pulse.models import PulseAnswer, PulseQuestion, PulseRound, RoundKind
from bot.core.pulse.questions import lens_of
from bot.core.pulse.results import Level, Response, RoundResult, Structure, aggregate
from bot.core.pulse.rounds import open_round_of
from bot.core.pulse.table import lens_labels, lens_summary, tell_coordinators
from bot.core.pulse.trends import GroupTrend, PulseFlag, pulse_flags, trend

HISTORY = 26  # rounds in reports and charts: a year of fortnightly rounds


def structure_of(session: Session, alliance: Alliance) -> Structure:
    regions = session.exec(
        select(Region).where(Region.alliance_id == alliance.id).order_by(col(Region.key))
    ).all()
    partners = session.exec(
        select(Partner).where(Partner.alliance_id == alliance.id).order_by(col(Partner.key))
    ).all()
    return Structure(
        regions=tuple((r.key, r.name) for r in regions),
        partners=tuple((p.key, p.name) for p in partners),
        name=alliance.name,
    )


def closed_rounds(session: Session, alliance: Alliance, limit: int = HISTORY) -> list[PulseRound]:
    rounds = session.exec(
        select(PulseRound)
        .where(PulseRound.alliance_id == alliance.id, col(PulseRound.closed_at).is_not(None))
        .order_by(col(PulseRound.opened_at).desc())
        .limit(limit)
    ).all()
    return list(reversed(rounds))


def responses(
    session: Session, alliance: Alliance, rounds: Sequence[PulseRound]
) -> dict[int, list[Response]]:
    """Complete answers (energy and trust) of each round, with the group they belonged to.

    One query for all rounds, reading only the columns the report needs: a year of rounds
    with 2,000 respondents is a hundred thousand answers, too many to load as objects each
    time App Home opens."""
    ids = [r.id for r in rounds if r.id is not None]
    rows = session.execute(
        sa_select(
            col(PulseQuestion.round_id),
            col(PulseAnswer.person_id),
            col(PulseQuestion.key),
            col(PulseAnswer.value),
            col(PulseAnswer.region_id),
            col(PulseAnswer.partner_id),
        )
        .join(PulseQuestion, col(PulseQuestion.id) == col(PulseAnswer.question_id))
        .where(
            col(PulseQuestion.round_id).in_(ids),
            col(PulseAnswer.value).is_not(None),  # the scale questions
        )
    ).all()
    regions = {
        r.id: r.key for r in session.exec(select(Region).where(Region.alliance_id == alliance.id))
    }
    partners = {
        p.id: p.key for p in session.exec(select(Partner).where(Partner.alliance_id == alliance.id))
    }
    answers: dict[tuple[int, int], dict[str, tuple[int, int | None, int | None]]] = defaultdict(
        dict
    )
    for round_id, person_id, key, value, region_id, partner_id in rows:
        answers[(round_id, person_id)][key] = (value or 0, region_id, partner_id)
    complete: dict[int, list[Response]] = {round_id: [] for round_id in ids}
    for (round_id, _), answered in answers.items():
        if "energy" in answered and "trust" in answered:
            energy, region_id, partner_id = answered["energy"]
            complete[round_id].append(
                Response(
                    region=regions.get(region_id),
                    partner=partners.get(partner_id),
                    energy=energy,
                    trust=answered["trust"][0],
                    lenses=_lens_answers(answered),
                )
            )
    return complete


def _lens_answers(
    answered: dict[str, tuple[int, int | None, int | None]],
) -> tuple[tuple[str, int, int], ...]:
    """One person's statements of a round, added up per lens: (lens, sum, statements)."""
    per_lens: dict[str, list[int]] = defaultdict(list)
    for key, (value, _region, _partner) in answered.items():
        lens = lens_of(key)
        if lens is not None:
            per_lens[lens].append(value)
    return tuple((lens, sum(values), len(values)) for lens, values in sorted(per_lens.items()))


def round_results(
    session: Session, alliance: Alliance, rounds: list[PulseRound]
) -> list[RoundResult]:
    structure = structure_of(session, alliance)
    answered = responses(session, alliance, rounds)
    return [
        RoundResult(
            id=r.id or 0,
            opened_at=r.opened_at,
            closed_at=r.closed_at,
            groups=tuple(
                aggregate(answered.get(r.id or 0, []), structure, alliance.min_group_size)
            ),
        )
        for r in rounds
    ]


def results_reply(
    session: Session, alliance: Alliance, texts: Texts, with_chart: bool = True
) -> Reply:
    """The latest closed round, its changes and open pulse flags, with the trend chart."""
    rounds = round_results(session, alliance, closed_rounds(session, alliance))
    latest = rounds[-1] if rounds else None
    changes = {(t.level, t.key): t for t in trend(rounds) if latest and t.round_id == latest.id}
    markup = texts.render(
        "pulse_results",
        latest=latest,
        changes=changes,
        k=alliance.min_group_size,
        lens_label=lens_labels(texts),
    )
    chart = _chart(session, alliance, texts, rounds) if with_chart and rounds else None
    return Reply.from_markup(markup, image=chart)


def trend_chart_of(session: Session, alliance: Alliance, texts: Texts) -> Chart:
    """The alliance's trend chart over its closed rounds, in the reader's words."""
    rounds = round_results(session, alliance, closed_rounds(session, alliance))
    return _chart(session, alliance, texts, rounds)


def _chart(session: Session, alliance: Alliance, texts: Texts, rounds: list[RoundResult]) -> Chart:
    return trend_chart(
        rounds,
        structure_of(session, alliance),
        language=texts.language,
        title=alliance.name,
        alt=texts.gettext("Energy and trust per region over the last rounds"),
    )


def _flag_name(session: Session, alliance: Alliance, flag: PulseFlag) -> str:
    if flag.level == "alliance":
        return alliance.name
    names = structure_of(session, alliance)
    pairs = names.regions if flag.level == "region" else names.partners
    return dict(pairs).get(flag.key, flag.key)


def _explain(texts: Texts, name: str, flag: PulseFlag) -> str:
    markup = texts.render("pulse_flag", name=name, flag=flag)
    return " ".join(plain_text(b.spans) for b in parse_markup(markup) if hasattr(b, "spans"))


def refresh_pulse_flags(
    session: Session, alliance: Alliance, now: datetime | None = None
) -> list[Flag]:
    """Drops in energy or trust per group, as episodes (told once, see `flag_store`)."""
    rounds = round_results(session, alliance, closed_rounds(session, alliance))
    detected = []
    for flag in pulse_flags(rounds):
        name = _flag_name(session, alliance, flag)
        detected.append(
            Detected(
                family=FlagFamily(flag.measure),
                level=FlagLevel(flag.level),
                key=flag.key,
                kind=flag.kind,
                since=flag.since,
                explanations={lang: _explain(Texts(lang), name, flag) for lang in LANGUAGES},
                numbers=flag.as_dict(),
            )
        )
    return sync_flags(session, alliance, [FlagFamily.ENERGY, FlagFamily.TRUST], detected, now)


def close_round(
    session: Session, alliance: Alliance, now: datetime | None = None
) -> PulseRound | None:
    """Close the open round: no more answers or reminders; respondents hear what we heard.

    Returns the closed round, or None when no round was open."""
    now = now or utcnow()
    pulse_round = open_round_of(session, alliance)
    if pulse_round is None:
        return None
    pulse_round.closed_at = now
    cancel_pending(session, DeliveryKind.REMINDER, Subject(round_id=pulse_round.id))
    cancel_pending(session, DeliveryKind.PULSE, Subject(round_id=pulse_round.id))
    session.flush()
    rounds = round_results(session, alliance, closed_rounds(session, alliance))
    changes = _changes(rounds)
    _tell_respondents(session, alliance, pulse_round, rounds, changes, now)
    if alliance.adviser_channel:
        _report_to_advisers(session, alliance, pulse_round, rounds, changes, now)
    if rounds[-1].id == pulse_round.id:
        if pulse_round.kind == RoundKind.LENS_CHECK:
            tell_coordinators(session, alliance, pulse_round, rounds[-1], now)
        elif dropped := dropped_lenses(rounds):
            tell_coordinators(session, alliance, pulse_round, rounds[-1], now, dropped)
    refresh_pulse_flags(session, alliance, now)
    return pulse_round


def _changes(rounds: list[RoundResult]) -> dict[tuple[Level, str], GroupTrend]:
    """Each shown group's change and rolling mean in the newest of `rounds`."""
    latest = rounds[-1]
    return {(t.level, t.key): t for t in trend(rounds) if t.round_id == latest.id}


def _tell_respondents(
    session: Session,
    alliance: Alliance,
    pulse_round: PulseRound,
    rounds: list[RoundResult],
    changes: dict[tuple[Level, str], GroupTrend],
    now: datetime,
) -> None:
    """Everyone who answered hears what we heard, in their language and with their region."""
    respondents = session.exec(
        select(Person)
        .join(PulseAnswer, col(PulseAnswer.person_id) == col(Person.id))
        .join(PulseQuestion, col(PulseQuestion.id) == col(PulseAnswer.question_id))
        .where(PulseQuestion.round_id == pulse_round.id)
        .distinct()
    ).all()
    plans = []
    for person in respondents:
        texts = Texts(language_of(person, alliance))
        region = session.get(Region, person.region_id) if person.region_id else None
        plans.append(
            Plan(
                dedupe_key=f"pulse-heard:{pulse_round.id}:{person.id}",
                kind=DeliveryKind.NOTICE,
                body=texts.render(
                    "pulse_heard",
                    latest=rounds[-1],
                    changes=changes,
                    region_key=region.key if region else None,
                    lens_summary=lens_summary(texts, rounds[-1]),
                ),
                due_at=now,
                person=person,
                subject=Subject(round_id=pulse_round.id),
            )
        )
    plan_many(session, alliance, plans)  # one batch, however many answered


def _report_to_advisers(
    session: Session,
    alliance: Alliance,
    pulse_round: PulseRound,
    rounds: list[RoundResult],
    changes: dict[tuple[Level, str], GroupTrend],
    now: datetime,
) -> None:
    """The advisers' channel gets the round's results and the trend chart."""
    texts = Texts(alliance.language)
    # an empty chart tells the advisers nothing; the worker draws it when it sends
    chart = _chart(session, alliance, texts, rounds) if any(r.groups for r in rounds) else None
    plan_delivery(
        session,
        alliance,
        Plan(
            dedupe_key=f"pulse-report:{pulse_round.id}",
            kind=DeliveryKind.NOTICE,
            body=texts.render(
                "pulse_results",
                latest=rounds[-1],
                changes=changes,
                k=alliance.min_group_size,
                lens_label=lens_labels(texts),
            ),
            due_at=now,
            channel=alliance.adviser_channel,
            image=chart,
            subject=Subject(round_id=pulse_round.id),
        ),
    )
