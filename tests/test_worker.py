"""The worker against local fakes of the Telegram Bot API and the Slack Web API."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import worker as worker_module
from bot.adapters.send_budget import SharedBudget
from bot.adapters.senders import Sender, SlackSender, TelegramSender
from bot.core.alliance.load import get_alliance
from bot.core.kernel.models import Identity, Person, utcnow
from bot.core.kernel.people import person_by_key
from bot.core.outbox.models import Delivery
from bot.core.outbox.planning import Plan, plan_delivery
from bot.core.outbox.queue import unreachable_accounts
from bot.db import session_scope
from bot.pacing import Limits
from bot.worker import Worker, WorkerOptions
from tests.fakes.fanout import seed_deliveries, seed_people
from tests.fakes.slack_api import FakeSlackApi, SlackRules
from tests.fakes.telegram_api import TOKEN, FakeBotApi, Rules

FAST = WorkerOptions(
    lease=timedelta(seconds=30),
    poll_interval=0.05,
    limits={
        "telegram": Limits(per_second=200, per_chat_interval=1.05, per_group_interval=3.1),
        "slack": Limits(per_second=200, per_chat_interval=1.05, per_group_interval=1.05),
    },
    seed=7,
    base_backoff=0.05,
)

AMBASSADORS = ("gerda", "hasan", "joost", "lotte", "mohamed", "otto")


@pytest.fixture
def telegram() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api  # type: ignore[misc]


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as api:
        yield api  # type: ignore[misc]


@pytest.fixture
def open_hours(demo_engine: Engine) -> Engine:
    """No quiet hours and a roomy cap, so tests send whenever they run."""
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        alliance.quiet_hours = "00:00-00:00"
        alliance.weekly_cap = 50
    return demo_engine


def plan(engine: Engine, key: str, person: str | None = None, channel: str | None = None) -> str:
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        who = person_by_key(session, alliance.id or 0, person) if person else None
        result = plan_delivery(
            session,
            alliance,
            Plan(key, "notice", f"<p>Bericht {key} &amp; meer</p>", utcnow(), who, channel),
        )
        return result.outcome


def run(engine: Engine, senders: dict[str, Sender], options: WorkerOptions = FAST) -> Worker:
    worker = Worker(engine, senders, options)
    asyncio.run(asyncio.wait_for(worker.run(once=True), timeout=60))
    return worker


def statuses(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {d.dedupe_key: d.status for d in session.exec(select(Delivery))}


def chat_of(engine: Engine, person: str) -> str:
    with Session(engine) as session:
        who = session.exec(select(Person).where(Person.key == person)).one()
        return session.exec(select(Identity).where(Identity.person_id == who.id)).one().external_id


def test_each_planned_message_is_sent_once_even_when_dispatched_twice(
    open_hours: Engine, telegram: FakeBotApi
) -> None:
    for person in AMBASSADORS:
        assert plan(open_hours, f"n:{person}", person) == "planned"
        assert plan(open_hours, f"n:{person}", person) == "duplicate"
    senders: dict[str, Sender] = {"telegram": TelegramSender(TOKEN, telegram.base_url)}
    first = run(open_hours, senders)
    assert first.stats["sent"] == len(AMBASSADORS)
    second = run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    assert second.stats["sent"] == 0
    chats = [m.chat_id for m in telegram.sent]
    assert sorted(chats) == sorted(chat_of(open_hours, p) for p in AMBASSADORS)
    assert set(statuses(open_hours).values()) == {"sent"}
    assert (
        "Bericht n:gerda &amp; meer" in telegram.messages_to(chat_of(open_hours, "gerda"))[0].text
    )
    with Session(open_hours) as session:
        assert all(d.platform_message_id for d in session.exec(select(Delivery)))


def test_the_database_work_stays_off_the_event_loop(
    open_hours: Engine, telegram: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claim, a check or a mark that waits on the database must not hold up the sends
    whose turn falls meanwhile: they run in the worker's own thread, never the loop's."""
    threads: dict[str, set[str]] = {}

    def noting(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            threads.setdefault(name, set()).add(threading.current_thread().name)
            return real(*args, **kwargs)

        return call

    for name in ("claim_next", "readiness", "mark_sent", "heartbeat"):
        monkeypatch.setattr(worker_module, name, noting(name, getattr(worker_module, name)))
    for person in AMBASSADORS[:3]:
        plan(open_hours, f"t:{person}", person)
    run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    assert len(telegram.sent) == 3
    assert set(threads) == {"claim_next", "readiness", "mark_sent", "heartbeat"}
    assert all(names and threading.main_thread().name not in names for names in threads.values())


def test_flood_control_429_is_honoured_and_nothing_is_lost(
    open_hours: Engine, telegram: FakeBotApi
) -> None:
    telegram.rules.per_second = 2  # far below what this worker is configured to send
    for person in AMBASSADORS:
        plan(open_hours, f"f:{person}", person)
    worker = run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    assert telegram.too_many >= 1
    assert worker.stats["rate_limited"] >= 1
    assert sorted(m.chat_id for m in telegram.sent) == sorted(
        chat_of(open_hours, p) for p in AMBASSADORS
    )
    assert set(statuses(open_hours).values()) == {"sent"}


def test_server_errors_are_retried_with_backoff(open_hours: Engine, telegram: FakeBotApi) -> None:
    telegram.rules.fail_next = 3  # getMe and then two sends answer 502
    plan(open_hours, "retry", "gerda")
    run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    assert statuses(open_hours) == {"retry": "sent"}
    with Session(open_hours) as session:
        delivery = session.exec(select(Delivery)).one()
        assert delivery.attempts >= 2
        assert "Bad Gateway" in (delivery.last_error or "")


def test_a_blocked_chat_fails_once_and_is_marked_unreachable(
    open_hours: Engine, telegram: FakeBotApi
) -> None:
    telegram.rules.blocked.add(chat_of(open_hours, "gerda"))
    plan(open_hours, "blocked", "gerda")
    plan(open_hours, "fine", "hasan")
    run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    assert {k: v for k, v in statuses(open_hours).items() if k in ("blocked", "fine")} == {
        "blocked": "failed",
        "fine": "sent",
    }
    sends_to_gerda = [
        c
        for c in telegram.calls
        if c[0] == "sendMessage" and str(c[1].get("chat_id")) == chat_of(open_hours, "gerda")
    ]
    assert len(sends_to_gerda) == 1
    with Session(open_hours) as session:
        assert [a["person"] for a in unreachable_accounts(session)] == ["gerda"]
        notice = session.exec(select(Delivery).where(Delivery.channel == "C0ADVISERS")).one()
    assert notice.channel == "C0ADVISERS" and notice.status == "pending"
    assert "Gerda van Dijk is niet meer bereikbaar via Telegram" in notice.body
    assert plan(open_hours, "after", "gerda") == "unreachable"


def test_an_unknown_chat_is_a_permanent_failure(open_hours: Engine, telegram: FakeBotApi) -> None:
    telegram.rules.missing.add(chat_of(open_hours, "otto"))
    plan(open_hours, "gone", "otto")
    run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    assert statuses(open_hours)["gone"] == "failed"
    with Session(open_hours) as session:
        assert unreachable_accounts(session)[0]["reason"].lower().endswith("chat not found")


def test_slack_direct_messages_and_channel_posts(open_hours: Engine, slack: FakeSlackApi) -> None:
    plan(open_hours, "dm", "anna")
    plan(open_hours, "channel", channel="C0ADVISERS")
    run(open_hours, {"slack": SlackSender("xoxb-test", slack.base_url)})
    assert statuses(open_hours) == {"dm": "sent", "channel": "sent"}
    assert [c[0] for c in slack.calls].count("conversations.open") == 1
    channels = sorted(str(p["channel"]) for p in slack.posts)
    assert channels == ["C0ADVISERS", "DU0ANNA001"]
    blocks = slack.posts[0]["blocks"]
    assert isinstance(blocks, list) and blocks[0]["type"] == "section"
    assert "&amp; meer" in json.dumps(blocks)


def test_slack_rate_limit_and_permanent_errors(open_hours: Engine, slack: FakeSlackApi) -> None:
    slack.rules = SlackRules(errors={"C0GONE": "channel_not_found"}, rate_limited=1, retry_after=1)
    plan(open_hours, "limited", channel="C0ADVISERS")
    plan(open_hours, "gone", channel="C0GONE")
    worker = run(open_hours, {"slack": SlackSender("xoxb-test", slack.base_url)})
    assert statuses(open_hours) == {"limited": "sent", "gone": "failed"}
    assert worker.stats["rate_limited"] == 1


def test_only_platforms_with_a_sender_are_claimed(open_hours: Engine, telegram: FakeBotApi) -> None:
    plan(open_hours, "slack-only", "anna")
    run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    assert statuses(open_hours) == {"slack-only": "pending"}


def test_a_muted_person_is_held_at_send_time(open_hours: Engine, telegram: FakeBotApi) -> None:
    plan(open_hours, "muted", "gerda")
    with session_scope(open_hours) as session:
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()
        gerda.muted_until = utcnow() + timedelta(days=3)
    worker = run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    assert worker.stats["wait"] == 1
    assert telegram.sent == []
    with Session(open_hours) as session:
        delivery = session.exec(select(Delivery)).one()
        assert delivery.status == "pending"
        assert delivery.due_at > utcnow() + timedelta(days=2)


def test_two_workers_share_one_budget_and_keep_under_the_limit(engine: Engine) -> None:
    """Each worker alone could go far faster; together they keep to the one budget, with
    several sends on their way at once against an API that takes 30 ms to answer."""
    alliance = seed_people(engine, 90)
    seed_deliveries(engine, alliance, "shared", 90)
    options = replace(FAST, in_flight=4)
    with FakeBotApi(Rules(per_second=40, per_chat_interval=1.0, delay=0.03)) as api:
        assert isinstance(api, FakeBotApi)

        async def both() -> None:
            workers = [
                Worker(
                    engine,
                    {"telegram": TelegramSender(TOKEN, api.base_url)},
                    options,
                    budget=SharedBudget(engine, {"telegram": 34.0}),
                )
                for _ in range(2)
            ]
            await asyncio.gather(*(w.run(once=True) for w in workers))

        started = time.monotonic()
        asyncio.run(both())
        took = time.monotonic() - started
        chats = [m.chat_id for m in api.sent]
        assert api.too_many == 0, "never over the limit, so never a 429"
    assert sorted(chats) == sorted(set(chats)) and len(chats) == 90
    assert took >= 89 / 34.0 * 0.95, "the two together kept to one rate"


def test_rows_for_someone_who_left_are_skipped_not_sent(
    open_hours: Engine, telegram: FakeBotApi
) -> None:
    plan(open_hours, "archived", "gerda")
    with session_scope(open_hours) as session:
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()
        gerda.active = False
    run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    assert statuses(open_hours) == {"archived": "skipped"}
    assert telegram.sent == []
