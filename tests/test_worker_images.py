"""Deliveries with a PNG: uploaded once to Slack, sent once as a Telegram photo, retried alone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.adapters.senders import Pace, Sender, SlackSender, TelegramSender, TransientSendError
from bot.core.alliance.load import get_alliance
from bot.core.kernel.charts import Chart
from bot.core.kernel.models import Identity, Person, utcnow
from bot.core.kernel.people import person_by_key
from bot.core.kernel.replies import Image, Reply
from bot.core.outbox.models import Delivery
from bot.core.outbox.planning import Plan, plan_delivery
from bot.core.outbox.queue import MAX_ATTEMPTS
from bot.core.pulse.report import close_round
from bot.core.pulse.rounds import open_round
from bot.db import make_engine, session_scope
from bot.demo.run import build_demo_database
from bot.render.chart import draw_chart
from bot.worker import Worker, WorkerOptions
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import TOKEN, FakeBotApi
from tests.test_worker import FAST, chat_of, open_hours, statuses

__all__ = ["open_hours"]  # the fixture, shared with test_worker

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # not a picture; the bytes are what count
ALT = "Energie en vertrouwen per regio"
LONG = "<p>" + "Wat we hoorden. " * 80 + "</p>"  # longer than a photo caption may be


@pytest.fixture
def telegram() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api  # type: ignore[misc]


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as api:
        yield api  # type: ignore[misc]


def plan(
    engine: Engine,
    key: str,
    person: str | None = None,
    channel: str | None = None,
    body: str = LONG,
    filename: str = "chart.png",
) -> None:
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        who = person_by_key(session, alliance.id or 0, person) if person else None
        result = plan_delivery(
            session,
            alliance,
            Plan(key, "notice", body, utcnow(), who, channel, image=Image(PNG, ALT, filename)),
        )
        assert result.outcome == "planned"


def run(engine: Engine, senders: dict[str, Sender], options: WorkerOptions = FAST) -> Worker:
    worker = Worker(engine, senders, options)
    asyncio.run(asyncio.wait_for(worker.run(once=True), timeout=60))
    return worker


def delivery(engine: Engine, key: str) -> Delivery:
    with Session(engine) as session:
        return session.exec(select(Delivery).where(Delivery.dedupe_key == key)).one()


def test_plan_delivery_stores_the_image(open_hours: Engine) -> None:
    plan(open_hours, "img:stored", channel="C0ADVISERS")
    stored = delivery(open_hours, "img:stored")
    assert (stored.image, stored.image_alt) == (PNG, ALT)


def test_a_channel_delivery_posts_the_text_then_uploads_the_png_once(
    open_hours: Engine, slack: FakeSlackApi
) -> None:
    plan(open_hours, "pulse-report:9", channel="C0ADVISERS", filename="pulse-report.png")
    run(open_hours, {"slack": SlackSender("xoxb-test", slack.base_url)})
    run(open_hours, {"slack": SlackSender("xoxb-test", slack.base_url)})  # nothing more
    assert statuses(open_hours) == {"pulse-report:9": "sent"}
    assert [p["channel"] for p in slack.posts] == ["C0ADVISERS"]
    [upload] = slack.uploads
    assert (upload.channel, upload.filename, upload.length) == (
        "C0ADVISERS",
        "pulse-report.png",
        len(PNG),
    )
    assert upload.data == PNG and upload.title == ALT and upload.alt == ALT
    methods = [m for m, _ in slack.calls]
    assert methods.index("chat.postMessage") < methods.index("files.getUploadURLExternal")
    assert methods[-3:] == [
        "files.getUploadURLExternal",
        "/upload/F000001",
        "files.completeUploadExternal",
    ]
    sent = delivery(open_hours, "pulse-report:9")
    assert sent.platform_message_id == f"{slack.posts[0]['ts']},{upload.file_id}"


def test_an_adviser_on_slack_gets_the_png_in_the_direct_message(
    open_hours: Engine, slack: FakeSlackApi
) -> None:
    plan(open_hours, "img:dm", "anna")
    run(open_hours, {"slack": SlackSender("xoxb-test", slack.base_url)})
    assert [p["channel"] for p in slack.posts] == ["DU0ANNA001"]
    assert [(u.channel, u.data) for u in slack.uploads] == [("DU0ANNA001", PNG)]
    assert [m for m, _ in slack.calls].count("conversations.open") == 1


def test_a_rate_limited_upload_is_retried_without_posting_the_text_again(
    open_hours: Engine, slack: FakeSlackApi
) -> None:
    slack.rules.uploads_rate_limited = 1
    plan(open_hours, "img:429", channel="C0ADVISERS")
    worker = run(open_hours, {"slack": SlackSender("xoxb-test", slack.base_url)})
    assert worker.stats["rate_limited"] == 1
    assert statuses(open_hours) == {"img:429": "sent"}
    assert len(slack.posts) == 1
    assert [(u.channel, u.length) for u in slack.uploads] == [("C0ADVISERS", len(PNG))]
    sent = delivery(open_hours, "img:429")
    assert sent.attempts == 1 and "ratelimited" in (sent.last_error or "")
    assert sent.platform_message_id == f"{slack.posts[0]['ts']},{slack.uploads[0].file_id}"


def test_an_upload_refused_for_good_leaves_the_text_sent(
    open_hours: Engine, slack: FakeSlackApi
) -> None:
    slack.rules.upload_errors["C0ADVISERS"] = "not_in_channel"  # posting works, files not
    plan(open_hours, "img:refused", channel="C0ADVISERS")
    worker = run(open_hours, {"slack": SlackSender("xoxb-test", slack.base_url)})
    sent = delivery(open_hours, "img:refused")
    assert sent.status == "sent" and len(slack.posts) == 1 and slack.uploads == []
    assert (sent.last_error or "").startswith("sent without its image: slack: not_in_channel")
    assert sent.platform_message_id == slack.posts[0]["ts"]
    assert worker.stats["sent"] == 1 and worker.stats["failed"] == 0


def test_telegram_sends_a_long_text_then_the_photo_once(
    open_hours: Engine, telegram: FakeBotApi
) -> None:
    plan(open_hours, "img:tg", "gerda")
    run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})  # nothing more
    chat = chat_of(open_hours, "gerda")
    assert statuses(open_hours) == {"img:tg": "sent"}
    assert len(telegram.messages_to(chat)) == 1
    [photo] = telegram.photos_to(chat)
    assert photo.png == PNG and photo.caption is None
    methods = [m for m, _ in telegram.calls if m.startswith("send")]
    assert methods == ["sendMessage", "sendPhoto"]


def test_a_short_telegram_text_becomes_the_caption(
    open_hours: Engine, telegram: FakeBotApi
) -> None:
    plan(open_hours, "img:caption", "gerda", body="<p>Het verloop &amp; meer</p>")
    run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    chat = chat_of(open_hours, "gerda")
    assert telegram.messages_to(chat) == []
    [photo] = telegram.photos_to(chat)
    assert photo.png == PNG and photo.caption == "Het verloop &amp; meer"
    assert delivery(open_hours, "img:caption").platform_message_id == "1"


def test_a_flood_limited_photo_is_retried_alone(open_hours: Engine, telegram: FakeBotApi) -> None:
    telegram.rules.photos_too_many = 1
    plan(open_hours, "img:flood", "gerda")
    worker = run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    chat = chat_of(open_hours, "gerda")
    assert worker.stats["rate_limited"] == 1
    assert statuses(open_hours) == {"img:flood": "sent"}
    assert len(telegram.messages_to(chat)) == 1
    assert [p.png for p in telegram.photos_to(chat)] == [PNG]
    methods = [m for m, _ in telegram.calls if m.startswith("send")]
    assert methods == ["sendMessage", "sendPhoto", "sendPhoto"]


class ImageAlwaysFails:
    """Sends the text, then fails the image; records what each attempt was asked to do."""

    platform = "slack"

    def __init__(self) -> None:
        self.text_sent: list[str | None] = []

    async def send(
        self, target: str, reply: Reply, pace: Pace, text_sent: str | None = None
    ) -> str:
        assert reply.image is not None and reply.image.png == PNG
        self.text_sent.append(text_sent)
        raise TransientSendError("slack: internal_error", sent=text_sent or "171.1")

    async def close(self) -> None:
        return None


def test_when_the_image_never_goes_the_text_still_counts_as_sent(open_hours: Engine) -> None:
    plan(open_hours, "img:never", channel="C0ADVISERS")
    sender = ImageAlwaysFails()
    options = WorkerOptions(**{**FAST.__dict__, "base_backoff": 0.001})
    worker = run(open_hours, {"slack": sender}, options)
    assert sender.text_sent == [None] + ["171.1"] * (MAX_ATTEMPTS - 1)
    sent = delivery(open_hours, "img:never")
    assert (sent.status, sent.attempts, sent.platform_message_id) == ("sent", MAX_ATTEMPTS, "171.1")
    assert (sent.last_error or "").startswith("sent without its image")
    assert worker.stats["sent"] == 1 and worker.stats["failed"] == 0


def test_closing_a_round_plans_the_trend_chart_for_the_advisers(tmp_path: Path) -> None:
    engine = make_engine(build_demo_database(tmp_path, today=date(2026, 11, 22)))
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        open_round(session, alliance, now)
        closed = close_round(session, alliance, now + timedelta(days=3))
        assert closed is not None
        key = f"pulse-report:{closed.id}"
        channel = alliance.adviser_channel
    report = delivery(engine, key)
    # the chart travels as data and is drawn at the edge, when the worker sends it
    assert report.channel == channel and report.chart is not None and report.image is None
    png = draw_chart(Chart.from_json(report.chart))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert report.image_alt == "Energie en vertrouwen per regio over de laatste rondes"
    with Session(engine) as session:
        heard = session.exec(
            select(Delivery).where(col(Delivery.dedupe_key).startswith(f"pulse-heard:{closed.id}:"))
        ).all()
    assert all(d.image is None and d.chart is None for d in heard)  # words, not the chart
    engine.dispose()


def test_a_person_identity_on_telegram_is_used_for_advisers_there(
    open_hours: Engine, telegram: FakeBotApi
) -> None:
    """An adviser who only has Telegram gets the chart as a photo."""
    with session_scope(open_hours) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        for identity in session.exec(select(Identity).where(Identity.person_id == anna.id)):
            identity.platform, identity.external_id = "telegram", "777001"
    plan(open_hours, "img:adviser", "anna")
    run(open_hours, {"telegram": TelegramSender(TOKEN, telegram.base_url)})
    assert [p.png for p in telegram.photos_to("777001")] == [PNG]
    assert len(telegram.messages_to("777001")) == 1
