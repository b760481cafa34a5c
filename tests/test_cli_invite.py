"""`alliancebot invite`: a one-time deep link, the bare code on the last line."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.core.alliance.invites import redeem_invite
from bot.core.alliance.models import Invite
from bot.db import make_engine
from tests.fakes.telegram_api import TOKEN, FakeBotApi

DEMO = Path(__file__).parents[1] / "bot" / "demo" / "alliance.toml"
runner = CliRunner()


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
