"""The longest realistic message house, through every renderer, within every platform limit.

Five pillars with five proof points each, every text near its realistic maximum and full of
`&`, `<`, `>` and emoji, in an alliance of forty partners that all still have to answer. The
replies are built by the real code: the house template, the chat commands (`kernboodschap`,
`voorstel`) and the notices the outbox would send.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.alliance.file import parse_alliance_document
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.dispatch import command_from_text, handle
from bot.core.house.content import HouseContent, house_markup
from bot.core.house.handlers import submit_answer, submit_proposal
from bot.core.kernel.actions import MAX_ACTION_BYTES
from bot.core.kernel.models import Partner, Person
from bot.core.kernel.replies import Reply
from bot.core.kernel.texts import Texts
from bot.core.outbox.models import Delivery
from bot.core.outbox.queue import delivery_reply
from bot.db import make_engine, migrate, session_scope
from bot.render.html import render_html
from bot.render.limits import utf16_len
from bot.render.plain import render_plain
from bot.render.slack import SlackMessage, escape_mrkdwn, render_slack
from bot.render.telegram import TelegramMessage, render_telegram

PARTNERS = 40
LANGUAGES = ("nl", "en")
SPICE = " & <samen> 🏡 👩🏽‍⚕️ "
NOTE_SPICE = " & <samen> 🏡 "  # typed in chat; see the ZWJ test at the end

SLACK_BLOCKS = 50
SLACK_SECTION = 3000
SLACK_HEADER = 150
TELEGRAM_TEXT = 4096
TELEGRAM_ROW = 8
TELEGRAM_BUTTONS = 100


def fill(stem: str, length: int) -> str:
    """Words repeated up to `length` characters, ending in a full stop."""
    text = stem
    while len(text) < length:
        text += " " + stem
    return text[: length - 1].rstrip() + "."


def house(tag: str) -> dict[str, Any]:
    """A house with every text near its realistic maximum; `tag` makes each one unique."""
    return {
        "roof": fill(f"{tag} Samen zorgen we{SPICE}dat ouderen langer thuis wonen", 600),
        "pillars": [
            {
                "title": fill(f"{tag}{i} Pijler{SPICE}titel", 80),
                "message": fill(f"{tag}{i} Boodschap{SPICE}we doen het samen", 400),
                "proof": [fill(f"{tag}{i}.{j} Bewijs{SPICE}1.200 woningen", 250) for j in range(5)],
            }
            for i in range(1, 6)
        ],
    }


def content(tag: str) -> HouseContent:
    data = house(tag)
    return HouseContent.from_dicts(data["roof"], data["pillars"])


def alliance_document() -> dict[str, Any]:
    return {
        "alliance": {
            "name": fill(f"Alliantie Langer Thuis{SPICE}Rivierenland", 80),
            "quorum": 1,  # so that one endorsement adopts and 39 partners stay "not yet"
        },
        "delivery": {"weekly_cap": 50},
        "message_house": house("A"),
        "partners": [
            {"key": f"p{n:02d}", "name": fill(f"Stichting Wonen & Zorg <{n:02d}> 🏡", 40)}
            for n in range(PARTNERS)
        ],
        "people": [
            {
                "key": f"a{n:02d}",
                "name": fill(f"Adviseur {n:02d} & <co>", 30),
                "roles": ["adviser"],
                "partner": f"p{n:02d}",
                "language": LANGUAGES[n % 2],
                **({"slack": f"U0ADV{n:04d}"} if n % 4 < 2 else {"telegram": 900000 + n}),
            }
            for n in range(PARTNERS)
        ],
    }


# -- building the replies through the real code ------------------------------------------


def _person(session: Session, key: str) -> Person:
    return session.exec(select(Person).where(Person.key == key)).one()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Version 2 adopted by one of forty partners, a version 3 proposal open, notes set."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('house') / 'house.db'}")
    migrate(engine)
    with session_scope(engine) as session:
        load_alliance(session, parse_alliance_document(alliance_document()), Path("."))
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        proposer = _person(session, "a00")
        reason = fill(f"Nieuwe cijfers{SPICE}van de verhuiscoaches", 300)
        submit_proposal(session, alliance, proposer, content("B"), reason)
        _status, adopted = submit_answer(session, alliance, _person(session, "a01"), "endorse")
        assert adopted is not None and adopted.version == 2
        submit_proposal(session, alliance, proposer, content("C"), "Alles anders: " + reason)
    with session_scope(engine) as session:
        for key in ("a02", "a03"):
            person = _person(session, key)
            for number in range(1, 6):
                note = fill(f"Voor onze huurders {number}{NOTE_SPICE}verhuizen mag", 300)
                handle(
                    session, command_from_text(person.id or 0, f"notitie {number} {note}", "slack")
                )
    yield engine
    engine.dispose()


# a02 speaks Dutch, a03 English (see alliance_document)
ADVISER = {"nl": "a02", "en": "a03"}


def chat(db: Engine, language: str, line: str, platform: str) -> Reply:
    with session_scope(db) as session:
        person = _person(session, ADVISER[language])
        assert (person.language or "nl") == language
        return handle(session, command_from_text(person.id or 0, line, platform))


def house_reply(db: Engine, language: str) -> Reply:
    """The house as the template renders it, with one partner's notes and the command hint."""
    with session_scope(db) as session:
        person = _person(session, ADVISER[language])
        partner = session.get(Partner, person.partner_id)
        notes = {
            p["title"]: fill(f"Notitie{SPICE}{p['title']}", 300) for p in house("B")["pillars"]
        }
        markup = house_markup(
            session, get_alliance(session), Texts(language), partner, notes, cmd=lambda key: key
        )
    return Reply.from_markup(markup)


def notice(db: Engine, language: str, key_like: str) -> Reply:
    """A house notice from the outbox, as the worker would hand it to a sender."""
    with session_scope(db) as session:
        person = _person(session, ADVISER[language])
        delivery = session.exec(
            select(Delivery)
            .where(col(Delivery.dedupe_key).like(key_like), Delivery.person_id == person.id)
            .order_by(col(Delivery.id).desc())  # the latest: the open proposal's
        ).first()
        assert delivery is not None, key_like
        return delivery_reply(session, delivery, person)


VIEWS = ("house", "chat_house", "proposal", "proposal_notice", "adopted_notice")


def build(db: Engine, view: str, language: str, platform: str) -> Reply:
    if view == "house":
        return house_reply(db, language)
    if view == "chat_house":
        return chat(db, language, "kernboodschap", platform)
    if view == "proposal":
        return chat(db, language, "voorstel", platform)
    if view == "proposal_notice":
        return notice(db, language, "house:%:ask:%")
    return notice(db, language, "house:v2:%")


def proof_points(tags: str = "BC") -> list[str]:
    """Every proof point of the houses `tags` (B: adopted, C: the open proposal)."""
    return [proof for tag in tags for p in house(tag)["pillars"] for proof in p["proof"]]


def expected_texts(view: str) -> list[str]:
    """Texts that must reach the reader whole in `view`."""
    adopted, proposed = house("B"), house("C")
    if view in ("house", "chat_house"):
        pillars = adopted["pillars"]
        return [
            adopted["roof"],
            *(t for p in pillars for t in (p["title"], p["message"], *p["proof"])),
        ]
    # a proposal and its notices list what changes: every new and every removed proof point
    if view == "adopted_notice":  # version 2: from A to B
        return [adopted["roof"], *proof_points("AB")]
    return [proposed["roof"], *proof_points("BC")]


# -- the replies are what we think they are ----------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_replies_are_long_and_complete(db: Engine, language: str) -> None:
    proposal = render_plain(build(db, "proposal", language, "slack"))
    assert len(proposal) > 15_000
    for n in range(PARTNERS):
        assert fill(f"Stichting Wonen & Zorg <{n:02d}> 🏡", 40) in proposal  # still to answer
    house_text = render_plain(build(db, "house", language, "slack"))
    assert len(house_text) > 9_000
    not_yet = house_text[house_text.index("Not yet" if language == "en" else "Nog niet") :]
    assert sum(fill(f"Stichting Wonen & Zorg <{n:02d}> 🏡", 40) in not_yet for n in range(40)) == 39
    chat_house = render_plain(build(db, "chat_house", language, "slack"))
    for number in range(1, 6):
        assert fill(f"Voor onze huurders {number}{NOTE_SPICE}verhuizen mag", 300) in chat_house


# -- Slack -------------------------------------------------------------------------------


def slack_texts(messages: list[SlackMessage], header: bool = True) -> str:
    """The texts of sections and context lines (and headers, which are plain text)."""
    found = []
    for message in messages:
        for block in message.blocks:
            if block["type"] == "section" or (header and block["type"] == "header"):
                found.append(block["text"]["text"])
            elif block["type"] == "context":
                found += [element["text"] for element in block["elements"]]
    return "\n".join(found)


def test_slack_model_validation_catches_what_we_check() -> None:
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * (SLACK_SECTION + 1)}}
    with pytest.raises(SlackObjectFormationError):
        Block.parse(too_long).validate_json()  # type: ignore[union-attr]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("view", VIEWS)
def test_slack_messages_stay_within_block_kit_limits(db: Engine, view: str, language: str) -> None:
    reply = build(db, view, language, "slack")
    messages = render_slack(reply)
    assert messages
    for message in messages:
        assert 1 <= len(message.blocks) <= SLACK_BLOCKS
        assert message.text.strip()
        assert utf16_len(message.text) <= SLACK_SECTION
        for block in message.blocks:
            if block["type"] == "section":
                assert 0 < utf16_len(block["text"]["text"]) <= SLACK_SECTION
            elif block["type"] == "header":
                assert 0 < utf16_len(block["text"]["text"]) <= SLACK_HEADER
            elif block["type"] == "context":
                assert all(utf16_len(e["text"]) <= SLACK_SECTION for e in block["elements"])
            parsed = Block.parse(block)
            assert parsed is not None, block
            parsed.validate_json()
            assert parsed.to_dict() == block  # to_dict validates every nested element too
    buttons = [
        element
        for message in messages
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert len(buttons) == len(reply.buttons)
    if reply.buttons:
        assert messages[-1].blocks[-1]["type"] == "actions"
    text = slack_texts(messages, header=False)
    for expected in expected_texts(view):
        assert escape_mrkdwn(expected) in text
    assert "<samen>" not in text and "&amp;lt;" not in text  # escaped once, not twice


# -- Telegram ----------------------------------------------------------------------------

_TELEGRAM_TAGS = {"b", "i", "code", "a"}


class _TagChecker(HTMLParser):
    """Checks that a message only uses Telegram's tags, each closed in the same message."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in _TELEGRAM_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def telegram_text(message: TelegramMessage) -> str:
    checker = _TagChecker()
    checker.feed(message.text)
    checker.close()
    assert checker.stack == [], message.text
    return "".join(checker.text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("view", VIEWS)
def test_telegram_messages_stay_within_bot_api_limits(db: Engine, view: str, language: str) -> None:
    reply = build(db, view, language, "telegram")
    messages = render_telegram(reply)
    assert len(messages) >= 2  # this much text cannot fit in one message
    for message in messages:
        assert 0 < utf16_len(message.text) <= TELEGRAM_TEXT
    keyboards = [m.reply_markup for m in messages if m.reply_markup is not None]
    assert bool(keyboards) == bool(reply.buttons)
    if reply.buttons:
        assert messages[-1].reply_markup is not None
    count = 0
    for keyboard in keyboards:
        rows = keyboard["inline_keyboard"]
        assert rows
        assert all(1 <= len(row) <= TELEGRAM_ROW for row in rows)
        for row in rows:
            for button in row:
                count += 1
                assert 1 <= len(button["callback_data"].encode()) <= MAX_ACTION_BYTES <= 64
                assert button["text"]
        assert sum(len(row) for row in rows) <= TELEGRAM_BUTTONS
    assert count == len(reply.buttons)
    seen = "\n".join(telegram_text(message) for message in messages)
    for expected in expected_texts(view):
        assert expected in seen


# -- HTML and plain: nothing lost -------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("view", VIEWS)
def test_html_and_plain_lose_no_text(db: Engine, view: str, language: str) -> None:
    reply = build(db, view, language, "console")
    fragment = render_html(reply)
    plain = render_plain(reply)
    assert "<samen>" not in fragment
    for expected in expected_texts(view):
        assert html.escape(expected, quote=True) in fragment
        assert expected in plain
    for button in reply.buttons:
        assert button.label in plain
        assert html.escape(button.label, quote=True) in fragment


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_proposal_lists_every_change(db: Engine, language: str) -> None:
    plain = render_plain(build(db, "proposal", language, "console"))
    for proof in proof_points():
        assert proof in plain
    for pillar in house("C")["pillars"]:
        assert pillar["title"] in plain and pillar["message"] in plain


def test_a_note_typed_in_chat_keeps_its_emoji_sequences(db: Engine) -> None:
    with session_scope(db) as session:
        person = _person(session, "a04")
        handle(session, command_from_text(person.id or 0, "notitie 1 Zorg 👩🏽‍⚕️ 🏳️‍🌈", "slack"))
        reply = handle(session, command_from_text(person.id or 0, "notitie", "slack"))
    assert "Zorg 👩🏽‍⚕️ 🏳️‍🌈" in render_plain(reply)
