"""Forms through dispatch: which command opens one, who may, and what a submission keeps."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.load import get_alliance
from bot.core.dispatch import REGISTRY, open_form, opens_form, submit
from bot.core.followup.models import Agreement
from bot.core.kernel.forms import Form, Submission
from bot.core.kernel.people import person_by_key
from bot.core.kernel.replies import Reply, plain_text
from bot.core.toolkit.models import ToolkitSnippet
from bot.db import session_scope


def _id(session: Session, key: str) -> int:
    person = person_by_key(session, get_alliance(session).id or 0, key)
    assert person is not None and person.id is not None
    return person.id


def _words(reply: Reply) -> str:
    return " ".join(plain_text(b.spans) for b in reply.blocks if hasattr(b, "spans"))


def test_only_the_registered_words_open_a_form() -> None:
    assert opens_form("voorstel") and opens_form("propose")
    assert opens_form("afspraken nieuw") and opens_form("toolkit new")
    assert not opens_form("voorstel reden: x // dak: y")  # typed in full: answered as typed
    assert not opens_form("afspraken") and not opens_form("kernboodschap")
    assert opens_form("afspraken verzet") and opens_form("agreements drop")
    assert not opens_form("afspraken verzet A1 2026-12-20 later")  # typed in full
    assert set(REGISTRY.forms) == {
        "propose_house",
        "agreement_new",
        "agreement_move",
        "agreement_drop",
        "toolkit_compose",
        "harvest_new",
        "needs_intake",
    }


def test_an_adviser_gets_the_form_and_an_ambassador_the_reason(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        form = open_form(session, _id(session, "anna"), "afspraken nieuw", "slack", "Twee sprekers")
        refused = open_form(session, _id(session, "gerda"), "afspraken nieuw", "slack", "iets")
        house = open_form(session, _id(session, "anna"), "voorstel", "slack")
        not_theirs = open_form(session, _id(session, "gerda"), "voorstel", "slack")
    assert isinstance(form, Form) and form.name == "agreement_new"
    fields = {f.name: f for f in form.fields}
    assert fields["text"].initial == "Twee sprekers"
    assert "woonkracht" in {c.value for c in fields["partner"].choices}
    assert isinstance(refused, Reply) and "Alleen adviseurs" in _words(refused)
    assert isinstance(house, Form) and "Een huis dat past" in house.fields[1].initial
    assert isinstance(not_theirs, Reply) and "Alleen adviseurs kunnen /alliance voorstel" in _words(
        not_theirs
    )


def test_a_problem_stays_on_its_field_and_nothing_is_kept(demo_engine: Engine) -> None:
    past = (date.today() - timedelta(days=3)).isoformat()
    values = {"text": "Twee sprekers", "partner": "woonkracht", "due": past}
    with session_scope(demo_engine) as session:
        anna = _id(session, "anna")
        outcome = submit(session, Submission(anna, "agreement_new", values, "slack"))
        unknown = submit(
            session, Submission(anna, "agreement_new", {**values, "partner": "x"}, "slack")
        )
    assert set(outcome.errors) == {"due"} and outcome.done is None
    assert set(unknown.errors) == {"partner"}
    with Session(demo_engine) as session:
        assert session.exec(select(Agreement)).first() is None


def test_a_good_submission_is_stored_once_and_says_so(demo_engine: Engine) -> None:
    due = (date.today() + timedelta(days=20)).isoformat()
    values = {"text": "Twee sprekers", "partner": "woonkracht", "due": due, "source": ""}
    with session_scope(demo_engine) as session:
        outcome = submit(session, Submission(_id(session, "anna"), "agreement_new", values, "x"))
    assert not outcome.errors and outcome.done is not None
    assert outcome.done_title and "Woonkracht" in _words(outcome.done)
    with Session(demo_engine) as session:
        stored = session.exec(select(Agreement)).one()
    assert (stored.text, stored.due_on.isoformat(), stored.source) == (
        "Twee sprekers",
        due,
        "slack",
    )


def test_forged_or_foreign_submissions_are_refused(demo_engine: Engine) -> None:
    body = {"title": "T", "kind": "social_post", "agenda": "event", "lead_days": "3", "body": "x"}
    with session_scope(demo_engine) as session:
        forged = submit(session, Submission(_id(session, "anna"), "no_such_form", body, "slack"))
        stranger = submit(session, Submission(999_999, "toolkit_compose", body, "slack"))
        ambassador = submit(
            session, Submission(_id(session, "gerda"), "toolkit_compose", body, "x")
        )
    assert set(forged.errors) == {"value"} and stranger.errors == {"title": "Ik ken je nog niet."}
    assert ambassador.errors and ambassador.done is None
    with Session(demo_engine) as session:
        assert session.exec(select(ToolkitSnippet)).first() is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("Hallo {{ partner.name }}: {{ 'x' * 10 ** 9 }}", "er ontstaat een te grote waarde"),
        (
            "{% for i in range(10 ** 5) %}{% for j in range(10 ** 5) %}{% endfor %}{% endfor %}",
            "het invullen duurt te lang",
        ),
    ],
)
def test_a_snippet_that_asks_too_much_is_refused_on_its_body_before_it_is_stored(
    demo_engine: Engine, body: str, problem: str
) -> None:
    values = {
        "title": "Zwaar",
        "kind": "social_post",
        "agenda": "event",
        "lead_days": "3",
        "body": body,
        "language": "nl",
    }
    started = time.monotonic()
    with session_scope(demo_engine) as session:
        anna = _id(session, "anna")
        outcome = submit(session, Submission(anna, "toolkit_compose", values, "slack"))
    assert time.monotonic() - started < 5
    assert set(outcome.errors) == {"body"} and outcome.done is None
    assert outcome.errors["body"].startswith("Deze tekst kan niet worden bewaard: " + problem)
    with Session(demo_engine) as session:
        assert session.exec(select(ToolkitSnippet)).first() is None
