"""The message house on the command line, as an operator uses it.

propose from a file, endorse and object on behalf of partners, adoption at full consent,
diff, history and a Markdown export; every error on stderr with a non-zero exit code.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from bot.cli import app
from bot.core.house.models import Proposal
from bot.core.kernel.models import Person
from bot.core.outbox.models import Delivery
from bot.db import make_engine

DEMO_DIR = Path(__file__).parents[2] / "bot" / "demo"
ADVISERS = ("anna", "bram", "chantal", "dirk", "emma", "frank")  # one per partner
PARTNERS = {
    "woonkracht",
    "gemeente-tiel",
    "zorggroep",
    "welzijn",
    "huisartsen",
    "zorgverzekeraar",
}
# people with a Slack or Telegram account in the demo file, and Petra by e-mail
REACHABLE = {
    "anna",
    "bram",
    "chantal",
    "gerda",
    "hasan",
    "joost",
    "lotte",
    "mohamed",
    "otto",
    "petra",
}
SPECIAL_PROOF = "*nieuw* 2_000 [x](y) # kop"

PROPOSAL = f"""\
reason = "Nieuwe cijfers van de verhuiscoaches"

[message_house]
roof = "Samen zorgen we dat ouderen in Rivierenland langer thuis wonen, met zorg dichtbij."

[[message_house.pillars]]
title = "Een huis dat past"
message = "We bouwen voor de levensloop, zodat verhuizen een keuze is."
proof = [
  "1.200 levensloopbestendige woningen gepland tot 2030",
  "Woonkracht past 300 bestaande woningen per jaar aan",
  "{SPECIAL_PROOF}",
]

[[message_house.pillars]]
title = "Zorg in de wijk"
message = "Zorg en welzijn werken vanuit één plek in de wijk, zodat hulp er is voordat het misgaat."
proof = [
  "Vier wijkzorgpunten open in Tiel, Culemborg, Zaltbommel en Geldermalsen",
  "Wachttijd voor een keukentafelgesprek gehalveerd tot drie weken",
]

[[message_house.pillars]]
title = "Buren die omkijken"
message = "Een sterke buurt vangt meer op dan welk loket ook; we maken naoberschap makkelijk."
proof = [
  "650 vrijwilligers actief in het buurtnetwerk",
  "Elke kern heeft een vast aanspreekpunt voor mantelzorgers",
]

[[message_house.pillars]]
title = "Mantelzorg telt mee"
message = "Wie zorgt voor een ander, krijgt zelf ook steun."
proof = ["Eén op de vier inwoners is mantelzorger"]
"""

runner = CliRunner()


# -- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo alliance file loaded once with `init`; each test gets its own copy."""
    directory = tmp_path_factory.mktemp("template")
    path = directory / "alliance.toml"
    path.write_text((DEMO_DIR / "alliance.toml").read_text(encoding="utf-8"), encoding="utf-8")
    _init({"DATABASE_URL": f"sqlite:///{directory / 'house.db'}"}, path)
    return directory / "house.db"


@pytest.fixture(scope="module")
def adopted_template(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Version 2 adopted from the proposal file, endorsed by all six partners."""
    directory = tmp_path_factory.mktemp("adopted")
    shutil.copyfile(template, directory / "house.db")
    env = {"DATABASE_URL": f"sqlite:///{directory / 'house.db'}"}
    path = directory / "voorstel.toml"
    path.write_text(PROPOSAL, encoding="utf-8")
    propose(env, path)
    for adviser in ADVISERS:
        endorse(env, adviser)
    assert house_json(env)["version"] == 2
    return directory / "house.db"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'house.db'}", "ALLIANCEBOT_CONFIG": ""}


@pytest.fixture
def alliance_file(tmp_path: Path) -> Path:
    path = tmp_path / "alliance.toml"
    path.write_text((DEMO_DIR / "alliance.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _init(env: dict[str, str], path: Path) -> None:
    result = runner.invoke(app, ["init", str(path)], env=env)
    assert result.exit_code == 0, result.output


@pytest.fixture
def loaded(env: dict[str, str], template: Path, tmp_path: Path) -> dict[str, str]:
    shutil.copyfile(template, tmp_path / "house.db")
    return env


@pytest.fixture
def adopted(env: dict[str, str], adopted_template: Path, tmp_path: Path) -> dict[str, str]:
    shutil.copyfile(adopted_template, tmp_path / "house.db")
    return env


@pytest.fixture
def proposal_file(tmp_path: Path) -> Path:
    path = tmp_path / "voorstel.toml"
    path.write_text(PROPOSAL, encoding="utf-8")
    return path


def run(env: dict[str, str], *args: str) -> Any:
    return runner.invoke(app, list(args), env=env)


def ok(env: dict[str, str], *args: str) -> str:
    result = run(env, *args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return str(result.stdout)


def house_json(env: dict[str, str]) -> dict[str, Any]:
    document = json.loads(ok(env, "house", "--json"))
    assert isinstance(document, dict)
    return document


def outbox(env: dict[str, str]) -> dict[str, Any]:
    document = json.loads(ok(env, "outbox", "--json"))
    assert isinstance(document, dict)
    return document


def deliveries(env: dict[str, str], key_like: str) -> list[tuple[str | None, str | None]]:
    """(person key, channel) of every delivery whose dedupe key matches `key_like`."""
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        people = {p.id: p.key for p in session.exec(select(Person))}
        rows = session.exec(select(Delivery).where(col(Delivery.dedupe_key).like(key_like))).all()
        found = [(people.get(row.person_id), row.channel) for row in rows]
    engine.dispose()
    return found


def proposals(env: dict[str, str]) -> list[tuple[int, str, str]]:
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        rows = session.exec(select(Proposal).order_by(col(Proposal.id))).all()
        found = [(row.id or 0, row.status, row.reason) for row in rows]
    engine.dispose()
    return found


def propose(env: dict[str, str], path: Path, by: str = "anna", *extra: str) -> str:
    return ok(env, "house", "propose", str(path), "--by", by, *extra)


def endorse(env: dict[str, str], by: str) -> str:
    return ok(env, "house", "endorse", "--by", by)


# -- show ---------------------------------------------------------------------------------------


def test_house_json_has_the_contract_shape(loaded: dict[str, str]) -> None:
    result = runner.invoke(app, ["house", "--json"], env=loaded)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["version"] == 1
    assert document["roof"].startswith("Samen zorgen we")
    assert [p["title"] for p in document["pillars"]] == [
        "Een huis dat past",
        "Zorg dichtbij",
        "Buren die omkijken",
    ]
    assert all(set(p) >= {"title", "message", "proof"} for p in document["pillars"])
    assert document["pillars"][0]["proof"][0].startswith("1.200")
    assert document["endorsed_by"] == []
    assert document["proposal"] is None


def test_house_without_json_prints_the_house(loaded: dict[str, str]) -> None:
    result = runner.invoke(app, ["--lang", "nl", "house"], env=loaded)
    assert result.exit_code == 0
    assert "Kernboodschap van Alliantie Langer Thuis Rivierenland" in result.stdout


def test_house_speaks_the_operator_s_language(loaded: dict[str, str]) -> None:
    """`--lang`, else LANG, else the alliance's language (Dutch in the demo file)."""
    english = runner.invoke(app, ["house"], env=loaded).stdout  # LANG=en_GB.UTF-8 here
    assert "Message house of Alliantie Langer Thuis Rivierenland" in english
    dutch = runner.invoke(app, ["house"], env={**loaded, "LANG": "nl_NL.UTF-8"}).stdout
    assert "Kernboodschap van" in dutch
    unknown = runner.invoke(app, ["house"], env={**loaded, "LANG": "C.UTF-8"}).stdout
    assert "Kernboodschap van" in unknown  # the alliance's language
    chosen = runner.invoke(app, ["--lang", "en", "house"], env={**loaded, "LANG": "nl_NL"})
    assert "Message house of" in chosen.stdout
    wrong = runner.invoke(app, ["--lang", "de", "house"], env=loaded)
    assert wrong.exit_code != 0 and "--lang takes nl or en" in wrong.stderr


# -- propose -----------------------------------------------------------------------------


def test_propose_from_a_file_opens_a_proposal_and_keeps_the_house(
    loaded: dict[str, str], proposal_file: Path
) -> None:
    before = house_json(loaded)
    output = propose(loaded, proposal_file)
    # bram and chantal have a Slack account; dirk, emma and frank none; anna proposes
    assert re.fullmatch(r"Proposal \d+ is open; 2 advisers were asked to respond\.\n", output)
    after = house_json(loaded)
    assert after["version"] == 1
    assert {k: after[k] for k in ("roof", "pillars", "endorsed_by")} == {
        k: before[k] for k in ("roof", "pillars", "endorsed_by")
    }
    proposal = after["proposal"]
    assert proposal is not None
    assert proposal["reason"] == "Nieuwe cijfers van de verhuiscoaches"
    assert proposal["base_version"] == 1
    assert proposal["roof"].endswith("met zorg dichtbij.")
    assert [p["title"] for p in proposal["pillars"]] == [
        "Een huis dat past",
        "Zorg in de wijk",
        "Buren die omkijken",
        "Mantelzorg telt mee",
    ]
    assert proposal["pillars"][0]["proof"][2] == SPECIAL_PROOF
    asked = deliveries(loaded, "house:%:ask:%")
    assert sorted(person for person, _channel in asked) == ["bram", "chantal"]


def test_the_reason_option_wins_over_the_file(loaded: dict[str, str], proposal_file: Path) -> None:
    propose(loaded, proposal_file, "anna", "--reason", "Andere reden")
    assert house_json(loaded)["proposal"]["reason"] == "Andere reden"


def _pillar_without_title() -> str:
    return PROPOSAL.replace('title = "Zorg in de wijk"\n', "")


def _six_pillars() -> str:
    extra = "".join(
        f'\n[[message_house.pillars]]\ntitle = "Extra {n}"\nmessage = "Nog een."\n'
        for n in range(2)
    )
    return PROPOSAL + extra


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_pillar_without_title(), "message_house.pillars[1].title: required, but missing"),
        (_six_pillars(), "message_house.pillars: "),
        ("reason = 'x'\n[message_house\nroof = ", "not valid UTF-8 TOML"),
        (
            PROPOSAL.replace('proof = ["Eén', 'proof = [1, "Eén'),
            "message_house.pillars[3].proof[0]",
        ),
        (PROPOSAL + '\nkleur = "rood"\n', "kleur: unknown field"),
    ],
    ids=["pillar-without-title", "six-pillars", "not-toml", "proof-not-text", "unknown-field"],
)
def test_a_file_with_problems_is_refused_and_nothing_changes(
    loaded: dict[str, str], tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "fout.toml"
    path.write_text(text, encoding="utf-8")
    before_house, before_outbox = house_json(loaded), outbox(loaded)
    result = run(loaded, "house", "propose", str(path), "--by", "anna")
    assert result.exit_code != 0
    assert str(path) in result.stderr
    assert expected in result.stderr
    assert result.stdout == ""
    assert house_json(loaded) == before_house
    assert outbox(loaded) == before_outbox
    assert proposals(loaded) == []


def test_six_pillars_says_at_most_five(loaded: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "zes.toml"
    path.write_text(_six_pillars(), encoding="utf-8")
    result = run(loaded, "house", "propose", str(path), "--by", "anna")
    assert result.exit_code != 0
    assert re.search(r"message_house\.pillars: .*at most 5", result.stderr)


def test_a_missing_file_is_named(loaded: dict[str, str], tmp_path: Path) -> None:
    result = run(loaded, "house", "propose", str(tmp_path / "weg.toml"), "--by", "anna")
    assert result.exit_code != 0
    assert "weg.toml: file not found" in result.stderr


def test_propose_without_a_reason_succeeds_as_the_contract_says(
    loaded: dict[str, str], tmp_path: Path
) -> None:
    """CONTRACT.md: `house propose FILE.toml --by PERSON`; the reason is optional here (the
    chat asks for one, where it helps the partners)."""
    path = tmp_path / "zonder-reden.toml"
    path.write_text(PROPOSAL.replace('reason = "Nieuwe cijfers van de verhuiscoaches"', ""))
    result = run(loaded, "house", "propose", str(path), "--by", "anna")
    assert result.exit_code == 0, result.stderr
    assert re.fullmatch(
        r"Proposal \d+ is open; 2 advisers were asked to respond\.\n", result.stdout
    )
    proposal = house_json(loaded)["proposal"]
    assert proposal is not None and proposal["reason"] == ""
    shown = run(loaded, "--lang", "nl", "house")
    assert "Er ligt een voorstel voor een nieuwe versie." in shown.stdout
    assert "versie: \n" not in shown.stdout and "()" not in shown.stdout


def test_a_blank_reason_option_is_no_reason_either(loaded: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "zonder-reden.toml"
    path.write_text(PROPOSAL.replace('reason = "Nieuwe cijfers van de verhuiscoaches"', ""))
    result = run(loaded, "house", "propose", str(path), "--by", "anna", "--reason", "   ")
    assert result.exit_code == 0, result.stderr
    assert len(proposals(loaded)) == 1


def test_propose_the_current_house_again_is_refused(loaded: dict[str, str], tmp_path: Path) -> None:
    current = house_json(loaded)
    lines = ['reason = "nogmaals"', "[message_house]", f"roof = {json.dumps(current['roof'])}"]
    for pillar in current["pillars"]:
        lines += [
            "[[message_house.pillars]]",
            f"title = {json.dumps(pillar['title'])}",
            f"message = {json.dumps(pillar['message'])}",
            f"proof = {json.dumps(pillar['proof'], ensure_ascii=False)}",
        ]
    path = tmp_path / "zelfde.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(loaded, "house", "propose", str(path), "--by", "anna")
    assert result.exit_code != 0
    assert "nothing to propose" in result.stderr
    assert proposals(loaded) == []


def test_only_advisers_and_known_people_propose(
    loaded: dict[str, str], proposal_file: Path
) -> None:
    ambassador = run(loaded, "house", "propose", str(proposal_file), "--by", "gerda")
    assert ambassador.exit_code != 0
    assert "Only advisers" in ambassador.stderr
    nobody = run(loaded, "house", "propose", str(proposal_file), "--by", "nobody")
    assert nobody.exit_code != 0
    assert "'nobody'" in nobody.stderr
    assert proposals(loaded) == []


def test_a_second_proposal_waits_unless_it_replaces_the_first(
    loaded: dict[str, str], proposal_file: Path, tmp_path: Path
) -> None:
    propose(loaded, proposal_file)
    first = house_json(loaded)["proposal"]
    second_file = tmp_path / "tweede.toml"
    second_file.write_text(
        PROPOSAL.replace("Nieuwe cijfers van de verhuiscoaches", "Beter verhaal"), encoding="utf-8"
    )
    refused = run(loaded, "house", "propose", str(second_file), "--by", "bram")
    assert refused.exit_code != 0
    assert "already an open proposal" in refused.stderr
    assert "Nieuwe cijfers van de verhuiscoaches" in refused.stderr
    assert house_json(loaded)["proposal"] == first

    output = propose(loaded, second_file, "bram", "--replace")
    assert output.startswith("Proposal ")
    replacing = house_json(loaded)["proposal"]
    assert replacing["id"] != first["id"]
    assert replacing["reason"] == "Beter verhaal"
    assert [status for _id, status, _reason in proposals(loaded)] == ["replaced", "open"]

    # the replacing proposal is the one that is adopted, with its proposer and reason
    for adviser in ADVISERS:
        endorse(loaded, adviser)
    history = json.loads(ok(loaded, "house", "history", "--json"))
    assert history[-1]["version"] == 2
    assert history[-1]["reason"] == "Beter verhaal"
    assert history[-1]["proposed_by"] == "bram"


def test_the_already_open_error_names_the_replace_option(
    loaded: dict[str, str], proposal_file: Path
) -> None:
    propose(loaded, proposal_file)
    refused = run(loaded, "house", "propose", str(proposal_file), "--by", "bram")
    assert "--replace" in refused.stderr


# -- endorse and object ------------------------------------------------------------------


def test_adoption_comes_with_the_sixth_partner_and_not_before(
    loaded: dict[str, str], proposal_file: Path
) -> None:
    propose(loaded, proposal_file)
    for count, adviser in enumerate(ADVISERS[:5], 1):
        output = endorse(loaded, adviser)
        assert f"Endorsed by {count} of 6 needed" in output
        assert f"still to answer: {6 - count}" in output
    fifth = house_json(loaded)
    assert fifth["version"] == 1
    assert fifth["endorsed_by"] == []
    assert fifth["proposal"] is not None

    pending_before = outbox(loaded)["pending"]
    output = endorse(loaded, ADVISERS[5])
    assert output == "Adopted: the message house is now version 2.\n"
    sixth = house_json(loaded)
    assert sixth["version"] == 2
    assert set(sixth["endorsed_by"]) == PARTNERS
    assert len(sixth["endorsed_by"]) == 6
    assert sixth["proposal"] is None
    assert sixth["source"] == "proposal"
    assert [p["title"] for p in sixth["pillars"]][-1] == "Mantelzorg telt mee"
    assert SPECIAL_PROOF in sixth["pillars"][0]["proof"]

    # everyone with a reachable account hears about it, plus the advisers' channel
    assert outbox(loaded)["pending"] > pending_before
    notices = deliveries(loaded, "house:v2:%")
    assert {person for person, _channel in notices if person} == REACHABLE
    assert [channel for person, channel in notices if person is None] == ["C0ADVISERS"]
    assert len(notices) == len(REACHABLE) + 1

    plain = ok(loaded, "--lang", "nl", "house")
    assert "Versie 2" in plain
    assert "Onderschreven door 6 van de 6 partners" in plain


def test_endorsing_again_adopts_nothing_twice(adopted: dict[str, str]) -> None:
    result = run(adopted, "house", "endorse", "--by", "anna")
    assert result.exit_code != 0
    assert "no open proposal" in result.stderr
    assert house_json(adopted)["version"] == 2


def test_two_advisers_of_one_partner_count_once(
    env: dict[str, str], alliance_file: Path, proposal_file: Path
) -> None:
    with alliance_file.open("a", encoding="utf-8") as file:
        file.write(
            '\n[[people]]\nkey = "anouk"\nname = "Anouk de Wit"\nroles = ["adviser"]\n'
            'partner = "woonkracht"\nslack = "U0ANOUK01"\n'
        )
    _init(env, alliance_file)
    propose(env, proposal_file, "bram")
    assert "Endorsed by 1 of 6 needed" in endorse(env, "anna")
    assert "Endorsed by 1 of 6 needed" in endorse(env, "anouk")
    for count, adviser in enumerate(("bram", "chantal", "dirk", "emma"), 2):
        assert f"Endorsed by {count} of 6 needed" in endorse(env, adviser)
    assert house_json(env)["version"] == 1
    assert endorse(env, "frank").startswith("Adopted")
    document = house_json(env)
    assert document["version"] == 2
    assert sorted(document["endorsed_by"]) == sorted(PARTNERS)


def test_an_ambassador_cannot_endorse(loaded: dict[str, str], proposal_file: Path) -> None:
    propose(loaded, proposal_file)
    result = run(loaded, "house", "endorse", "--by", "gerda")
    assert result.exit_code != 0
    assert "Only advisers speak for their organisation" in result.stderr
    assert result.stdout == ""
    for adviser in ADVISERS[:5]:
        endorse(loaded, adviser)
    assert house_json(loaded)["version"] == 1  # gerda's welzijn did not count for dirk


def test_endorse_without_an_open_proposal_says_so(loaded: dict[str, str]) -> None:
    result = run(loaded, "house", "endorse", "--by", "anna")
    assert result.exit_code != 0
    assert "There is no open proposal right now." in result.stderr


def test_an_objection_holds_adoption_until_that_partner_endorses(
    loaded: dict[str, str], proposal_file: Path
) -> None:
    propose(loaded, proposal_file)
    objected = ok(loaded, "house", "object", "--by", "emma", "--reason", "Eerst afstemmen")
    assert "objections: 1" in objected
    for adviser in ("anna", "bram", "chantal", "dirk", "frank"):
        output = endorse(loaded, adviser)
        assert "objections: 1" in output
        assert "Adopted" not in output
    assert "Endorsed by 5 of 6 needed; objections: 1; still to answer: 0." in output
    blocked = house_json(loaded)
    assert blocked["version"] == 1
    assert blocked["proposal"] is not None
    assert blocked["proposal"]["reason"] == "Nieuwe cijfers van de verhuiscoaches"
    plain = ok(loaded, "--lang", "nl", "house")
    assert "Versie 1" in plain
    assert "Er ligt een voorstel voor een nieuwe versie: Nieuwe cijfers" in plain

    # the other advisers with an account were told about the objection, with the reason
    told = deliveries(loaded, "house:%:objection:%")
    assert sorted(person for person, _channel in told) == ["anna", "bram", "chantal"]

    assert endorse(loaded, "emma").startswith("Adopted")
    assert house_json(loaded)["version"] == 2


def test_house_shows_the_objection_that_blocks_the_proposal(
    loaded: dict[str, str], proposal_file: Path
) -> None:
    propose(loaded, proposal_file)
    ok(loaded, "house", "object", "--by", "emma", "--reason", "Eerst afstemmen")
    document = house_json(loaded)
    assert "huisartsen" in json.dumps(document["proposal"])
    assert "Eerst afstemmen" in ok(loaded, "house")


def test_an_objection_needs_a_reason(loaded: dict[str, str], proposal_file: Path) -> None:
    propose(loaded, proposal_file)
    missing = run(loaded, "house", "object", "--by", "emma")
    assert missing.exit_code != 0
    assert "--reason" in missing.stderr
    empty = run(loaded, "house", "object", "--by", "emma", "--reason", "  ")
    assert empty.exit_code != 0
    assert "needs a reason" in empty.stderr


# -- diff, history, export ---------------------------------------------------------------


def test_diff_lists_the_changes_with_their_kinds(adopted: dict[str, str]) -> None:
    document = json.loads(ok(adopted, "house", "diff", "1", "2", "--json"))
    assert document["from"] == 1 and document["to"] == 2
    changes = document["changes"]
    assert all(set(c) == {"kind", "pillar", "old", "new"} for c in changes)
    kinds = [c["kind"] for c in changes]
    assert kinds.count("roof") == 1
    assert {"roof", "message", "proof_added", "proof_removed", "pillar_renamed"} <= set(kinds)
    assert {
        "kind": "proof_added",
        "pillar": "Een huis dat past",
        "old": "",
        "new": SPECIAL_PROOF,
    } in changes
    assert {
        "kind": "pillar_renamed",
        "pillar": "Zorg in de wijk",
        "old": "Zorg dichtbij",
        "new": "Zorg in de wijk",
    } in changes
    removed = [c for c in changes if c["kind"] == "proof_removed"]
    assert [c["old"] for c in removed] == [
        "Verhuiscoaches hielpen in 2025 al 85 senioren naar een passend huis"
    ]
    added = [c for c in changes if c["kind"] == "pillar_added"]
    assert [c["pillar"] for c in added] == ["Mantelzorg telt mee"]
    assert not any(c["pillar"] == "Buren die omkijken" for c in changes)

    backwards = json.loads(ok(adopted, "house", "diff", "2", "1", "--json"))["changes"]
    assert {
        "kind": "pillar_removed",
        "pillar": "Mantelzorg telt mee",
        "old": "Mantelzorg telt mee",
        "new": "",
    } in backwards

    same = json.loads(ok(adopted, "house", "diff", "2", "2", "--json"))
    assert same["changes"] == []

    plain = ok(adopted, "--lang", "nl", "house", "diff", "1", "2")
    assert "Van versie 1 naar versie 2" in plain
    assert "Mantelzorg telt mee" in plain


def test_diff_with_an_unknown_version_fails_clearly(adopted: dict[str, str]) -> None:
    for args in (("1", "7"), ("0", "2"), ("7", "1", "--json")):
        result = run(adopted, "house", "diff", *args)
        assert result.exit_code != 0
        assert "There is no version" in result.stderr
        assert "house history" in result.stderr
        assert result.stdout == ""
    not_a_number = run(adopted, "house", "diff", "een", "2")
    assert not_a_number.exit_code != 0


def test_history_lists_every_version_with_source_and_proposer(adopted: dict[str, str]) -> None:
    rows = json.loads(ok(adopted, "house", "history", "--json"))
    assert [r["version"] for r in rows] == [1, 2]
    assert [r["source"] for r in rows] == ["alliance_file", "proposal"]
    assert [r["proposed_by"] for r in rows] == [None, "anna"]
    assert rows[1]["reason"] == "Nieuwe cijfers van de verhuiscoaches"
    assert all(set(r) >= {"version", "adopted_at", "source", "reason", "proposed_by"} for r in rows)
    assert rows[0]["adopted_at"] <= rows[1]["adopted_at"]
    plain = ok(adopted, "house", "history").splitlines()
    assert len(plain) == 2
    assert plain[0].startswith("v1") and "alliance_file" in plain[0]
    assert plain[1].startswith("v2") and "anna" in plain[1] and "Nieuwe cijfers" in plain[1]


def test_export_prints_markdown_with_house_texts_escaped(adopted: dict[str, str]) -> None:
    markdown = ok(adopted, "--lang", "nl", "house", "export")
    assert markdown.startswith("## Kernboodschap van Alliantie Langer Thuis Rivierenland\n")
    assert "\\*nieuw\\* 2\\_000 \\[x\\](y) # kop" in markdown  # only what Markdown needs
    assert SPECIAL_PROOF not in markdown
    assert "- 650 vrijwilligers actief in het buurtnetwerk" in markdown
    assert "**4\\. Mantelzorg telt mee**" in markdown

    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").render(markdown)
    assert "<a " not in rendered and "<h1>" not in rendered
    assert f"<li>{html.escape(SPECIAL_PROOF, quote=False)}</li>" in rendered
    assert rendered.count("<h2>") == 1
