"""Every dead end from the first ten minutes in chat (issue 17), each with its way out."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.alliance.load import get_alliance
from bot.core.dispatch import command_from_text, handle
from bot.core.followup.models import Agreement, AgreementStatus
from bot.core.house.models import Endorsement, Proposal, ProposalState
from bot.core.kernel.link_keys import LinkKey
from bot.core.kernel.models import Partner
from bot.core.kernel.people import person_by_key
from bot.core.kernel.replies import BulletList, Reply
from bot.core.pulse.rounds import open_round
from bot.db import session_scope
from tests.fakes.conversation import message as _plain
from tests.fakes.conversation import person_id as _id
from tests.fakes.conversation import press_as as _press
from tests.fakes.conversation import say as _say
from tests.fakes.conversation import words as _text

AHEAD = (date.today() + timedelta(days=40)).isoformat()


def _keys(reply: Reply) -> list[str]:
    return [
        item[0].text
        for block in reply.blocks
        if isinstance(block, BulletList)
        for item in block.items
        if item and item[0].bold
    ]


def _button(reply: Reply, label_start: str) -> str:
    return next(b.action for b in reply.buttons if b.label.startswith(label_start))


def _agreements(engine: Engine, count: int, partner: str = "woonkracht") -> None:
    for number in range(count):
        reply = _say(engine, "anna", f"afspraken nieuw {partner} {AHEAD} Afspraak {number}")
        assert "genoteerd" in _text(reply).lower() or "C0" in _text(reply), _text(reply)


# -- the list of agreements ---------------------------------------------------------------


def test_the_list_pages_with_a_button_and_a_number_not_the_command_line(
    demo_engine: Engine,
) -> None:
    _agreements(demo_engine, 12)
    first = _say(demo_engine, "anna", "afspraken")
    assert "alliancebot" not in _text(first)
    assert "pagina 1 van 2" in _text(first) and len(_keys(first)) == 10
    second = _press(demo_engine, "anna", _button(first, "Meer"))
    typed = _say(demo_engine, "anna", "afspraken 2")
    assert _keys(second) == _keys(typed) and len(_keys(second)) == 2
    assert not set(_keys(first)) & set(_keys(second))


def test_the_list_is_narrowed_by_partner_and_by_state(demo_engine: Engine) -> None:
    _agreements(demo_engine, 3)
    _agreements(demo_engine, 2, "zorggroep")
    with session_scope(demo_engine) as session:
        late = session.exec(select(Agreement).order_by(col(Agreement.id))).first()
        assert late is not None
        late.made_on, late.due_on = date(2026, 1, 1), date(2026, 2, 1)
        late_key = late.key
    only = _say(demo_engine, "anna", "afspraken zorggroep")
    assert len(_keys(only)) == 2 and "2 afspraken" in _text(only)
    assert "Zorggroep" in _text(only) and "Woonkracht" not in _text(only)
    assert _keys(_say(demo_engine, "anna", "afspraken te laat")) == [late_key]
    assert _keys(_say(demo_engine, "frank", "agreements woonkracht late")) == [late_key]
    unknown = _text(_say(demo_engine, "anna", "afspraken xyzzy"))
    assert "xyzzy" in unknown and "woonkracht" in unknown and "te laat" in unknown


def test_an_agreement_opens_by_key_number_or_button(demo_engine: Engine) -> None:
    _agreements(demo_engine, 1)
    listed = _say(demo_engine, "anna", "afspraken")
    key = _keys(listed)[0]
    by_key = _text(_say(demo_engine, "anna", f"afspraak {key}"))
    by_button = _text(_press(demo_engine, "anna", _button(listed, key)))
    assert by_key == by_button and f"Afspraak {key}" in by_key and "Afspraak 0" in by_key
    lost = _text(_say(demo_engine, "anna", "afspraak Z999"))
    assert "Z999" in lost and "afspraken" in lost


def test_a_stuck_agreement_shows_its_reason_where_advisers_look(demo_engine: Engine) -> None:
    _agreements(demo_engine, 1)
    listed = _say(demo_engine, "anna", "afspraken")
    key = _keys(listed)[0]
    _press(demo_engine, "anna", _button(listed, "Loopt vast"))
    _plain(demo_engine, "anna", "De wethouder is ziek")
    reason = "Loopt vast omdat: De wethouder is ziek"
    assert reason in _text(_say(demo_engine, "anna", "afspraken"))
    assert reason in _text(_say(demo_engine, "anna", "afspraken vast"))
    assert reason in _text(_say(demo_engine, "anna", f"afspraak {key}"))
    flags = _text(_say(demo_engine, "anna", "aandachtspunten"))
    assert "Vastgelopen afspraken" in flags and reason in flags


def test_a_late_reason_tells_an_adviser_where_to_look_not_to_ask_an_adviser(
    demo_engine: Engine,
) -> None:
    _agreements(demo_engine, 1)
    listed = _say(demo_engine, "anna", "afspraken")
    _press(demo_engine, "anna", _button(listed, "Loopt vast"))
    with session_scope(demo_engine) as session:
        agreement = session.exec(select(Agreement)).one()
        agreement.status = AgreementStatus.DONE
    settled = _text(_plain(demo_engine, "anna", "te laat"))
    assert "adviseur" not in settled and "afspraak C" in settled


# -- toolkit, help, roles -----------------------------------------------------------------


def test_every_toolkit_text_opens_by_number_or_button(demo_engine: Engine) -> None:
    listed = _say(demo_engine, "anna", "toolkit")
    assert "4." in _text(listed) and "toolkit 4" in _text(listed)
    typed = _say(demo_engine, "anna", "toolkit 4")
    pressed = _press(demo_engine, "anna", _button(listed, "4."))
    assert _text(typed) == _text(pressed) and _text(typed).startswith("4. ")
    assert "Tekst 4 van" in _text(typed)
    other = _text(_say(demo_engine, "anna", "toolkit zorggroep 2"))
    assert other.startswith("2. ") and "Zorggroep" in other
    missing = _text(_say(demo_engine, "anna", "toolkit 99"))
    assert "geen tekst 99" in missing and "toolkit 1" in missing


def test_help_lists_sub_commands_with_examples_per_role(demo_engine: Engine) -> None:
    anna = _text(_say(demo_engine, "anna", "hulp"))
    for line in (
        "peiling sluit",
        "peiling resultaten",
        "aandachtspunten ack 1",
        f"afspraken nieuw woonkracht {(date.today() + timedelta(days=30)).isoformat()}",
        "agenda nieuw",
        "voorstel intrekken",
        "voorstel herstel",
        "toolkit 4",
        "stil uit",
    ):
        assert line in anna, line
    gerda = _text(_say(demo_engine, "gerda", "hulp"))
    assert "signaal anoniem" in gerda and "peiling sluit" not in gerda
    assert "afspraken nieuw" not in gerda
    explained = _text(_say(demo_engine, "frank", "help agreements"))
    assert explained.startswith("agreements") and "agreements new" in explained
    assert "agreements late" in explained
    unknown = _text(_say(demo_engine, "gerda", "hulp voorstel"))  # not hers
    assert 'geen opdracht "voorstel"' in unknown and "signaal" in unknown


def test_refusals_name_the_roles_in_a_sentence(demo_engine: Engine) -> None:
    dutch = _text(_say(demo_engine, "gerda", "toolkit"))
    assert dutch.startswith("Alleen adviseurs en contactpersonen van partners kunnen toolkit")
    english = _text(_say(demo_engine, "frank", "signal hello"))
    assert english.startswith("Only ambassadors can use signal")


# -- stil, proposals, pulse ---------------------------------------------------------------


def test_mute_tells_its_state_and_is_truthful_when_there_was_no_pause(
    demo_engine: Engine,
) -> None:
    assert "niet gepauzeerd" in _text(_say(demo_engine, "gerda", "stil"))
    assert "Je had me niet gepauzeerd" in _text(_say(demo_engine, "gerda", "stil uit"))
    until = date.today() + timedelta(days=7)
    paused = _text(_say(demo_engine, "gerda", "stil 7"))
    state = _text(_say(demo_engine, "gerda", "stil"))
    assert f"{until.day} " in state and "stil tot" in state and "stil uit" in state
    assert "stil tot" in paused
    assert "De pauze is voorbij" in _text(_say(demo_engine, "gerda", "stil uit"))


def test_replacing_a_proposal_asks_first_and_can_be_undone(demo_engine: Engine) -> None:
    _say(demo_engine, "anna", "voorstel reden: eerst // dak: Het eerste dak.")
    _say(demo_engine, "bram", "onderschrijf")
    with Session(demo_engine) as session:
        first = session.exec(select(Proposal)).one()
    asked = _say(demo_engine, "anna", "voorstel reden: anders // dak: Het tweede dak. // vervang")
    assert "1 partner heeft het onderschreven" in _text(asked) and "30 minuten" in _text(asked)
    with Session(demo_engine) as session:  # nothing thrown away yet
        assert session.exec(select(Proposal)).one().status == ProposalState.OPEN
    replaced = _press(demo_engine, "anna", _button(asked, "Vervangen"))
    assert "Het tweede dak." in _text(replaced) and "voorstel herstel" in _text(replaced)
    assert _press(demo_engine, "anna", _button(asked, "Vervangen")).stale  # once only
    undone = _press(demo_engine, "anna", _button(replaced, "Ongedaan"))
    assert "weer open" in _text(undone)
    with Session(demo_engine) as session:
        again = session.get(Proposal, first.id)
        assert again is not None and again.status == ProposalState.OPEN
        kept = session.exec(select(Endorsement).where(Endorsement.proposal_id == first.id))
        assert len(kept.all()) == 1
    assert "geen vervangen voorstel" in _text(_say(demo_engine, "anna", "voorstel herstel"))


def test_closing_a_thin_round_asks_first_and_advisers_see_progress(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        open_round(session, get_alliance(session))
    progress = _text(_say(demo_engine, "frank", "pulse"))
    assert "Answered so far: 0 of the" in progress and "It closes on" in progress
    asked = _say(demo_engine, "anna", "peiling sluit")
    assert "Nog niemand" in _text(asked) or "niemand geantwoord" in _text(asked)
    assert "staat een peilronde open" in _text(_say(demo_engine, "anna", "peiling"))
    closed = _press(demo_engine, "anna", _button(asked, "Toch sluiten"))
    assert "gesloten" in _text(closed)
    assert _press(demo_engine, "anna", _button(asked, "Toch sluiten")).stale


# -- limits, unknown words, the old word for flags ----------------------------------------


def test_too_long_input_is_refused_with_the_limit_named(demo_engine: Engine) -> None:
    long_agreement = _text(
        _say(demo_engine, "anna", f"afspraken nieuw woonkracht {AHEAD} " + "x" * 10_000)
    )
    assert "4000" in long_agreement and "te lang" in long_agreement
    with Session(demo_engine) as session:
        assert session.exec(select(Agreement)).all() == []
    unknown = _text(_say(demo_engine, "anna", "y" * 5000))
    assert "4000" in unknown and "y" * 100 not in unknown
    signal = _text(_say(demo_engine, "gerda", "signaal " + "z" * 2500))
    assert "2000" in signal
    _say(demo_engine, "gerda", "signaal")
    assert "2000" in _text(_plain(demo_engine, "gerda", "z" * 2500))
    assert "dank" in _text(_plain(demo_engine, "gerda", "Korter nu")).lower()


def test_an_unknown_command_is_echoed_cut_short(demo_engine: Engine) -> None:
    reply = _text(_say(demo_engine, "anna", "q" * 100))
    assert "q" * 40 + "…" in reply and "q" * 41 not in reply


def test_the_old_word_for_flags_still_works_with_a_hint(demo_engine: Engine) -> None:
    old = _text(_say(demo_engine, "anna", "signalen"))
    new = _text(_say(demo_engine, "anna", "aandachtspunten"))
    assert "aandachtspunten" in old.split("\n")[0] and old.endswith(new)
    assert "heten nu" not in new and new.startswith("Aandachtspunten")


def test_a_partners_own_adviser_gets_its_page_link_and_replacing_it_is_said(
    demo_engine: Engine,
) -> None:
    base = "http://127.0.0.1:8123"

    def link(who: str, text: str) -> str:
        with session_scope(demo_engine) as session:
            command = command_from_text(_id(session, who), text, "console", base)
            return _text(handle(session, command))

    def fingerprint() -> str | None:
        with Session(demo_engine) as session:
            partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
            return partner.toolkit_token

    assert "toolkit link" in _text(_say(demo_engine, "anna", "toolkit"))
    first = link("anna", "toolkit link")
    assert f"{base}/toolkit/" in first and "alleen met je collega" in first
    kept = fingerprint()
    again = link("anna", "toolkit link")
    assert "heeft al een link" in again and "toolkit link nieuw" in again
    assert fingerprint() == kept  # nothing replaced without asking
    replaced = link("anna", "toolkit link nieuw")
    assert f"{base}/toolkit/" in replaced and "niet meer werkt" in replaced
    assert fingerprint() not in (None, kept)
    assert "Alleen de adviseurs van Zorggroep" in link("anna", "toolkit link zorggroep")
    assert "PUBLIC_URL" in _text(_say(demo_engine, "anna", "toolkit link nieuw"))


def test_an_open_pulse_answer_over_a_signals_limit_is_refused_not_cut(
    demo_engine: Engine,
) -> None:
    with session_scope(demo_engine) as session:
        opened = open_round(session, get_alliance(session))
        gerda = person_by_key(session, get_alliance(session).id or 0, "gerda")
        assert gerda is not None
        gerda.awaiting = f"pulse_open:{opened.round.id}"
    refused = _text(_plain(demo_engine, "gerda", "w" * 2500))
    assert "2000" in refused and "2500" in refused
    assert "Dank" in _text(_plain(demo_engine, "gerda", "Het gaat goed in de regio"))


def test_with_the_servers_key_the_current_link_is_shown_again(demo_engine: Engine) -> None:
    base = "http://127.0.0.1:8123"

    def link(text: str, key: LinkKey | None) -> str:
        with session_scope(demo_engine) as session:
            command = command_from_text(_id(session, "anna"), text, "console", base, key)
            return _text(handle(session, command))

    def token(reply: str) -> str:
        found = re.search(r"/toolkit/([A-Za-z0-9_-]{32,})", reply)
        assert found is not None, reply
        return found.group(1)

    key = LinkKey("a key only this server knows")
    first = token(link("toolkit link", key))
    assert token(link("toolkit link", key)) == first  # shown again, not replaced
    assert "heeft al een link" in link("toolkit link", None)  # no key: cannot derive it
    assert "heeft al een link" in link("toolkit link", LinkKey("another key"))  # no wrong link
    newer = token(link("toolkit link nieuw", key))
    assert newer != first and token(link("toolkit link", key)) == newer
    with Session(demo_engine) as session:
        partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        assert newer not in (partner.toolkit_token, partner.toolkit_link_nonce)  # fingerprint only
    assert "another key" not in repr(key) and "only this server" not in repr(key)
