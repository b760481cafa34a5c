"""A whole pulse round through the Telegram webhook, with a fake Bot API (the acceptance test).

Open, deliver (the real worker), tap answers, change an answer, the open question, reminders
(never more than two), close through an adviser's command, stale buttons, "what we heard",
the advisers' channel notice and the report: every step as Telegram and the clock drive it.

The clock is a fake one (`utcnow` is replaced in every `bot` module) so that quiet hours,
reminder days and the worker's "due now" mean the same whenever the test runs.
"""

from __future__ import annotations

import html
import json
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

import bot.core.jobs  # every module that reads the clock is loaded before it is replaced
import bot.core.kernel.models
import bot.worker
from bot.adapters.telegram import TelegramAdapter
from bot.adapters.web import create_web_app
from bot.app import build_worker
from bot.core.alliance.load import get_alliance
from bot.core.attention.models import Signal
from bot.core.kernel.models import Identity, Person, Region
from bot.core.outbox.models import Delivery
from bot.core.pulse.export import report_json
from bot.core.pulse.models import PulseAnswer, PulseQuestion, PulseRound
from bot.core.pulse.questions import bank_question_for
from bot.core.pulse.report import closed_rounds, round_results
from bot.core.pulse.rounds import open_round
from bot.db import session_scope
from bot.settings import Settings
from tests.fakes.settling import SettlingTransport
from tests.fakes.telegram_api import TOKEN, FakeBotApi, Rules, SentMessage
from tests.fakes.telegram_updates import button, message

SECRET = "pulse-webhook-secret"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Monday 07:00 in Amsterdam: inside the default quiet hours (21:00-08:00), so the
# invitations wait until 08:00; the round closes five days later, Saturday 07:00.
OPENED = datetime(2030, 3, 4, 7, 0, tzinfo=AMSTERDAM)

# Telegram ids: six ambassadors have one in the demo file; two more and an adviser are linked
GERDA, HASAN, INGRID = 700100001, 700100002, 700100003  # region west
JOOST, KARIN, LOTTE = 700100004, 700100005, 700100006  # region tiel
MOHAMED, OTTO = 700100007, 700100009  # region bommel: they do not answer
BRAM = 4242  # an adviser
LINKED = {"ingrid": INGRID, "karin": KARIN, "bram": BRAM}
INVITED = (GERDA, HASAN, INGRID, JOOST, KARIN, LOTTE, MOHAMED, OTTO)
RESPONDENTS = (GERDA, HASAN, INGRID, JOOST, KARIN, LOTTE)
SILENT = (MOHAMED, OTTO)
KEYS = {
    GERDA: "gerda",
    HASAN: "hasan",
    INGRID: "ingrid",
    JOOST: "joost",
    KARIN: "karin",
    LOTTE: "lotte",
    MOHAMED: "mohamed",
    OTTO: "otto",
}
# energy, trust, bank statement; Gerda later changes her energy from 4 to 3
TAPS = {
    GERDA: (4, 3, 5),
    HASAN: (4, 4, 4),
    INGRID: (4, 2, 3),
    JOOST: (5, 4, 2),
    KARIN: (4, 4, 4),
    LOTTE: (4, 3, 5),
}
GERDA_CHANGED_ENERGY = 3
# By hand, after the change: energy west 3+4+4 = 11/3 = 3.7, tiel 5+4+4 = 13/3 = 4.3,
# all 24/6 = 4.0; trust west 3+4+2 = 9/3 = 3.0, tiel 4+4+3 = 11/3 = 3.7, all 20/6 = 3.3.
EXPECTED_GROUPS = [
    ("alliance", "alliance", 6, 4.0, 3.3),
    ("region", "tiel", 3, 4.3, 3.7),  # regions in the order of their keys
    ("region", "west", 3, 3.7, 3.0),
]


class Clock:
    """A settable `utcnow` that goes on ticking from where it was set (so that a retry
    "in one second" does come due)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    @property
    def now(self) -> datetime:
        return self._base

    @now.setter
    def now(self, value: datetime) -> None:
        self._base = value
        self._set_at = time.monotonic()

    def __call__(self) -> datetime:
        elapsed = timedelta(seconds=time.monotonic() - self._set_at)
        return (self._base + elapsed).astimezone(UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(OPENED)
    real = bot.core.kernel.models.utcnow
    for name, module in list(sys.modules.items()):
        # every module that imported `utcnow`; not `bot.core.kernel.models` itself, so that a module
        # imported later binds the real clock and keeps it after this test
        theirs = name.startswith("bot.") and name != "bot.core.kernel.models"
        if theirs and getattr(module, "utcnow", None) is real:
            monkeypatch.setattr(module, "utcnow", fake)
    assert vars(bot.worker)["utcnow"] == fake, "the worker reads this clock too"
    return fake


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    # a conversation's replies come fast, and flood control is the worker's own test
    with FakeBotApi(Rules(per_second=1000, per_chat_interval=0.0)) as fake:
        assert isinstance(fake, FakeBotApi)
        yield fake


def _settings(api: FakeBotApi) -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,
        telegram_api_url=api.base_url,
        telegram_webhook_secret=SECRET,
        telegram_seconds_per_chat=0.0,  # the fake's per-chat limit is off here
        telegram_webhook_url="https://bot.example.org/telegram/webhook",
    )


@pytest.fixture
async def client(
    demo_engine: Engine, api: FakeBotApi, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    with session_scope(demo_engine) as session:
        for key, telegram_id in LINKED.items():
            person = session.exec(select(Person).where(Person.key == key)).one()
            session.add(
                Identity(
                    person_id=person.id or 0, platform="telegram", external_id=str(telegram_id)
                )
            )
    adapter = TelegramAdapter(demo_engine, _settings(api), webhook=True)
    await adapter.start()
    app = create_web_app(demo_engine, adapter.routes())
    transport = SettlingTransport(app, adapter.inbound)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
    await adapter.stop()


# --- helpers -------------------------------------------------------------------------------


async def post(client: httpx.AsyncClient, update: dict[str, Any]) -> None:
    response = await client.post(
        "/telegram/webhook",
        content=json.dumps(update).encode(),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 200, response.text


async def dispatch(engine: Engine, api: FakeBotApi) -> int:
    """What `alliancebot dispatch --once` does, against this engine (the fake clock's now)."""
    worker = build_worker(engine, _settings(api))
    stats = await worker.run(once=True)
    return stats["sent"]


def to(api: FakeBotApi, chat: int) -> list[SentMessage]:
    return api.messages_to(str(chat))


def last(api: FakeBotApi, chat: int) -> SentMessage:
    return to(api, chat)[-1]


def keyboard(sent: SentMessage) -> list[tuple[str, str]]:
    markup = sent.reply_markup
    if markup is None:
        return []
    data = json.loads(markup) if isinstance(markup, str) else markup
    return [(b["text"], b["callback_data"]) for row in data["inline_keyboard"] for b in row]


def data_of(sent: SentMessage, label: str) -> str:
    found = [data for text, data in keyboard(sent) if text == label]
    assert len(found) == 1, (label, keyboard(sent))
    return found[0]


def plain(sent: SentMessage) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", sent.text))


@dataclass(frozen=True)
class Tap:
    chat: int
    data: str
    label: str
    text: str


def tap_on(sent: SentMessage, chat: int, label: str) -> Tap:
    return Tap(chat, data_of(sent, label), label, plain(sent))


async def press(client: httpx.AsyncClient, tap: Tap) -> None:
    await post(client, button(tap.chat, tap.data, text=tap.text, label=tap.label))


def calls(api: FakeBotApi, method: str) -> list[dict[str, Any]]:
    return [params for name, params in api.calls if name == method]


def is_true(value: Any) -> bool:
    return value in (True, "true", "True")


def local(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(AMSTERDAM)


def deliveries(engine: Engine, prefix: str) -> list[Delivery]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Delivery)
                .where(col(Delivery.dedupe_key).startswith(prefix))
                .order_by(col(Delivery.dedupe_key))
            ).all()
        )


def person_ids(engine: Engine) -> dict[int, int]:
    with Session(engine) as session:
        people = session.exec(select(Person)).all()
        by_key = {p.key: p.id or 0 for p in people}
    return {chat: by_key[key] for chat, key in KEYS.items()}


def answers_by_person(engine: Engine, round_id: int) -> dict[int, dict[str, int | str | None]]:
    with Session(engine) as session:
        rows = session.exec(
            select(PulseAnswer, PulseQuestion.key)
            .join(PulseQuestion, col(PulseQuestion.id) == col(PulseAnswer.question_id))
            .where(PulseQuestion.round_id == round_id)
        ).all()
    found: dict[int, dict[str, int | str | None]] = {}
    for answer, key in rows:
        found.setdefault(answer.person_id, {})[key] = (
            answer.value if answer.value is not None else answer.text
        )
    return found


def answer_rows(engine: Engine, round_id: int, person_id: int) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(PulseAnswer)
            .join(PulseQuestion, col(PulseQuestion.id) == col(PulseAnswer.question_id))
            .where(PulseQuestion.round_id == round_id, PulseAnswer.person_id == person_id)
        ).one()


# --- the round -----------------------------------------------------------------------------


async def test_a_whole_pulse_round_through_the_telegram_webhook(
    client: httpx.AsyncClient, api: FakeBotApi, demo_engine: Engine, clock: Clock
) -> None:
    engine = demo_engine
    people = person_ids(engine)

    # --- open: nine ambassadors, eight reachable; invitations wait for the quiet hours ---
    with session_scope(engine) as session:
        opened = open_round(session, get_alliance(session), OPENED)
        round_id = opened.round.id or 0
    assert (opened.created, opened.invited, opened.unreachable) == (True, 8, 1)
    assert opened.waiting == 8, "07:00 is in the quiet hours: every invitation waits"
    with Session(engine) as session:
        keys = session.exec(
            select(PulseQuestion.key)
            .where(PulseQuestion.round_id == round_id)
            .order_by(col(PulseQuestion.position))
        ).all()
    assert keys == ["energy", "trust", bank_question_for(0).key, "open"]

    invitations = deliveries(engine, f"pulse:{round_id}:")
    assert sorted(d.person_id or 0 for d in invitations) == sorted(people[c] for c in INVITED)
    assert {local(d.due_at) for d in invitations} == {OPENED.replace(hour=8)}
    reminders = deliveries(engine, f"pulse-reminder:{round_id}:")
    assert sorted(d.dedupe_key for d in reminders) == sorted(
        f"pulse-reminder:{round_id}:{people[c]}:{n}" for c in INVITED for n in (1, 2)
    )
    for reminder in reminders:
        number = int(reminder.dedupe_key.rsplit(":", 1)[1])
        due = local(reminder.due_at)
        assert due == (OPENED + timedelta(days=2 * number)).replace(hour=10), reminder.dedupe_key
        assert 8 <= due.hour < 21, "never in the quiet hours"
        assert reminder.expires_at is not None
        assert local(reminder.expires_at) == OPENED + timedelta(days=5)

    # nothing goes out before 08:00 ...
    clock.now = OPENED.replace(hour=7, minute=59)
    assert await dispatch(engine, api) == 0
    assert api.sent == []
    # ... and at 08:00 one invitation per reachable ambassador, with five buttons
    clock.now = OPENED.replace(hour=8, minute=1)
    assert await dispatch(engine, api) == 8
    assert sorted(int(m.chat_id) for m in api.sent) == sorted(INVITED)
    for chat in INVITED:
        (invitation,) = to(api, chat)
        assert [label for label, _ in keyboard(invitation)] == ["1", "2", "3", "4", "5"]
        assert "1/3" in invitation.text
    assert "Pulspeiling" in to(api, GERDA)[0].text
    assert "Hoeveel energie" in to(api, GERDA)[0].text
    assert "Pulse poll" in to(api, OTTO)[0].text  # Otto reads English
    invitation_taps = {chat: to(api, chat)[0] for chat in INVITED}

    # --- taps: each answer edits the pressed message and brings the next question ---
    clock.now = OPENED.replace(hour=9)
    first_taps: dict[int, Tap] = {}
    thanks: dict[int, SentMessage] = {}
    for chat in RESPONDENTS:
        energy, trust, statement = TAPS[chat]
        current = invitation_taps[chat]
        for number, value in enumerate((energy, trust, statement), start=1):
            tap = tap_on(current, chat, str(value))
            if number == 1:
                first_taps[chat] = tap
            edits_before = len(calls(api, "editMessageText"))
            sent_before = len(to(api, chat))
            await press(client, tap)
            edits = calls(api, "editMessageText")[edits_before:]
            assert len(edits) == 1, "the pressed message shows the choice"
            assert str(edits[0]["chat_id"]) == str(chat)
            assert str(edits[0]["message_id"]) == "77"
            assert f"✓ {value}" in str(edits[0]["text"])
            assert "reply_markup" not in edits[0] or not edits[0]["reply_markup"]
            replies = to(api, chat)[sent_before:]
            assert len(replies) == 1
            current = replies[0]
            if number < 3:
                assert f"{number + 1}/3" in current.text
                assert [label for label, _ in keyboard(current)] == ["1", "2", "3", "4", "5"]
            if number == 1:
                assert "vertrouwen" in current.text
        thanks[chat] = current
        assert "Dank je wel! Je kunt je antwoorden tot" in current.text
        assert "Wat speelt er in je regio dat de alliantie moet weten?" in current.text
        ((label, change),) = keyboard(current)
        assert label == "Mijn antwoorden wijzigen"
        assert change == f"pc:{round_id}"
    answered = [p for m, p in api.calls if m == "answerCallbackQuery"]
    assert len(answered) == 18
    assert not any(is_true(a.get("show_alert")) for a in answered)

    # one row per person per question, with the values tapped
    stored = answers_by_person(engine, round_id)
    bank = bank_question_for(0).key
    for chat in RESPONDENTS:
        energy, trust, statement = TAPS[chat]
        assert stored[people[chat]] == {"energy": energy, "trust": trust, bank: statement}
    assert people[MOHAMED] not in stored and people[OTTO] not in stored

    # --- change: question 1 again, showing the current answer; another value replaces it ---
    await press(client, tap_on(thanks[GERDA], GERDA, "Mijn antwoorden wijzigen"))
    again = last(api, GERDA)
    assert "1/3" in again.text and "Hoeveel energie" in again.text
    assert "Je antwoord nu: 4." in again.text
    await press(client, tap_on(again, GERDA, str(GERDA_CHANGED_ENERGY)))
    assert "Dank je wel!" in last(api, GERDA).text
    assert answers_by_person(engine, round_id)[people[GERDA]]["energy"] == GERDA_CHANGED_ENERGY
    assert answer_rows(engine, round_id, people[GERDA]) == 3

    # --- the open question: the next plain message is an anonymous regional signal ---
    words = "Het wijkzorgpunt in Tricht gaat dicht & niemand weet het <nog>"
    await post(client, message(GERDA, words))
    assert "Dank je, de adviseurs lezen het" in last(api, GERDA).text
    with Session(engine) as session:
        signal = session.exec(select(Signal)).one()
        west = session.exec(select(Region).where(Region.key == "west")).one()
        assert signal.anonymous is True
        assert signal.region_id == west.id
        assert signal.text == words
    assert answers_by_person(engine, round_id)[people[GERDA]]["open"] == words
    assert answer_rows(engine, round_id, people[GERDA]) == 4
    (notice,) = deliveries(engine, f"signal:{signal.id}")
    assert notice.channel == "C0ADVISERS" and notice.person_id is None
    assert "Gerda" not in notice.body and "West-Betuwe" in notice.body
    # and the message after that is not taken as an answer any more
    await post(client, message(GERDA, "nog iets"))
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Signal)).one() == 1

    # --- reminders: cancelled for who completed, two at most for the others, never a third ---
    status = {d.dedupe_key: d.status for d in deliveries(engine, f"pulse-reminder:{round_id}:")}
    for chat in INVITED:
        expected = "cancelled" if chat in RESPONDENTS else "pending"
        for n in (1, 2):
            assert status[f"pulse-reminder:{round_id}:{people[chat]}:{n}"] == expected
    clock.now = OPENED.replace(hour=12)
    with session_scope(engine) as session:
        reopened = open_round(session, get_alliance(session), clock.now)
    assert (reopened.created, reopened.invited, reopened.round.id) == (False, 0, round_id)
    assert len(deliveries(engine, f"pulse-reminder:{round_id}:")) == 16
    assert len(deliveries(engine, f"pulse:{round_id}:")) == 8

    clock.now = (OPENED + timedelta(days=2)).replace(hour=9, minute=59)
    assert await dispatch(engine, api) == 0
    clock.now = (OPENED + timedelta(days=2)).replace(hour=10, minute=1)
    assert await dispatch(engine, api) == 2
    assert "Een vriendelijke herinnering" in last(api, MOHAMED).text
    assert "A friendly reminder" in last(api, OTTO).text
    assert [label for label, _ in keyboard(last(api, OTTO))] == ["1", "2", "3", "4", "5"]
    clock.now = (OPENED + timedelta(days=4)).replace(hour=10, minute=1)
    assert await dispatch(engine, api) == 2
    assert "Laatste herinnering" in last(api, MOHAMED).text
    assert "Last reminder" in last(api, OTTO).text
    clock.now = (OPENED + timedelta(days=4)).replace(hour=17)
    assert await dispatch(engine, api) == 0
    for chat in SILENT:
        assert len(to(api, chat)) == 3, "an invitation and two reminders, no more"
    for chat in RESPONDENTS:
        assert not any("herinnering" in m.text for m in to(api, chat))

    # --- close: an adviser's command through the webhook ---
    closing = (OPENED + timedelta(days=4)).replace(hour=18)  # before the deadline
    clock.now = closing
    await post(client, message(BRAM, "/peiling sluit"))
    adviser = " ".join(m.text for m in to(api, BRAM))
    assert "Peilronde gesloten" in adviser
    assert "Hele alliantie" in adviser and "6 deelnemers" in adviser
    assert "West-Betuwe" in adviser and "Tiel en Buren" in adviser
    assert "Bommelerwaard" not in adviser, "nobody answered there"
    assert calls(api, "sendPhoto"), "the trend chart comes along"
    with Session(engine) as session:
        closed = session.get(PulseRound, round_id)
        assert closed is not None and closed.closed_at is not None
        closed_at = closed.closed_at
    assert closing <= local(closed_at) < closing + timedelta(minutes=1)

    # --- stale: the old buttons answer with an alert and change nothing ---
    before = answers_by_person(engine, round_id)
    edits_before = len(calls(api, "editMessageText"))
    sent_before = len(api.sent)
    answers_before = len(calls(api, "answerCallbackQuery"))
    stale = [
        Tap(GERDA, first_taps[GERDA].data.rsplit(":", 1)[0] + ":5", "5", first_taps[GERDA].text),
        first_taps[HASAN],
        tap_on(thanks[JOOST], JOOST, "Mijn antwoorden wijzigen"),
        tap_on(invitation_taps[MOHAMED], MOHAMED, "2"),  # a non-responder, too late
    ]
    for tap in stale:
        await press(client, tap)
    alerts = calls(api, "answerCallbackQuery")[answers_before:]
    assert len(alerts) == len(stale)
    assert all(is_true(a.get("show_alert")) for a in alerts)
    assert all("niet meer open" in str(a.get("text")) for a in alerts)
    assert len(calls(api, "editMessageText")) == edits_before
    assert len(api.sent) == sent_before
    assert answers_by_person(engine, round_id) == before

    # --- "what we heard" for the respondents only; the advisers' channel gets the results ---
    clock.now = closing + timedelta(minutes=5)
    assert await dispatch(engine, api) == 6
    for chat in RESPONDENTS:
        heard = last(api, chat).text
        assert "Wat we hoorden" in heard
        assert "antwoordden 6 mensen" in heard
    assert "In West-Betuwe: energie 3,7, vertrouwen 3,0." in last(api, GERDA).text
    assert "In Tiel en Buren: energie 4,3, vertrouwen 3,7." in last(api, KARIN).text
    for chat in SILENT:
        assert len(to(api, chat)) == 3, "who did not answer hears nothing more"
    (report,) = deliveries(engine, f"pulse-report:{round_id}")
    assert (report.channel, report.platform, report.person_id) == ("C0ADVISERS", "slack", None)
    assert report.status == "pending", "no Slack sender here: it waits in the outbox"
    assert "6 deelnemers" in report.body and "West-Betuwe" in report.body
    assert report.chart is not None, "with the chart (drawn by the worker as it sends)"
    assert all(d.status == "sent" for d in deliveries(engine, f"pulse-heard:{round_id}:"))

    # --- the report: the numbers worked out by hand above ---
    with Session(engine) as session:
        alliance = get_alliance(session)
        results = round_results(session, alliance, closed_rounds(session, alliance))
    assert [r.id for r in results] == [round_id]
    groups = [(g.level, g.key, g.respondents, g.energy, g.trust) for g in results[0].groups]
    assert groups == EXPECTED_GROUPS
    document = report_json(results)
    (only,) = document["rounds"]
    assert only["id"] == round_id
    assert [
        (g["level"], g["key"], g["respondents"], g["energy"], g["trust"]) for g in only["groups"]
    ] == EXPECTED_GROUPS
