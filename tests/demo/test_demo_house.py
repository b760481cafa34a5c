"""The demo's message house has a believable history: versions, a proposal under way, a note."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.core.alliance.load import get_alliance
from bot.core.dispatch import command_from_text, handle
from bot.core.house.content import house_view, open_proposal, version_content
from bot.core.house.diff import diff_houses
from bot.core.house.models import PartnerNote, Proposal
from bot.core.house.proposals import history, proposal_status
from bot.core.kernel.models import Partner, Person
from bot.db import make_engine
from bot.demo.run import build_demo_database
from bot.render.plain import render_plain

TODAY = date(2026, 11, 22)
PARTNERS = {"gemeente-tiel", "woonkracht", "zorggroep", "welzijn", "huisartsen", "zorgverzekeraar"}


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_demo_database(tmp_path_factory.mktemp("demo"), today=TODAY)


@pytest.fixture
def demo(demo_url: str) -> Iterator[Engine]:
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


def test_the_demo_has_a_version_from_the_file_and_one_adopted_by_all_partners(
    demo: Engine,
) -> None:
    with Session(demo) as session:
        alliance = get_alliance(session)
        versions = history(session, alliance)
        assert len(versions) >= 2
        first, second = versions[0], versions[1]
        assert (first.version, first.source) == (1, "alliance_file")
        assert (second.version, second.source) == (2, "proposal")
        assert second.proposal_id is not None
        adopted = session.get(Proposal, second.proposal_id)
        assert adopted is not None and adopted.status == "adopted"
        assert second.reason == adopted.reason and second.reason
        proposer = session.get(Person, second.proposed_by_id)
        assert proposer is not None and "adviser" in proposer.role_set
        # version 2 really differs from version 1, and is what the house shows
        changes = diff_houses(version_content(session, first), version_content(session, second))
        assert {c.kind for c in changes} >= {"proof_added", "proof_removed"}
        view = house_view(session, alliance)
        assert view is not None and view.version == versions[-1].version == 2
        assert {p.key for p in view.endorsed_by} == PARTNERS
        assert view.missing == ()
        assert (TODAY - second.adopted_at.date()).days > 30  # adopted some time ago


def test_the_demo_versions_are_adopted_in_order(demo: Engine) -> None:
    with Session(demo) as session:
        versions = history(session, get_alliance(session))
        moments = [v.adopted_at for v in versions]
        assert moments == sorted(moments)
        adopted = session.get(Proposal, versions[1].proposal_id)
        assert adopted is not None
        assert versions[0].adopted_at <= adopted.created_at


def test_the_demo_has_an_open_proposal_with_endorsements_and_an_objection(demo: Engine) -> None:
    with Session(demo) as session:
        alliance = get_alliance(session)
        proposal = open_proposal(session, alliance.id or 0)
        assert proposal is not None
        assert proposal.base_version == 2
        status = proposal_status(session, alliance, proposal)
        assert len(status.endorsed) >= 1
        assert len(status.objected) >= 1
        assert all(reason.strip() for _partner, reason in status.objected)
        assert status.missing, "someone still has to answer: the demo shows a proposal in motion"
        assert not status.adoptable
        answered = {p.key for p in status.endorsed} | {p.key for p, _ in status.objected}
        assert answered | {p.key for p in status.missing} == PARTNERS
        assert not answered & {p.key for p in status.missing}
        # the proposal adds something to the adopted house
        current = house_view(session, alliance)
        assert current is not None
        assert diff_houses(current.content, status.content)


def test_the_demo_proposal_shows_in_chat(demo: Engine) -> None:
    with Session(demo) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        reply = handle(session, command_from_text(anna.id or 0, "voorstel", "console"))
        session.rollback()
    text = render_plain(reply)
    assert "Voorstel voor versie 3" in text
    assert "Huisartsenkring Rivierenland" in text  # the objecting partner, with its reason
    assert "praktijkondersteuners" in text
    assert "Onderschreven door 3 van de 6 partners; 6 nodig." in text
    assert "Nog te reageren: Woonkracht Rivierenland, Zorgverzekeraar VGZ-regio." in text


def test_the_demo_has_a_partner_note_on_a_current_pillar(demo: Engine) -> None:
    with Session(demo) as session:
        notes = session.exec(select(PartnerNote)).all()
        assert notes
        view = house_view(session, get_alliance(session))
        assert view is not None
        titles = {pillar.title for pillar in view.content.pillars}
        for note in notes:
            assert note.text.strip()
            assert note.pillar_title in titles
            assert session.get(Partner, note.partner_id) is not None
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        note_text = next(n.text for n in notes if n.partner_id == anna.partner_id)
        reply = handle(session, command_from_text(anna.id or 0, "kernboodschap", "console"))
        session.rollback()
    assert note_text in render_plain(reply)  # anna's partner sees its note in the house


def test_the_demo_history_on_the_command_line(demo_url: str) -> None:
    result = CliRunner().invoke(app, ["house", "history", "--json"], env={"DATABASE_URL": demo_url})
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["version"] for r in rows][:2] == [1, 2]
    assert rows[0]["source"] == "alliance_file" and rows[0]["proposed_by"] is None
    assert rows[1]["source"] == "proposal" and rows[1]["proposed_by"] == "anna"
    assert Path(demo_url.removeprefix("sqlite:///")).exists()
