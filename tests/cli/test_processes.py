"""The processes' commands on the command line: dispatch and the outbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

DEMO_DIR = Path(__file__).parents[2] / "bot" / "demo"
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


def test_pulse_open_then_dispatch_sends_one_message_per_linked_ambassador(
    loaded: dict[str, str], alliance_file: Path
) -> None:
    from tests.fakes.telegram_api import TOKEN, FakeBotApi

    # no quiet hours, so that the test means the same at any time of day
    with alliance_file.open("a", encoding="utf-8") as file:
        file.write('\n[delivery]\nquiet_hours = "00:00-00:00"\n')
    assert runner.invoke(app, ["init", str(alliance_file)], env=loaded).exit_code == 0
    with FakeBotApi() as api:
        assert isinstance(api, FakeBotApi)
        env = {**loaded, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url}
        opened = runner.invoke(app, ["pulse", "open", "--json"], env=env)
        assert opened.exit_code == 0, opened.output
        document = json.loads(opened.stdout)
        assert document["created"] is True
        assert document["invited"] + document["unreachable"] == 9  # nine ambassadors
        again = runner.invoke(app, ["pulse", "open", "--json"], env=env)
        assert json.loads(again.stdout)["invited"] == 0
        dispatched = runner.invoke(app, ["dispatch", "--once"], env=env)
        assert dispatched.exit_code == 0, dispatched.output
        chats = sorted(m.chat_id for m in api.sent)
    assert chats == sorted(str(700100000 + n) for n in (1, 2, 4, 6, 7, 9))
    outbox = json.loads(runner.invoke(app, ["outbox", "--json"], env=env).stdout)
    # and two reminders each, planned for the coming days (cancelled once they answer)
    assert outbox["sent"] == 6 and outbox["pending"] == 12 and outbox["failed"] == 0
    assert outbox["unreachable"] == []


def test_outbox_json_has_the_contract_shape(loaded: dict[str, str]) -> None:
    result = runner.invoke(app, ["outbox", "--json"], env=loaded)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert {"pending", "sent", "failed"} <= set(document)
    assert all(isinstance(document[k], int) for k in ("pending", "sent", "failed"))
