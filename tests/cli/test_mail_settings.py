"""A mistyped SMTP_URL stops the processes with a line saying what to fix, never with the
URL itself (it holds the password) nor a traceback."""

from __future__ import annotations

import sys

import pytest

from bot.cli import main


@pytest.mark.parametrize(
    "url", ["http://mailer:hunter2@smtp.example.org", "smtp://mailer:hunter2@host:port", "smtp:"]
)
def test_a_wrong_smtp_url_is_refused_without_repeating_it(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMTP_URL", url)
    monkeypatch.setattr(sys, "argv", ["alliancebot", "dispatch", "--once"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    out, err = capsys.readouterr()
    assert "SMTP_URL:" in err and "smtps://user:pass@host:465" in err
    assert "hunter2" not in out + err and "Traceback" not in err
