"""What the command-line tests share: a database with the demo alliance loaded by `init`.

Loading takes a while, so it happens once per run; each test gets its own copy. A module
that needs another starting point defines its own `env`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

DEMO = Path(__file__).parents[2] / "bot" / "demo" / "alliance.toml"


@pytest.fixture(scope="session")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo alliance file loaded by `init` once; each test gets a copy of the database."""
    path = tmp_path_factory.mktemp("cli") / "template.db"
    result = CliRunner().invoke(app, ["init", str(DEMO)], env={"DATABASE_URL": f"sqlite:///{path}"})
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def env(initialised: Path, tmp_path: Path) -> dict[str, str]:
    shutil.copyfile(initialised, tmp_path / "cli.db")
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


@pytest.fixture(autouse=True)
def english_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line speaks the operator's language (`--lang`, else LANG, else the
    alliance's): these tests read its English, whatever the machine running them says."""
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
