"""A partner's declining follow-up: a conversation first, the advisers' channel only by choice.

The daily job runs on a history where one partner (woonkracht) stopped keeping its
agreements. Its coordinator and its own adviser get a direct message with the numbers and
questions from the five lenses; the channel, the digest and the other advisers' views say
nothing about it until one of them presses "Share with the advisers"; then the channel hears
about it once.
"""

from __future__ import annotations

import asyncio
import json
import tomllib
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.adapters.senders import SlackSender
from bot.core.alliance.file import parse_alliance_document
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.attention.flags import Detected, sync_flags
from bot.core.attention.models import Flag
from bot.core.attention.notices import ACK, SHARE
from bot.core.dispatch import command_from_text, handle, home, press
from bot.core.followup.agreements import AgreementRow, import_agreements
from bot.core.jobs import JobEdge, run_job
from bot.core.kernel.models import Person
from bot.core.outbox.models import Delivery
from bot.core.overview.digest import plan_digest
from bot.db import session_scope
from bot.render.plain import render_plain
from bot.worker import Worker
from tests.conftest import DEMO_FILE
from tests.fakes.slack_api import FakeSlackApi
from tests.test_worker import FAST

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MORNING = datetime(2026, 3, 16, 7, 30, tzinfo=AMSTERDAM)  # the flags job's moment
CHANNEL = "C0ADVISERS"
YARA = """
[[people]]
key = "yara"
name = "Yara Coordinator"
roles = ["coordinator"]
slack = "U0YARA001"
language = "en"
"""


def _no_calendars(requests: object) -> dict[object, object]:
    raise AssertionError("the flags job reads no calendars")


EDGE = JobEdge(calendars=_no_calendars)  # type: ignore[arg-type]


def _declining_woonkracht() -> list[AgreementRow]:
    """Woonkracht kept its agreements for months, then mostly stopped."""
    rows = []
    start = date(2025, 9, 1)
    for i in range(16):
        due = start + timedelta(days=14 * (i // 2) + 7 * (i % 2))
        made, done = due - timedelta(days=21), due - timedelta(days=1)
        rows.append(AgreementRow(f"B{i}", f"Ok {i}", "woonkracht", None, made, due, done))
    for i in range(10):
        due = date(2026, 1, 5) + timedelta(days=7 * i)
        done = None if i % 3 else due + timedelta(days=9)
        rows.append(
            AgreementRow(
                f"L{i}", f"Laat {i}", "woonkracht", None, due - timedelta(days=21), due, done
            )
        )
    return rows


@pytest.fixture
def alliance(engine: Engine) -> Engine:
    """The demo alliance with a coordinator (yara, no partner of her own) and the history."""
    raw = tomllib.loads(DEMO_FILE.read_text(encoding="utf-8") + YARA)
    with session_scope(engine) as session:
        load_alliance(session, parse_alliance_document(raw), DEMO_FILE.parent)
    with session_scope(engine) as session:
        import_agreements(session, get_alliance(session), _declining_woonkracht())
    return engine


def _flags_job(engine: Engine, now: datetime = MORNING) -> list[str]:
    with session_scope(engine) as session:
        raised: list[str] = run_job(session, "flags", now, EDGE)["raised"]
        return raised


def _id(session: Session, key: str) -> int:
    return session.exec(select(Person).where(Person.key == key)).one().id or 0


def _flag_deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Delivery).where(Delivery.kind == "flag").order_by(col(Delivery.id))
            ).all()
        )


def _woonkracht(engine: Engine) -> Flag:
    with Session(engine) as session:
        return session.exec(select(Flag).where(Flag.key == "woonkracht")).one()


def _send(engine: Engine, slack: FakeSlackApi) -> None:
    worker = Worker(engine, {"slack": SlackSender("xoxb-test", slack.base_url)}, FAST)
    asyncio.run(asyncio.wait_for(worker.run(once=True), timeout=60))


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as api:
        yield api


def test_the_daily_job_tells_the_coordinator_and_the_own_adviser_privately(
    alliance: Engine, slack: FakeSlackApi
) -> None:
    assert any(raised.startswith("partner:woonkracht:") for raised in _flags_job(alliance))
    with Session(alliance) as session:
        people = {p.id: p.key for p in session.exec(select(Person))}
    private = [d for d in _flag_deliveries(alliance) if d.flag_id == _woonkracht(alliance).id]
    # the coordinator and woonkracht's own adviser; bram and chantal advise other partners
    assert sorted(people[d.person_id or 0] for d in private) == ["anna", "yara"]
    assert all(d.channel is None for d in private)
    for delivery in private:
        # within the quiet hours rule: the job ran at 07:30, quiet until 08:00 their time
        assert delivery.due_at.astimezone(AMSTERDAM).time().isoformat() == "08:00:00"
        actions = [b["action"] for b in delivery.buttons]
        assert actions[0].startswith(f"{ACK.code}:") and actions[1].startswith(f"{SHARE.code}:")
    by_person = {people[d.person_id or 0]: d.body for d in private}
    english, dutch = by_person["yara"], by_person["anna"]
    assert "Follow-up at Woonkracht Rivierenland: first a conversation" in english
    assert "on time before" in english  # the numbers
    assert "Does the shared ambition still fit their own plans?" in english
    assert "Is the tempo workable for them?" in english
    assert "Opvolging bij Woonkracht Rivierenland: eerst een gesprek" in dutch
    assert "op tijd" in dutch and "Past de gezamenlijke ambitie" in dutch

    with session_scope(alliance) as session:  # the worker sends now, whatever the hour
        get_alliance(session).quiet_hours = "00:00-00:00"
    _send(alliance, slack)
    sent_to = sorted(str(p["channel"]) for p in slack.posts)
    assert sent_to == ["DU0ANNA001", "DU0YARA001"]  # direct messages, nothing in the channel
    assert "Woonkracht" not in json.dumps([p for p in slack.posts if p["channel"] == CHANNEL])


def _share(engine: Engine, who: str) -> str:
    flag_id = _woonkracht(engine).id or 0
    with session_scope(engine) as session:
        return render_plain(press(session, _id(session, who), SHARE.action(flag_id), "slack"))


def test_the_channel_hears_about_it_once_someone_shares_it(alliance: Engine) -> None:
    _flags_job(alliance)
    assert [d for d in _flag_deliveries(alliance) if d.channel] == []
    refused = _share(alliance, "bram")  # an adviser of another partner
    assert "eigen adviseurs van de partner" in refused
    with session_scope(alliance) as session:
        flag_id = _woonkracht(alliance).id or 0
        seen = press(session, _id(session, "bram"), ACK.action(flag_id), "slack")
    assert seen.refused and "eigen adviseurs van de partner" in render_plain(seen)
    assert _woonkracht(alliance).shared_at is None

    assert "Gedeeld: het adviseurskanaal hoort één keer over Woonkracht Rivierenland." in _share(
        alliance, "anna"
    )
    again = _share(alliance, "yara")  # a second press, by someone else
    assert "Anna de Vries already shared this with all advisers" in again
    flag = _woonkracht(alliance)
    with Session(alliance) as session:
        assert flag.shared_at is not None and flag.shared_by_id == _id(session, "anna")
    _flags_job(alliance, MORNING + timedelta(days=1))  # the decline goes on
    posted = [d for d in _flag_deliveries(alliance) if d.channel == CHANNEL]
    assert len(posted) == 1 and posted[0].flag_id == flag.id
    assert "Woonkracht" in posted[0].body and "Anna de Vries deelde dit" in posted[0].body
    assert "check-in" not in posted[0].body  # the bot's own questions are no verdict

    with session_scope(alliance) as session:  # the decline has ended
        sync_flags(session, get_alliance(session), ["follow_up"], [], MORNING + timedelta(days=2))
    with session_scope(alliance) as session:
        late = press(session, _id(session, "anna"), SHARE.action(flag.id or 0), "slack")
    assert late.stale


def _view(engine: Engine, who: str, command: str = "aandachtspunten") -> str:
    with session_scope(engine) as session:
        return render_plain(handle(session, command_from_text(_id(session, who), command, "slack")))


def test_only_the_coordinator_and_the_own_adviser_see_an_unshared_flag(alliance: Engine) -> None:
    _flags_job(alliance)
    assert "Woonkracht" in _view(alliance, "anna") and "nog niet gedeeld" in _view(alliance, "anna")
    assert "Woonkracht" in _view(alliance, "yara", "flags")
    assert "Woonkracht" not in _view(alliance, "bram")
    assert "Woonkracht:" not in _view(alliance, "chantal")
    refused = _view(alliance, "bram", "aandachtspunten deel 1")
    assert "Er zijn geen open aandachtspunten om te delen." in refused
    with session_scope(alliance) as session:
        digest = plan_digest(session, get_alliance(session), MORNING + timedelta(hours=2))
        assert digest is not None and digest.delivery is not None
        body = digest.delivery.body
    assert "Met 1 partner loopt een gesprek over de opvolging." in body
    assert "Woonkracht" not in body.split("De komende twee weken")[0]
    assert "op tijd" not in body

    homes = {}
    with session_scope(alliance) as session:
        for who in ("anna", "bram", "yara"):
            page = home(session, _id(session, who), "slack")
            assert page is not None
            homes[who] = " ".join(render_plain(part.reply) for part in page.parts)
    assert "nog niet gedeeld" in homes["anna"] and "not shared yet" in homes["yara"]
    flags_part = homes["bram"].split("Aandachtspunten")[1].split("Signalen uit de regio")[0]
    assert "Woonkracht" not in flags_part and "Bij geen enkele partner" in flags_part

    assert "Gedeeld" in _view(alliance, "anna", "aandachtspunten deel 1")
    assert "Woonkracht" in _view(alliance, "bram") and "nog niet gedeeld" not in _view(
        alliance, "bram"
    )


def test_without_a_channel_sharing_tells_the_other_advisers_directly(engine: Engine) -> None:
    """A file without coordinators: every adviser counts as one and is told privately;
    sharing then has nobody left to tell, and says so without telling anyone twice."""
    with session_scope(engine) as session:
        raw = tomllib.loads(DEMO_FILE.read_text(encoding="utf-8"))
        load_alliance(session, parse_alliance_document(raw), DEMO_FILE.parent)
        alliance = get_alliance(session)
        alliance.adviser_channel = None
        import_agreements(session, alliance, _declining_woonkracht())
    _flags_job(engine)
    told = {d.person_id for d in _flag_deliveries(engine)}
    with Session(engine) as session:
        advisers = {p.id for p in session.exec(select(Person)) if "adviser" in p.role_set and p.id}
    assert told and told <= advisers
    assert "Gedeeld: alle adviseurs horen" in _share(engine, "bram")
    assert {d.person_id for d in _flag_deliveries(engine)} == told  # nobody twice


def test_unanswered_check_ins_inform_the_private_notice_only(demo_engine: Engine) -> None:
    detected = Detected(
        family="follow_up",
        level="partner",
        key="zorggroep",
        kind="declining_follow_up",
        since=date(2026, 10, 5),
        explanations={"nl": "Zorggroep: 2 van 7 op tijd", "en": "Zorggroep: 2 of 7 on time"},
        numbers={"recent": {"checkins_unanswered": 2}},
    )
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        alliance.adviser_channel = CHANNEL
        sync_flags(session, alliance, ["follow_up"], [detected], MORNING)
    private = _flag_deliveries(demo_engine)
    assert private and all("2 check-ins van mij bleven" in d.body for d in private)
    with session_scope(demo_engine) as session:
        flag = session.exec(select(Flag)).one()
        press(session, _id(session, "chantal"), SHARE.action(flag.id or 0), "console")
    shared = [d for d in _flag_deliveries(demo_engine) if d.channel == CHANNEL]
    assert len(shared) == 1 and "Zorggroep: 2 van 7 op tijd" in shared[0].body
    assert "check-in" not in shared[0].body
