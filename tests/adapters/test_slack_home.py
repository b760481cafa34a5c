"""App Home for a big alliance: within Slack's limits, and nothing left out without a word.

Seventy partners, two thousand people, a proposal every partner objected to, eighty open
flags, forty open signals, five hundred moments in the coming three weeks and five thousand
snippets sent: the page shows the first few of each and says how many more there are, the
renderer shortens what still does not fit and says that too, and the reads stay bounded (no
row of the snippet history is loaded to count it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from sqlalchemy import Engine, event, insert
from sqlmodel import Session, col, select

from bot.adapters.slack_home import HomeTab
from bot.core.agenda.models import AgendaItem
from bot.core.alliance.load import get_alliance
from bot.core.attention.models import Flag, Signal
from bot.core.house.models import Endorsement, HouseVersion, Pillar, ProofPoint, Proposal
from bot.core.kernel import Reply
from bot.core.kernel.models import Partner, Person, Region, utcnow
from bot.core.outbox.models import Delivery
from bot.core.toolkit.models import ToolkitFeedback
from bot.db import session_scope
from bot.render.slack_view import fit_view
from bot.settings import Settings

PARTNERS = 70
PEOPLE = 2000
MOMENTS = 500
SENT = 5000
SIGNALS = 40


def _partners(session: Session, alliance_id: int) -> list[int]:
    have = len(session.exec(select(Partner).where(Partner.alliance_id == alliance_id)).all())
    session.execute(
        insert(Partner),
        [
            {
                "alliance_id": alliance_id,
                "key": f"p{n:02d}",
                "name": f"Partner {n:02d}",
                "constituency": "",
            }
            for n in range(PARTNERS - have)
        ],
    )
    return list(session.exec(select(Partner.id).where(Partner.alliance_id == alliance_id)))  # type: ignore[arg-type]


def _people(session: Session, alliance_id: int, partners: list[int]) -> None:
    region = session.exec(select(Region.id).where(Region.alliance_id == alliance_id)).first()
    have = len(session.exec(select(Person).where(Person.alliance_id == alliance_id)).all())
    session.execute(
        insert(Person),
        [
            {
                "alliance_id": alliance_id,
                "key": f"m{n:04d}",
                "name": f"Mens {n:04d}",
                "roles": "adviser" if n < PARTNERS else "ambassador",
                "partner_id": partners[n % len(partners)],
                "region_id": region,
            }
            for n in range(PEOPLE - have - 1)
        ],
    )
    # an adviser of the alliance itself, who sees every partner's agenda
    session.add(Person(alliance_id=alliance_id, key="coord", name="Coördinator", roles="adviser"))


def _proposal(session: Session, alliance_id: int, partners: list[int]) -> None:
    proposal = Proposal(alliance_id=alliance_id, base_version=1, roof="Nieuw dak", reason="Beter")
    session.add(proposal)
    session.flush()
    session.execute(
        insert(Endorsement),
        [
            {
                "proposal_id": proposal.id,
                "partner_id": p,
                "verdict": "object",
                "created_at": utcnow(),
                "reason": f"Bezwaar van partner {p}: "
                + "de achterban herkent zich er niet in. " * 4,
            }
            for p in partners
        ],
    )


def _attention(session: Session, alliance_id: int, partners: list[int]) -> None:
    today = utcnow().date()
    session.execute(
        insert(Flag),
        [
            {
                "alliance_id": alliance_id,
                "family": "follow_up",
                "level": "partner",
                "key": f"k{n}",
                "kind": "declining_follow_up",
                "since": today - timedelta(days=30),
                "last_seen": today,
                "detail": {"explanations": {"nl": f"Partner {n}: 2 van 9 op tijd" * 3}},
                "raised_at": utcnow() - timedelta(minutes=n),
            }
            for n in range(PARTNERS + 12)
        ],
    )
    session.execute(
        insert(Signal),
        [
            {
                "alliance_id": alliance_id,
                "text": f"Signaal {n} " + "uit de wijk " * 30,
                "created_at": utcnow() - timedelta(hours=n),
                "updated_at": utcnow(),
            }
            for n in range(SIGNALS)
        ],
    )


def _agenda_and_snippets(session: Session, alliance_id: int, partners: list[int]) -> None:
    now = utcnow()
    rows = [
        {
            "partner_id": partners[n % len(partners)],
            "uid": f"big-{n}",
            "title": f"Moment {n}",
            "kind": "board",
            "starts_at": now + timedelta(hours=1 + n),  # within three weeks
            "ends_at": now + timedelta(hours=2 + n),
            "updated_at": now,
        }
        for n in range(MOMENTS)
    ]
    rows += [
        {
            "partner_id": partners[n % len(partners)],
            "uid": f"past-{n}",
            "title": f"Geweest {n}",
            "kind": "newsletter",
            "starts_at": now - timedelta(days=1 + n % 60),
            "ends_at": now - timedelta(days=1 + n % 60),
            "updated_at": now,
        }
        for n in range(PARTNERS * 2)
    ]
    session.execute(insert(AgendaItem), rows)
    past = list(session.exec(select(AgendaItem.id).where(col(AgendaItem.uid).startswith("past-"))))
    session.execute(
        insert(Delivery),
        [
            {
                "alliance_id": alliance_id,
                "dedupe_key": f"big-snippet-{n}",
                "kind": "snippet",
                "agenda_item_id": past[n % len(past)],
                "snippet_key": "s",
                "platform": "slack",
                "body": "x",
                "due_at": now - timedelta(days=2),
                "status": "sent",
                "sent_at": now - timedelta(days=1 + n % 80),
                "created_at": now,
                "buttons": [],
            }
            for n in range(SENT)
        ],
    )
    sent = list(session.exec(select(Delivery.id).where(Delivery.kind == "snippet")))
    session.execute(
        insert(ToolkitFeedback),
        [
            {"delivery_id": d, "snippet_key": "s", "verdict": "used", "at": utcnow()}
            for d in sent[::3]
        ],
    )


@pytest.fixture
def big(demo_engine: Engine) -> Engine:
    with session_scope(demo_engine) as session:
        alliance_id = get_alliance(session).id or 0
        partners = _partners(session, alliance_id)
        _people(session, alliance_id, partners)
        _proposal(session, alliance_id, partners)
        _attention(session, alliance_id, partners)
        _agenda_and_snippets(session, alliance_id, partners)
    return demo_engine


@pytest.fixture
def loaded(big: Engine) -> Iterator[dict[str, int]]:
    """How many rows of each table the ORM turned into objects meanwhile."""
    counts: dict[str, int] = {}

    def count(target: Any, _context: Any) -> None:
        name = type(target).__name__
        counts[name] = counts.get(name, 0) + 1

    models = (Delivery, AgendaItem, Flag, Signal, Person, ToolkitFeedback)
    for model in models:
        event.listen(model, "load", count)
    yield counts
    for model in models:
        event.remove(model, "load", count)


def _view(engine: Engine, key: str) -> dict[str, Any]:
    settings = Settings(slack_bot_token="xoxb-test", public_url="https://bot.example")
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.key == key)).one()
        return HomeTab(engine, settings).view_in(session, person.id)


def _texts(block: dict[str, Any]) -> list[str]:
    found = [block["text"]["text"]] if "text" in block else []
    return found + [e["text"] for e in block.get("elements", []) if "text" in e]


def test_a_big_alliance_fits_and_says_what_it_left_out(big: Engine, loaded: dict[str, int]) -> None:
    view = _view(big, "coord")
    blocks = view["blocks"]
    assert len(blocks) <= 100
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
        assert all(len(text) <= 3000 for text in _texts(block))
        assert len(block.get("elements", [])) <= (25 if block["type"] == "actions" else 10)
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
    shown = json.dumps(view, ensure_ascii=False)
    assert f"En nog {PARTNERS + 12 - 10} open aandachtspunten: /alliance aandachtspunten" in shown
    assert f"En nog {SIGNALS - 10} open signalen" in shown
    assert f"En nog {MOMENTS - 10} momenten in de komende drie weken" in shown
    partners_left = re.search(r"En nog (\d+) partners: samen (\d+) verstuurd", shown)
    assert partners_left is not None and int(partners_left[1]) == PARTNERS - 10
    assert shown.count("Bezwaar van partner") == 2 * PARTNERS  # in the house and the proposal
    assert "Hier ingekort" not in shown  # the objections' small print was joined, not cut
    assert shown.count("Moment ") == 10
    # what was read to show it: the rows shown, never the history behind the counts
    assert loaded.get("Delivery", 0) == 0 and loaded.get("ToolkitFeedback", 0) == 0
    assert loaded.get("AgendaItem", 0) <= 10 and loaded.get("Signal", 0) <= 10
    assert loaded.get("Flag", 0) <= 10


def test_an_advisers_own_partner_and_an_ambassador_see_their_parts_within_limits(
    big: Engine,
) -> None:
    adviser = _view(big, "anna")
    ambassador = _view(big, "m0100")
    assert len(adviser["blocks"]) <= 100 and len(ambassador["blocks"]) <= 100
    words = json.dumps(ambassador, ensure_ascii=False)
    assert "En nog 30 open signalen" in words and "aandachtspunten" not in words
    assert "Hier ingekort" not in words  # it fits whole: every objection is there
    assert words.count("Bezwaar van partner") == PARTNERS
    own = json.dumps(adviser, ensure_ascii=False)
    agenda = own.split("Komende agendamomenten")[1].split("Toolkit:")[0]
    assert "Moment " in agenda and "Partner " not in agenda  # Anna's own partner only


def test_a_house_too_big_for_a_view_is_shortened_with_a_notice_and_the_rest_stays(
    big: Engine,
) -> None:
    with session_scope(big) as session:
        version = session.exec(select(HouseVersion).order_by(col(HouseVersion.version))).all()[-1]
        for n in range(60):
            pillar = Pillar(
                house_version_id=version.id or 0,
                position=100 + n,
                title=f"Pijler {n}",
                message=f"Boodschap {n}",
            )
            session.add(pillar)
            session.flush()
            session.add(ProofPoint(pillar_id=pillar.id or 0, position=0, text=f"Bewijs {n}"))
    view = _view(big, "coord")
    shown = json.dumps(view, ensure_ascii=False)
    assert len(view["blocks"]) <= 100
    shortened = re.search(r"Hier ingekort: nog (\d+) stukken van dit onderdeel", shown)
    assert shortened is not None and int(shortened[1]) > 0
    assert "/alliance kernboodschap toont het helemaal" in shown
    house = shown.split("Voorstel voor versie")[0]
    assert "Pijler 0" in house and "Pijler 59" not in house  # the start stays, the end goes
    for line in ("72 open aandachtspunten", "30 open signalen", "490 momenten", "60 partners"):
        assert f"En nog {line}" in shown  # the other parts keep their summaries


def test_fitting_keeps_buttons_and_names_the_count_for_each_part() -> None:
    def section(n: int) -> dict[str, Any]:
        return {"type": "section", "text": {"type": "mrkdwn", "text": f"regel {n}"}}

    buttons = {"type": "actions", "elements": []}
    parts = [[section(n) for n in range(80)] + [buttons], [section(n) for n in range(40)]]
    said: list[tuple[int, int]] = []

    def shortened(index: int, left: int) -> Reply:
        said.append((index, left))
        return Reply.from_markup(f"<small>{index}: {left} weg</small>")

    blocks = fit_view(parts, shortened)
    assert len(blocks) == 100 and buttons in blocks
    notes = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    left = {int(n.split(":")[0]): int(n.split()[1]) for n in notes}
    kept = {0: 80 - left[0], 1: 40 - left.get(1, 0)}
    assert kept[0] + kept[1] + len(notes) + 1 == 100  # nothing lost without its notice
    assert fit_view([[section(1)]], shortened) == [section(1)]  # what fits is left alone
