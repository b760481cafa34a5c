"""The intake: one question at a time, skippable, a share choice per answer; the profile it
makes, versioned; and what the coalition sees of it — only what each partner shared."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.load import get_alliance
from bot.core.dispatch import home, open_form, submit
from bot.core.kernel.forms import Form, Submission
from bot.core.kernel.models import Partner, Person
from bot.core.kernel.replies import Reply
from bot.core.needs.models import FIELDS, IntakeDraft, PartnerProfile
from bot.core.needs.profiles import latest_profile, profile_json
from bot.core.toolkit.feedback import planned_snippets
from bot.core.toolkit.personalise import personalised
from bot.db import session_scope
from tests.fakes.conversation import message, person_id, press_as, say, words

SECRET = "GEHEIM-{}"  # an answer kept from the coalition, per field


def _partner(session: Session, key: str) -> Partner:
    return session.exec(select(Partner).where(Partner.key == key)).one()


def _profile(engine: Engine, key: str = "woonkracht") -> PartnerProfile | None:
    with Session(engine) as session:
        return latest_profile(session, _partner(session, key))


def _run_intake(engine: Engine, who: str, answers: dict[str, str], shared: set[str]) -> Reply:
    """Answer every question (empty: skip), sharing those in `shared`; the last question
    (the individual interest) answered too."""
    reply = say(engine, who, "intake")
    for step, name in enumerate(FIELDS):
        assert f"{step + 1}/8" in words(reply)
        if not answers.get(name):
            reply = press_as(engine, who, f"iks:{step}")
            continue
        reply = message(engine, who, answers[name])
        assert [b.action for b in reply.buttons] == [f"ikd:{step}:y", f"ikd:{step}:n"]
        reply = press_as(engine, who, f"ikd:{step}:{'y' if name in shared else 'n'}")
    assert "8/8" in words(reply)
    return message(engine, who, f"{who} wil vooral dat het lukt")


def _make_coordinator(engine: Engine, key: str = "chantal") -> None:
    """The demo names no coordinator (then every adviser is one); name one."""
    with session_scope(engine) as session:
        person = session.exec(select(Person).where(Person.key == key)).one()
        person.roles = "adviser,coordinator"


def test_an_intake_makes_a_profile_with_the_fields_shared_as_chosen(demo_engine: Engine) -> None:
    answers = {name: f"Antwoord {name}" for name in FIELDS}
    reply = _run_intake(demo_engine, "anna", answers, {"needs", "brings", "own_goal"})
    assert "Versie 1 van het profiel van Woonkracht Rivierenland is bewaard" in words(reply)
    with Session(demo_engine) as session:
        document = profile_json(
            _partner(session, "woonkracht"),
            latest_profile(session, _partner(session, "woonkracht")),
        )
        assert session.exec(select(IntakeDraft)).first() is None
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        assert anna.awaiting is None
    assert document == {
        "partner": "woonkracht",
        "version": 1,
        **{name: f"Antwoord {name}" for name in FIELDS},
        "shared": ["needs", "brings", "own_goal"],
    }


def test_skipping_keeps_the_previous_answer_and_a_new_intake_is_a_new_version(
    demo_engine: Engine,
) -> None:
    _run_intake(demo_engine, "anna", {"needs": "Kennis", "no_go": "Geen reclame"}, {"needs"})
    _run_intake(demo_engine, "anna", {"brings": "Tijd"}, {"brings"})
    profile = _profile(demo_engine)
    assert profile is not None and profile.version == 2
    assert (profile.needs, profile.brings, profile.no_go) == ("Kennis", "Tijd", "Geen reclame")
    assert profile.shared == ["needs", "brings"]


def test_stop_keeps_what_was_answered_and_a_stale_button_changes_nothing(
    demo_engine: Engine,
) -> None:
    say(demo_engine, "anna", "intake")
    message(demo_engine, "anna", "Netwerk")
    assert press_as(demo_engine, "anna", "iks:3").stale  # not the question asked now
    press_as(demo_engine, "anna", "ikd:0:y")
    assert press_as(demo_engine, "anna", "ikd:0:y").stale  # pressed twice
    reply = say(demo_engine, "anna", "intake stop")
    assert "Versie 1" in words(reply)
    profile = _profile(demo_engine)
    assert profile is not None and (profile.needs, profile.shared) == ("Netwerk", ["needs"])
    assert "niets" in words(say(demo_engine, "anna", "intake stop"))  # nothing open: nothing kept


def test_an_adviser_without_a_partner_is_told_why(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        person = session.exec(select(Person).where(Person.key == "anna")).one()
        person.partner_id = None
    assert "noemt geen partner" in words(say(demo_engine, "anna", "intake"))


def test_the_slack_form_saves_a_version_with_the_chosen_shares(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        anna = person_id(session, "anna")
        form = open_form(session, anna, "intake", "slack")
        assert isinstance(form, Form)
        assert [f.name for f in form.fields] == [*FIELDS, "individual", "shared"]
        values = {"needs": "Geld", "brings": "Kennis", "shared": "brings", "individual": "Trots"}
        outcome = submit(session, Submission(anna, form.name, values, "slack"))
        assert not outcome.errors
        long = submit(session, Submission(anna, form.name, {"needs": "x" * 1001}, "slack"))
        assert "needs" in long.errors
    profile = _profile(demo_engine)
    assert profile is not None and profile.version == 1
    assert (profile.needs, profile.brings, profile.shared) == ("Geld", "Kennis", ["brings"])


def _coalition_views(engine: Engine) -> list[str]:
    """Everything another partner's adviser (Bram, not a coordinator) can see."""
    texts = [
        words(say(engine, "bram", "behoeften")),
        words(say(engine, "bram", "needs")),
        words(say(engine, "bram", "behoeften woonkracht")),
        words(say(engine, "bram", "toolkit woonkracht")),
        words(say(engine, "bram", "intake toon")),
        words(say(engine, "bram", "kernboodschap")),
    ]
    with session_scope(engine) as session:
        page = home(session, person_id(session, "bram"), "slack")
        assert page is not None
        texts += [words(part.reply) for part in page.parts]
        alliance = get_alliance(session)
        woonkracht = _partner(session, "woonkracht")
        for language in ("nl", "en"):
            texts += [text for _, text in personalised(session, alliance, woonkracht, language)]
        texts += [p.text for p in planned_snippets(session, alliance)]
    return texts


def test_fields_not_shared_never_appear_in_any_coalition_view(demo_engine: Engine) -> None:
    _make_coordinator(demo_engine)
    answers = {name: SECRET.format(name) for name in FIELDS}
    answers["needs"] = "Kennis over wonen"
    answers["own_goal"] = "Elke huurder passend"
    _run_intake(demo_engine, "anna", answers, {"needs", "own_goal"})
    _run_intake(demo_engine, "bram", {"brings": "Kennis en tijd"}, {"brings"})
    seen = "\n".join(_coalition_views(demo_engine))
    assert "Kennis over wonen" in seen and "Elke huurder passend" in seen
    assert "GEHEIM" not in seen
    assert "anna wil vooral" not in seen  # an individual interest
    assert "Woonkracht Rivierenland heeft nodig: ‘Kennis over wonen’" in seen  # a match
    # the person themself and the coordinators see the whole profile
    own = words(say(demo_engine, "anna", "intake toon"))
    coordinator = words(say(demo_engine, "chantal", "behoeften woonkracht"))
    for text in (own, coordinator):
        assert SECRET.format("no_go") in text and "anna wil vooral" in text
    other_adviser = words(say(demo_engine, "dirk", "behoeften woonkracht"))
    assert "GEHEIM" not in other_adviser and "anna wil vooral" not in other_adviser


def test_a_partner_that_shared_nothing_shows_nothing(demo_engine: Engine) -> None:
    _make_coordinator(demo_engine)
    _run_intake(demo_engine, "anna", {"needs": "GEHEIM"}, set())
    text = words(say(demo_engine, "bram", "behoeften woonkracht"))
    assert "GEHEIM" not in text and "(nog) niets" in text
