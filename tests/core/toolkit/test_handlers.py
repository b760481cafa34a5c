"""`toolkit` and `agenda` in chat: who sees which partner, and adding a moment by hand.

These commands work from the real clock, so dates are relative to today; the database makes
no difference here, so each test uses a copy of one prepared SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from bot.core.agenda.models import AgendaItem
from bot.core.alliance.load import get_alliance
from bot.core.dispatch import command_from_text, handle
from bot.core.kernel.models import Partner, utcnow
from bot.core.outbox.models import Delivery
from bot.core.toolkit import handlers as toolkit_commands
from bot.core.toolkit.personalise import personalise
from bot.core.toolkit.plan import plan_snippets
from bot.core.toolkit.snippets import library
from bot.db import session_scope
from bot.render.plain import render_plain
from tests.core.toolkit.test_plan import (
    AMS,
    calendar,
    deliveries,
    demo_copy,
    demo_template,
    import_ics,
    local,
    person_of,
    vevent,
)

KEYS = "gemeente-tiel, huisartsen, welzijn, woonkracht, zorggroep, zorgverzekeraar"
REFUSED = (
    "Je ziet de toolkit en agenda van je eigen organisatie; adviseurs zien die van elke partner."
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("toolkit-commands"))


@pytest.fixture
def demo(template: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = demo_copy(template, tmp_path)
    yield engine
    engine.dispose()


def say(engine: Engine, who: str, text: str) -> str:
    with session_scope(engine) as session:
        person = person_of(session, who)
        return render_plain(handle(session, command_from_text(person.id or 0, text, "console")))


def today() -> date:
    return datetime.now(AMS).date()


def ahead(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


def _long(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _first_text(engine: Engine, partner_key: str, language: str) -> str:
    """The first snippet as the `toolkit` command shows it to this partner."""
    with Session(engine) as session:
        alliance = get_alliance(session)
        partner = session.exec(select(Partner).where(Partner.key == partner_key)).one()
        return personalise(
            library(session, alliance)[0],
            session=session,
            alliance=alliance,
            partner=partner,
            language=language,
        )


# -- toolkit -------------------------------------------------------------------------------------


def test_toolkit_shows_the_advisers_own_partner_in_dutch(demo: Engine) -> None:
    out = say(demo, "anna", "toolkit")
    assert out.startswith("Toolkit voor Woonkracht Rivierenland")
    first = _first_text(demo, "woonkracht", "nl")
    assert first.splitlines()[0] in out and first.splitlines()[-1] in out
    assert "Woonkracht Rivierenland werkt samen in Alliantie Langer Thuis Rivierenland." in out
    assert "Ook klaar:" in out
    assert "Teksten komen ook vanzelf naar je toe" in out


def test_an_adviser_may_name_any_partner(demo: Engine) -> None:
    out = say(demo, "bram", "toolkit zorggroep")
    assert out.startswith("Toolkit voor Zorggroep De Linge")
    assert "Zorggroep De Linge werkt samen in Alliantie Langer Thuis Rivierenland." in out
    assert "Gemeente Tiel" not in out
    assert say(demo, "bram", "toolkit ZORGGROEP").startswith("Toolkit voor Zorggroep De Linge")


def test_an_english_speaker_gets_english(demo: Engine) -> None:
    out = say(demo, "frank", "toolkit")
    assert out.startswith("Toolkit for Zorgverzekeraar VGZ-regio")
    assert _first_text(demo, "zorgverzekeraar", "en").splitlines()[0] in out


def test_a_partner_contact_sees_only_their_own_partner(demo: Engine) -> None:
    assert say(demo, "petra", "toolkit zorggroep") == REFUSED
    assert say(demo, "petra", "toolkit").startswith("Toolkit voor Woonkracht Rivierenland")
    assert say(demo, "petra", "toolkit woonkracht").startswith("Toolkit voor Woonkracht")
    assert say(demo, "quinten", "agenda woonkracht") == REFUSED


def test_an_unknown_partner_key_lists_the_keys(demo: Engine) -> None:
    assert say(demo, "anna", "toolkit wonkracht") == (
        f"Ik ken geen partner 'wonkracht'. De sleutels van de partners zijn: {KEYS}."
    )
    assert f"Ik ken geen partner 'nergens'. De sleutels van de partners zijn: {KEYS}." in say(
        demo, "anna", "agenda nergens"
    )


def test_ambassadors_have_no_toolkit_or_agenda(demo: Engine) -> None:
    for text in ("toolkit", "agenda", f"agenda nieuw woonkracht {ahead(30)} bestuur Bestuur"):
        out = say(demo, "hasan", text)
        assert "Alleen adviseurs en contactpersonen van partners kunnen" in out
    with Session(demo) as session:
        assert session.exec(select(AgendaItem)).all() == []


# -- agenda --------------------------------------------------------------------------------------


def test_agenda_lists_upcoming_moments_with_their_planned_snippets(demo: Engine) -> None:
    now = utcnow()
    newsletter = vevent("nb@w.test", today() + timedelta(days=20), "Deadline nieuwsbrief Thuis")
    later = vevent("ver@w.test", today() + timedelta(days=60), "Verre vergadering")
    gone = vevent("x@w.test", today() + timedelta(days=10), "Afgelast", status="CANCELLED")
    import_ics(demo, calendar(newsletter, later, gone), now=now)
    with session_scope(demo) as session:
        plan_snippets(session, get_alliance(session), now)
    planned = deliveries(demo)
    assert len(planned) == 2
    first = min(d.due_at for d in planned).astimezone(AMS).date()

    out = say(demo, "anna", "agenda")
    lines = out.splitlines()
    assert lines[0] == "Agenda van Woonkracht Rivierenland: de komende 42 dagen"
    assert len([line for line in lines if line.startswith("• ")]) == 1
    assert lines[-1].startswith("• ")
    assert lines[-1] == (
        f"• {_long(today() + timedelta(days=20))}: Deadline nieuwsbrief Thuis (nieuwsbrief);"
        f" 2 teksten gepland, eerste op {_long(first)}"
    )
    assert "Verre vergadering" not in out  # beyond 42 days
    assert "Afgelast" not in out  # cancelled
    assert say(demo, "bram", "agenda woonkracht") == out  # advisers see every partner
    assert say(demo, "petra", "agenda") == out  # and a partner contact their own
    assert say(demo, "anna", "agenda zorggroep").endswith(
        "Geen agendamomenten in de komende weken. Adviseurs kunnen er een toevoegen: "
        "agenda nieuw zorggroep 2026-12-15 bestuur Bestuursvergadering"
    )


def test_an_adviser_adds_a_moment_and_its_snippets_are_planned(demo: Engine) -> None:
    day = ahead(30)
    out = say(demo, "anna", f"agenda nieuw woonkracht {day} bestuur Bestuursvergadering")
    assert out.startswith("Toegevoegd voor Woonkracht Rivierenland op ")
    assert ": Bestuursvergadering." in out
    assert out.endswith("2 teksten ervoor gepland.")
    with Session(demo) as session:
        item = session.exec(select(AgendaItem)).one()
        assert (item.kind, item.title, item.source) == ("board", "Bestuursvergadering", "manual")
        assert item.starts_at == local(date.fromisoformat(day), 9)
        planned = session.exec(select(Delivery).where(Delivery.kind == "snippet")).all()
        assert len(planned) == 2
        assert all(d.dedupe_key.startswith(f"snippet:{item.id}:") for d in planned)
        assert all(d.due_at < item.starts_at for d in planned)
    listing = say(demo, "anna", "agenda")
    assert "Bestuursvergadering" in listing and "2 teksten gepland" in listing


def test_adding_in_english_and_an_other_moment(demo: Engine) -> None:
    out = say(demo, "bram", f"agenda add zorggroep {ahead(25)} council Raadsvergadering zorg")
    assert out.startswith("Toegevoegd voor Zorggroep De Linge")
    out = say(demo, "chantal", f"agenda nieuw zorggroep {ahead(26)} overig Koffie met de wethouder")
    assert out.endswith("0 teksten ervoor gepland.")
    with Session(demo) as session:
        kinds = {i.title: i.kind for i in session.exec(select(AgendaItem))}
    assert kinds == {"Raadsvergadering zorg": "council", "Koffie met de wethouder": "other"}


@pytest.mark.parametrize(
    "text",
    [
        "agenda nieuw woonkracht {day} feestje Borrel",  # not a type
        "agenda nieuw woonkracht 2027-02-30 bestuur Vergadering",  # no such date
        "agenda nieuw woonkracht 15-12-2027 bestuur Vergadering",  # not ISO
        "agenda nieuw woonkracht {day} bestuur",  # no title
        "agenda nieuw",
    ],
)
def test_a_wrong_add_explains_how(demo: Engine, text: str) -> None:
    out = say(demo, "anna", text.format(day=ahead(30)))
    assert out.startswith("Voeg een agendamoment toe als agenda nieuw woonkracht 2026-12-15")
    # the type words as a Dutch adviser types them, not the English ones
    assert "Soorten: nieuwsbrief, bestuur, raad, leden, evenement, campagne, overig." in out


def test_the_types_are_english_for_an_english_reader(demo: Engine) -> None:
    out = say(demo, "frank", "agenda add")
    assert "Types: newsletter, board, council, members, event, campaign, other." in out
    with Session(demo) as session:
        assert session.exec(select(AgendaItem)).all() == []


def test_a_past_date_is_refused(demo: Engine) -> None:
    for day in ("2020-01-01", ahead(-1)):
        out = say(demo, "anna", f"agenda nieuw woonkracht {day} bestuur Vergadering")
        assert out == "Die datum is voorbij; voeg momenten toe die nog komen."
    with Session(demo) as session:
        assert session.exec(select(AgendaItem)).all() == []


def test_only_advisers_add_moments(demo: Engine) -> None:
    out = say(demo, "petra", f"agenda nieuw woonkracht {ahead(30)} bestuur Vergadering")
    assert out == "Alleen adviseurs voegen agendamomenten toe."
    out = say(demo, "anna", f"agenda nieuw nergens {ahead(30)} bestuur Vergadering")
    assert out.startswith("Ik ken geen partner 'nergens'.")
    with Session(demo) as session:
        assert session.exec(select(AgendaItem)).all() == []


def test_two_moments_added_in_the_same_second_are_both_kept(
    demo: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen = datetime.combine(today(), time(12, 0), tzinfo=AMS)
    monkeypatch.setattr(toolkit_commands, "utcnow", lambda: frozen)
    say(demo, "anna", f"agenda nieuw woonkracht {ahead(30)} bestuur Bestuur")
    say(demo, "anna", f"agenda nieuw woonkracht {ahead(31)} raad Raad")
    with Session(demo) as session:
        assert len(session.exec(select(AgendaItem)).all()) == 2


def test_agenda_shows_the_first_moments_counts_the_rest_and_reads_no_snippet_history(
    demo: Engine,
) -> None:
    """Twenty moments and three hundred snippets sent before: fifteen moments shown, five
    counted, the plans counted per shown moment, days in the reader's own zone."""
    ny = ZoneInfo("America/New_York")
    start = datetime.combine(today() + timedelta(days=2), time(2, 0), tzinfo=UTC)
    with session_scope(demo) as session:
        partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        items = [
            AgendaItem(
                partner_id=partner.id or 0,
                uid=f"m{n}",
                title=f"Moment {n:02d}",
                kind="board",
                starts_at=start + timedelta(days=n),
                ends_at=start + timedelta(days=n, hours=1),
            )
            for n in range(20)
        ]
        past = AgendaItem(
            partner_id=partner.id or 0,
            uid="past",
            title="Geweest",
            kind="board",
            starts_at=start - timedelta(days=30),
            ends_at=start - timedelta(days=30),
        )
        session.add_all([*items, past])
        session.flush()
        alliance_id = get_alliance(session).id
        for n in range(300):
            session.add(_snippet(alliance_id, past.id, f"old-{n}", start - timedelta(days=31)))
        for n in range(2):
            session.add(_snippet(alliance_id, items[0].id, f"new-{n}", start - timedelta(days=1)))
        person_of(session, "anna").timezone = "America/New_York"
    loaded: list[object] = []
    listen = lambda target, _context: loaded.append(target)  # noqa: E731
    event.listen(Delivery, "load", listen)
    try:
        out = say(demo, "anna", "agenda")
    finally:
        event.remove(Delivery, "load", listen)
    lines = out.splitlines()
    assert len([line for line in lines if line.startswith("• ")]) == 15
    assert lines[-1] == "En nog 5 momenten later in deze 42 dagen."
    first_day = start.astimezone(ny).date()  # 02:00 UTC is the evening before in New York
    first_sent = (start - timedelta(days=1)).astimezone(ny).date()
    assert next(line for line in lines if line.startswith("• ")) == (
        f"• {_long(first_day)}: Moment 00 (bestuursvergadering); 2 teksten gepland,"
        f" eerste op {_long(first_sent)}"
    )
    assert "Moment 15" not in out and loaded == []  # counted in the database, none loaded


def _snippet(alliance_id: int | None, item_id: int | None, key: str, due: datetime) -> Delivery:
    return Delivery(
        alliance_id=alliance_id,
        dedupe_key=f"snippet-test:{key}",
        kind="snippet",
        agenda_item_id=item_id,
        snippet_key="s",
        platform="slack",
        body="x",
        due_at=due,
        status="sent",
        sent_at=due,
    )
