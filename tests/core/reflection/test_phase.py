"""The phase: from the alliance file, changed by the partners' consent (endorse/object like
the house), shown with its history; the digest suggests the work that fits each phase."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.file import parse_alliance_document
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.consent import Decision
from bot.core.outbox.models import Delivery
from bot.core.overview.digest import plan_digest
from bot.core.reflection import Phase, PhaseChange, current_phase, phase_json
from bot.db import session_scope
from tests.fakes.conversation import press_as, say, words

PARTNERS = ("a", "b", "c")


def _document(phase: str | None = None) -> dict[str, object]:
    people: list[dict[str, object]] = [
        {
            "key": f"adv-{p}",
            "name": f"Adviser {p.upper()}",
            "roles": ["adviser"],
            "partner": p,
            "slack": f"U0ADV{p.upper()}",
        }
        for p in PARTNERS
    ]
    people.append({"key": "amb", "name": "Amb", "roles": ["ambassador"], "telegram": 5551})
    alliance: dict[str, object] = {"name": "Test", "language": "en", "adviser_channel": "C0ADV"}
    if phase:
        alliance["phase"] = phase
    return {
        "alliance": alliance,
        "delivery": {"quiet_hours": "00:00-00:00", "weekly_cap": 20},
        "partners": [{"key": p, "name": f"Partner {p.upper()}"} for p in PARTNERS],
        "people": people,
    }


def _load(engine: Engine, phase: str | None = None) -> None:
    with session_scope(engine) as session:
        load_alliance(session, parse_alliance_document(_document(phase)), Path("."))


@pytest.fixture
def three(engine: Engine) -> Engine:
    _load(engine)
    return engine


def test_without_a_phase_in_the_file_the_alliance_is_starting(three: Engine) -> None:
    with Session(three) as session:
        document = phase_json(session, get_alliance(session))
    assert document["phase"] == "start" and document["history"] == []
    assert document["since"].endswith("+01:00")


def test_the_file_sets_the_phase_and_an_edit_records_a_change(engine: Engine) -> None:
    _load(engine, "discover")
    _load(engine, "discover")  # loading again changes nothing
    with Session(engine) as session:
        assert [c.phase for c in session.exec(select(PhaseChange))] == ["discover"]
    _load(engine, "productive")
    with Session(engine) as session:
        assert current_phase(session, get_alliance(session))[0] == Phase.PRODUCTIVE


def test_a_phase_proposal_runs_through_endorse_and_object(three: Engine) -> None:
    reply = words(say(three, "adv-a", "phase propose productive we deliver results now"))
    assert "Proposal 1: the alliance's phase becomes “productive”" in reply
    with Session(three) as session:
        asks = session.exec(select(Delivery).where(Delivery.decision_id == 1)).all()
    assert {d.buttons[0]["action"] for d in asks} == {"ce:1"}  # the advisers of b and c
    say(three, "adv-b", "decision object 1 not before the board meets")
    say(three, "adv-a", "decision endorse 1")
    assert "Partner B objects" in words(press_as(three, "adv-c", "ce:1"))
    with Session(three) as session:
        assert current_phase(session, get_alliance(session))[0] == Phase.START
    done = words(say(three, "adv-b", "decision endorse 1"))
    assert "the alliance's phase is now “productive”" in done
    assert press_as(three, "adv-b", "ce:1").stale
    with Session(three) as session:
        document = phase_json(session, get_alliance(session))
        decision = session.get_one(Decision, 1)
    assert document["phase"] == "productive"
    assert document["history"][-1] | {"since": None} == {
        "phase": "productive",
        "since": None,
        "source": "decision",
        "decision": 1,
        "reason": "we deliver results now",
    }
    assert decision.status == "adopted"
    shown = words(say(three, "amb", "phase"))
    assert "Phase: productive" in shown and "we deliver results now" in shown


def test_a_proposal_needs_a_known_phase_an_adviser_and_a_change(three: Engine) -> None:
    assert "Name the phase" in words(say(three, "adv-a", "phase propose harvesting because"))
    assert "Only advisers" in words(say(three, "amb", "fase voorstel productief want"))
    assert "nothing to propose" in words(say(three, "adv-a", "phase propose start because"))
    assert "reason" in words(say(three, "adv-a", "phase propose renew"))


@pytest.mark.parametrize(
    ("phase", "expected", "absent"),
    [
        (Phase.START, "working agreements", "Harvest results"),
        (Phase.DISCOVER, "learning agenda short", "working agreements"),
        (Phase.PRODUCTIVE, "Harvest results", "learning agenda short"),
        (Phase.RENEW, "new partners belong", "Harvest results"),
    ],
)
def test_the_digest_suggests_the_work_of_the_phase(
    three: Engine, phase: Phase, expected: str, absent: str
) -> None:
    now = datetime(2026, 11, 23, 7, 45, tzinfo=UTC)
    with session_scope(three) as session:
        alliance = get_alliance(session)
        session.add(PhaseChange(alliance_id=alliance.id or 0, phase=phase, since=now))
        session.flush()
        plan_digest(session, alliance, now)
    with Session(three) as session:
        body = session.exec(select(Delivery).where(Delivery.kind == "digest")).one().body
    assert expected in body and absent not in body


def test_a_phase_change_tells_its_listeners(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.core.reflection import phase as phase_module

    heard: list[str] = []
    monkeypatch.setattr(phase_module, "_LISTENERS", [])
    phase_module.on_phase_change(lambda _s, _a, phase: heard.append(phase.value))
    _load(engine, "discover")
    _load(engine, "discover")
    assert heard == ["discover"]


def test_a_new_phase_offers_every_partner_the_intake_again(three: Engine) -> None:
    """Wired in `dispatch`: the first phase (from the file) offers nothing; an adopted change
    offers the intake to every partner's advisers, once for that phase."""

    def offers() -> list[str]:
        with Session(three) as session:
            rows = session.exec(select(Delivery.dedupe_key)).all()
        return sorted(k for k in rows if k.startswith("intake-offer:") and "phase" in k)

    assert offers() == []
    say(three, "adv-a", "phase propose discover we want to learn first")
    for adviser in ("adv-a", "adv-b", "adv-c"):
        say(three, adviser, "decision endorse 1")
    made = offers()
    assert len(made) == 3 and all("phase-discover" in k for k in made)
