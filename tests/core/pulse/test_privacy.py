"""Pulse anonymity end to end: whatever the respondents, no output shows a group below k.

Answers are stored through `record_answer` in a real (in-memory) database, the round is
closed with `close_round`, and then every output is rendered and read back as a reader
would: `report_json`, `report_csv`, the results reply in Slack, Telegram and plain text, the
"what we heard" messages, the advisers' channel notice and the chart's data. Group names are
unique made-up words, so a hidden group is caught wherever its name would slip into text.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

import bot.core.pulse.report as pulse_report
from bot.core.kernel.charts import Chart
from bot.core.kernel.models import Alliance, Identity, Partner, Person, Region
from bot.core.kernel.replies import Reply
from bot.core.kernel.texts import Texts
from bot.core.outbox.models import Delivery
from bot.core.pulse.chart import ChartData, chart_series, trend_chart
from bot.core.pulse.export import CSV_HEADER, report_csv, report_json
from bot.core.pulse.report import (
    close_round,
    closed_rounds,
    results_reply,
    round_results,
    structure_of,
)
from bot.core.pulse.results import RoundResult, Structure, mean_1dp
from bot.core.pulse.rounds import open_round, record_answer, scale_questions
from bot.db import make_engine, session_scope
from bot.render.plain import render_plain
from bot.render.slack import render_slack
from bot.render.telegram import render_telegram

# made-up names: none is part of another, of a template or of the alliance's name
REGION_NAMES = ("Qorvenland", "Xylobeemd", "Zephyrdal", "Jukwaarde")
PARTNER_NAMES = ("Vroomtrust", "Pelikaanzorg", "Krabbelwerk", "Hoornvos")
OPENED = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
# a group's respondents, as the results show them (not "fewer than k respondents")
COUNT_PATTERNS = {
    "nl": re.compile(r"(?<!minder dan )\b(\d+) deelnemers?"),
    "en": re.compile(r"(?<!fewer than )\b(\d+) respondents?"),
}
HEARD_PATTERNS = {
    "nl": re.compile(r"antwoordden (\d+) mensen"),
    "en": re.compile(r"(\d+) people answered"),
}


@dataclass(frozen=True)
class Answerer:
    region: int | None  # index into the regions, None: no region
    partner: int | None
    energy: int
    trust: int
    answers: str  # complete | energy | statement | nothing


Shown = dict[tuple[str, str], int]  # (level, key) -> respondents


class ChartRecorder:
    """Wraps `trend_chart` when a round closes: keeps what it was to draw.

    What the chart shows is `chart_series` of these rounds, which is checked (a drawn
    PNG's pixels could not be read back for names)."""

    def __init__(self) -> None:
        self.drawn: list[ChartData] = []

    def draw(
        self,
        rounds: Sequence[RoundResult],
        structure: Structure,
        *,
        language: str,
        title: str,
        alt: str,
    ) -> Chart:
        self.drawn.append(chart_series(rounds, structure))
        return trend_chart(rounds, structure, language=language, title=title, alt=alt)


@contextmanager
def pulse_database(
    people: Sequence[Answerer],
    regions: int,
    partners: int,
    k: int,
    language: str,
    charts: ChartRecorder,
) -> Iterator[Engine]:
    """A fresh in-memory database with one closed round answered by `people`."""
    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    try:
        with session_scope(engine) as session:
            alliance = Alliance(
                name="Samenwerking Lumen",
                language=language,
                adviser_channel="C0ADVISERS",
                min_group_size=k,
                quiet_hours="00:00-00:00",
                weekly_cap=50,
            )
            session.add(alliance)
            session.flush()
            region_rows = [
                Region(alliance_id=alliance.id or 0, key=f"r{i}", name=REGION_NAMES[i])
                for i in range(regions)
            ]
            partner_rows = [
                Partner(alliance_id=alliance.id or 0, key=f"p{i}", name=PARTNER_NAMES[i])
                for i in range(partners)
            ]
            session.add_all([*region_rows, *partner_rows])
            session.flush()
            persons = []
            for number, who in enumerate(people):
                person = Person(
                    alliance_id=alliance.id or 0,
                    key=f"amb{number}",
                    name=f"Ambassadeur {number}",
                    roles="ambassador",
                    region_id=region_rows[who.region].id if who.region is not None else None,
                    partner_id=partner_rows[who.partner].id if who.partner is not None else None,
                )
                session.add(person)
                persons.append(person)
            session.flush()
            # opened before anyone is linked: inviting is not under test here, and slow
            opened = open_round(session, alliance, OPENED)
            assert opened.invited == 0
            energy, trust, statement = scale_questions(session, opened.round)
            moment = OPENED + timedelta(hours=1)
            for person, who in zip(persons, people, strict=True):
                if who.answers in ("complete", "energy"):
                    record_answer(session, energy, person, who.energy, moment)
                if who.answers == "complete":
                    record_answer(session, trust, person, who.trust, moment)
                if who.answers == "statement":
                    record_answer(session, statement, person, 3, moment)
            for person in persons:  # linked now, so that they hear what we heard
                session.add(
                    Identity(
                        person_id=person.id or 0,
                        platform="telegram",
                        external_id=str(900000 + (person.id or 0)),
                    )
                )
            session.flush()
            with patch.object(pulse_report, "trend_chart", charts.draw):
                close_round(session, alliance, OPENED + timedelta(days=5))
        yield engine
    finally:
        engine.dispose()


def truth(people: Sequence[Answerer]) -> dict[tuple[str, str], list[Answerer]]:
    """The real groups of complete respondents (what must never leak below k)."""
    groups: dict[tuple[str, str], list[Answerer]] = {}
    for who in people:
        if who.answers != "complete":
            continue
        groups.setdefault(("alliance", "alliance"), []).append(who)
        if who.region is not None:
            groups.setdefault(("region", f"r{who.region}"), []).append(who)
        if who.partner is not None:
            groups.setdefault(("partner", f"p{who.partner}"), []).append(who)
    return groups


def names(regions: int, partners: int) -> dict[tuple[str, str], str]:
    return {
        **{("region", f"r{i}"): REGION_NAMES[i] for i in range(regions)},
        **{("partner", f"p{i}"): PARTNER_NAMES[i] for i in range(partners)},
    }


def slack_text(reply: Reply) -> str:
    return json.dumps(
        [{"text": m.text, "blocks": m.blocks} for m in render_slack(reply)], ensure_ascii=False
    )


def telegram_text(reply: Reply) -> str:
    return "\n".join(m.text for m in render_telegram(reply))


# --- the checks -----------------------------------------------------------------------------


def check_groups(shown: Shown, real: dict[tuple[str, str], list[Answerer]], k: int) -> None:
    total = len(real.get(("alliance", "alliance"), []))
    if total < k:
        assert shown == {}, "an alliance below k shows nothing at all"
        return
    assert shown[("alliance", "alliance")] == total
    for (level, key), respondents in shown.items():
        assert respondents >= k, (level, key, respondents)
        assert respondents == len(real[(level, key)])
    for level in ("region", "partner"):
        residual = total - sum(n for (lv, _), n in shown.items() if lv == level)
        assert residual == 0 or residual >= k, (level, residual, shown)


def check_json(
    document: dict[str, Any], real: dict[tuple[str, str], list[Answerer]], k: int
) -> Shown:
    (round_,) = document["rounds"]
    shown: Shown = {}
    for group in round_["groups"]:
        assert set(group) >= {"level", "key", "respondents", "energy", "trust"}
        key = (group["level"], group["key"])
        assert key not in shown
        shown[key] = group["respondents"]
        members = real[key]
        assert group["energy"] == mean_1dp(sum(m.energy for m in members), len(members))
        assert group["trust"] == mean_1dp(sum(m.trust for m in members), len(members))
    check_groups(shown, real, k)
    return shown


def check_csv(text: str, shown: Shown) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_HEADER
    found = {(row[3], row[4]): int(row[6]) for row in rows[1:]}
    assert len(found) == len(rows) - 1
    assert found == shown


def check_text(
    text: str, shown: Shown, all_names: dict[tuple[str, str], str], language: str
) -> None:
    for group, name in all_names.items():
        if group in shown:
            continue
        assert name not in text, f"hidden group {name} appears in: {text}"
    counts = {int(n) for n in COUNT_PATTERNS[language].findall(text)}
    assert counts <= set(shown.values()), (counts, shown)


def check_heard(
    body: str, shown: Shown, all_names: dict[tuple[str, str], str], language: str
) -> None:
    check_text(body, shown, all_names, language)
    heard = [int(n) for n in HEARD_PATTERNS[language].findall(body)]
    if shown:
        assert heard == [shown[("alliance", "alliance")]]
    else:
        assert heard == []
        assert not re.search(r"\d", body), "too few answers: no figure at all"


def check_chart(series: ChartData, shown: Shown) -> None:
    for line in series.series:
        assert line.level in ("alliance", "region")
        (respondents,) = line.respondents
        (energy,) = line.energy
        if (line.level, line.key) in shown:
            assert respondents == shown[(line.level, line.key)]
            assert not math.isnan(energy)
        else:  # a group shown in no round is not a line at all
            raise AssertionError(f"chart line for a hidden group {line.key}")
    plotted = {(line.level, line.key) for line in series.series}
    assert plotted == {g for g in shown if g[0] in ("alliance", "region")}


def check_every_output(
    engine: Engine,
    people: Sequence[Answerer],
    regions: int,
    partners: int,
    k: int,
    language: str,
    charts: ChartRecorder,
) -> Shown:
    real = truth(people)
    all_names = names(regions, partners)
    with Session(engine) as session:
        alliance = session.exec(select(Alliance)).one()
        rounds = round_results(session, alliance, closed_rounds(session, alliance))
        shown = check_json(json.loads(json.dumps(report_json(rounds))), real, k)
        check_csv(report_csv(rounds), shown)
        for reply_language in ("nl", "en"):
            reply = results_reply(session, alliance, Texts(reply_language), with_chart=False)
            for text in (slack_text(reply), telegram_text(reply), render_plain(reply)):
                check_text(text, shown, all_names, reply_language)
                for group, name in all_names.items():
                    if group in shown:
                        assert name in text, "a shown group is named"
        check_chart(chart_series(rounds, structure_of(session, alliance)), shown)
        for drawn in charts.drawn:  # the chart sent to the advisers' channel
            check_chart(drawn, shown)
        heard = session.exec(
            select(Delivery).where(col(Delivery.dedupe_key).startswith("pulse-heard:"))
        ).all()
        channel = session.exec(
            select(Delivery).where(col(Delivery.dedupe_key).startswith("pulse-report:"))
        ).one()
    answered = [p for p in people if p.answers != "nothing"]
    assert len(heard) == len(answered), "everyone who answered something hears back"
    for delivery in heard:
        check_heard(delivery.body, shown, all_names, language)
        check_heard(render_plain(Reply.from_markup(delivery.body)), shown, all_names, language)
    assert channel.channel == "C0ADVISERS"
    check_text(channel.body, shown, all_names, language)
    check_text(telegram_text(Reply.from_markup(channel.body)), shown, all_names, language)
    return shown


# --- the property ---------------------------------------------------------------------------

answerers = st.builds(
    Answerer,
    region=st.one_of(st.none(), st.integers(0, 3)),
    partner=st.one_of(st.none(), st.integers(0, 3)),
    energy=st.integers(1, 5),
    trust=st.integers(1, 5),
    answers=st.sampled_from(["complete", "complete", "complete", "energy", "statement", "nothing"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    k=st.integers(2, 5),
    regions=st.integers(1, 4),
    partners=st.integers(1, 4),
    drawn=st.lists(answerers, max_size=22),
    language=st.sampled_from(["nl", "en"]),
)
def test_no_output_shows_a_group_below_k(
    k: int, regions: int, partners: int, drawn: list[Answerer], language: str
) -> None:
    people = [
        Answerer(
            None if a.region is None else a.region % regions,
            None if a.partner is None else a.partner % partners,
            a.energy,
            a.trust,
            a.answers,
        )
        for a in drawn
    ]
    charts = ChartRecorder()
    with pulse_database(people, regions, partners, k, language, charts) as engine:
        check_every_output(engine, people, regions, partners, k, language, charts)


# --- by hand ---------------------------------------------------------------------------------


def test_one_respondent_in_the_other_region_hides_both_regions() -> None:
    """Qorvenland 3, Xylobeemd 1, k = 3: Xylobeemd is too small, and showing Qorvenland
    would give Xylobeemd's answer away as alliance minus Qorvenland: neither is shown."""
    people = [Answerer(0, None, 4, 4, "complete") for _ in range(3)]
    people.append(Answerer(1, None, 1, 1, "complete"))
    for language in ("nl", "en"):
        charts = ChartRecorder()
        with pulse_database(people, 2, 1, 3, language, charts) as engine:
            shown = check_every_output(engine, people, 2, 1, 3, language, charts)
            assert shown == {("alliance", "alliance"): 4}
            with Session(engine) as session:
                bodies = [
                    d.body
                    for d in session.exec(select(Delivery)).all()
                    if d.dedupe_key.startswith(("pulse-heard:", "pulse-report:"))
                ]
            assert len(bodies) == 5
            assert not any("Qorvenland" in b or "Xylobeemd" in b for b in bodies)
            # the alliance: (3 * 4 + 1) / 4 = 3.25, half up; "3,3" in Dutch, "3.3" in English
            assert all("3,3" in b or "3.3" in b for b in bodies)


def test_a_region_of_k_next_to_an_empty_one_is_shown() -> None:
    """The same people without the one in Xylobeemd: Qorvenland is the whole alliance."""
    people = [Answerer(0, 0, 4, 2, "complete") for _ in range(3)]
    charts = ChartRecorder()
    with pulse_database(people, 2, 1, 3, "nl", charts) as engine:
        shown = check_every_output(engine, people, 2, 1, 3, "nl", charts)
    assert shown == {
        ("alliance", "alliance"): 3,
        ("region", "r0"): 3,
        ("partner", "p0"): 3,
    }
