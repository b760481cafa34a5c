"""Getting going on the command line: init, chat, `python -m bot`, invite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.core.alliance.invites import redeem_invite
from bot.core.alliance.models import Invite
from bot.core.kernel.models import Partner, Person
from bot.db import make_engine
from tests.fakes.telegram_api import TOKEN, FakeBotApi

DEMO_DIR = Path(__file__).parents[2] / "bot" / "demo"
DEMO = DEMO_DIR / "alliance.toml"
runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "ALLIANCEBOT_CONFIG": ""}


@pytest.fixture
def alliance_file(tmp_path: Path) -> Path:
    """A copy of the demo alliance file (its agendas are resolved relative to it)."""
    path = tmp_path / "alliance.toml"
    path.write_text((DEMO_DIR / "alliance.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def loaded(env: dict[str, str], alliance_file: Path) -> dict[str, str]:
    result = runner.invoke(app, ["init", str(alliance_file)], env=env)
    assert result.exit_code == 0, result.output
    return env


def _chat(env: dict[str, str], person: str, lines: str) -> str:
    result = runner.invoke(app, ["chat", "--as", person], input=lines, env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def _counts(env: dict[str, str]) -> tuple[int, int, list[str]]:
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        partners = session.exec(select(func.count()).select_from(Partner)).one()
        people = session.exec(select(func.count()).select_from(Person)).one()
        names = sorted(p.name for p in session.exec(select(Partner)))
    engine.dispose()
    return partners, people, names


def test_init_loads_a_valid_file_and_is_idempotent(
    env: dict[str, str], alliance_file: Path
) -> None:
    first = runner.invoke(app, ["init", str(alliance_file)], env=env)
    assert first.exit_code == 0, first.output
    assert "partners created: 6" in first.stdout
    second = runner.invoke(app, ["init", str(alliance_file)], env=env)
    assert second.exit_code == 0
    assert "no changes" in second.stdout
    assert _counts(env)[:2] == (6, 17)


def test_init_takes_the_path_from_alliancebot_config(
    env: dict[str, str], alliance_file: Path
) -> None:
    result = runner.invoke(app, ["init"], env={**env, "ALLIANCEBOT_CONFIG": str(alliance_file)})
    assert result.exit_code == 0, result.output


def test_init_rejects_an_unknown_partner_and_writes_nothing(
    env: dict[str, str], alliance_file: Path
) -> None:
    broken = alliance_file.read_text(encoding="utf-8").replace(
        'partner = "woonkracht"\nslack = "U0ANNA001"', 'partner = "wonkracht"\nslack = "U0ANNA001"'
    )
    alliance_file.write_text(broken, encoding="utf-8")
    result = runner.invoke(app, ["init", str(alliance_file)], env=env)
    assert result.exit_code != 0
    assert "people[0].partner: unknown partner 'wonkracht'" in result.stderr
    assert "did you mean 'woonkracht'" in result.stderr
    database = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    assert not database.exists(), "a rejected file must not even create the database"


def test_a_rejected_edit_leaves_the_loaded_alliance_as_it_was(
    loaded: dict[str, str], alliance_file: Path
) -> None:
    before = _counts(loaded)
    edited = alliance_file.read_text(encoding="utf-8")
    edited = edited.replace('name = "Gemeente Tiel"', 'name = "Gemeente Tiel (nieuw)"')
    edited = edited.replace(
        'region = "west"\npartner = "welzijn"', 'region = "oost"\npartner = "welzijn"'
    )
    alliance_file.write_text(edited, encoding="utf-8")
    result = runner.invoke(app, ["init", str(alliance_file)], env=loaded)
    assert result.exit_code != 0
    assert "unknown region 'oost'" in result.stderr
    assert _counts(loaded) == before


def test_chat_answers_house_and_kernboodschap_alike(loaded: dict[str, str]) -> None:
    english = _chat(loaded, "anna", "house\n")
    dutch = _chat(loaded, "anna", "kernboodschap\n")
    assert english == dutch
    assert "Buren die omkijken" in english


def test_help_comes_in_the_persons_language(loaded: dict[str, str]) -> None:
    dutch = _chat(loaded, "anna", "help\n")
    assert "Wat ik voor je kan doen" in dutch
    assert "kernboodschap" in dutch
    english = _chat(loaded, "frank", "hulp\n")  # frank chose English in the alliance file
    assert "What I can do for you" in english
    assert "• house" in english


def test_help_lists_only_what_the_role_allows(loaded: dict[str, str]) -> None:
    ambassador = _chat(loaded, "gerda", "hulp\n")
    assert "signaal" in ambassador
    assert "voorstel" not in ambassador
    adviser = _chat(loaded, "anna", "hulp\n")
    assert "voorstel" in adviser
    assert "signaal <" not in adviser


def test_junk_input_gets_a_helpful_reply_and_is_never_evaluated(loaded: dict[str, str]) -> None:
    junk = (
        "{{ 7*7 }}\n%s %d %(name)s\n\x00\x1b[31m\x07bell\n"
        "{% for x in range(3) %}x{% endfor %}\n\u202ehouse\n"
    )
    output = _chat(loaded, "anna", junk)
    assert "Traceback" not in output
    assert "49" not in output
    assert "xxx" not in output
    assert "{{" in output  # shown back literally, not evaluated
    assert output.count("Typ hulp om te zien wat ik kan.") >= 3
    assert "\x1b" not in output and "\x00" not in output
    assert "Buren die omkijken" in output  # the bidi override is stripped; house still works


def test_chat_as_an_unknown_person_says_so(loaded: dict[str, str]) -> None:
    result = runner.invoke(app, ["chat", "--as", "nobody"], input="house\n", env=loaded)
    assert result.exit_code != 0
    assert "'nobody'" in result.stderr


def test_python_dash_m_bot_runs_and_reports_a_missing_alliance(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], env=env, check=True, capture_output=True
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "house", "--json"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "alliancebot init" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_mute_in_chat(loaded: dict[str, str]) -> None:
    muted = _chat(loaded, "gerda", "stil 7\n")
    assert "Ik houd me stil tot" in muted
    assert "bijvoorbeeld stil 7" in _chat(loaded, "gerda", "stil morgen\n")
    assert "De pauze is voorbij" in _chat(loaded, "gerda", "stil uit\n")
    assert "I will keep quiet until" in _chat(loaded, "otto", "mute 3\n")


# -- invite -------------------------------------------------------------------------------------


def test_invite_prints_a_deep_link_and_the_code(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'i.db'}"}
    assert runner.invoke(app, ["init", str(DEMO)], env=env).exit_code == 0
    with FakeBotApi() as api:
        assert isinstance(api, FakeBotApi)
        full = {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url}
        result = runner.invoke(app, ["invite", "ingrid"], env=full)
        unknown = runner.invoke(app, ["invite", "nobody"], env=full)
    assert result.exit_code == 0, result.output
    link, code = result.stdout.strip().splitlines()
    assert link == f"https://t.me/alliance_test_bot?start={code}"
    assert len(code) >= 16  # 96 bits, URL-safe
    assert unknown.exit_code != 0 and "'nobody'" in unknown.stderr
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        invite = session.exec(select(Invite)).one()
        assert code not in invite.code_hash
        assert redeem_invite(session, code, "telegram", "987").outcome == "linked"
        assert redeem_invite(session, code, "telegram", "988").outcome == "used"
    engine.dispose()


def test_invite_needs_a_telegram_token(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'i.db'}", "TELEGRAM_BOT_TOKEN": ""}
    runner.invoke(app, ["init", str(DEMO)], env=env)
    result = runner.invoke(app, ["invite", "ingrid"], env={**env})
    assert result.exit_code != 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
