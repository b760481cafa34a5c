"""How long one chat command takes end to end, against a bare database round trip.

The baseline is the least any command must do: open a session and look the person up.
The ratio shows what our own work (dispatch, templates, markup, rendering) adds to it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlmodel import Session

from bench.timing import Figure, median_time
from bot.adapters.console import answer_line
from bot.core.alliance import get_alliance
from bot.core.dispatch import command_from_text, handle
from bot.core.kernel import person_by_key
from bot.db import make_engine
from bot.demo.run import build_demo_database
from bot.render.html import render_html
from bot.render.slack import render_slack
from bot.render.telegram import render_telegram


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(build_demo_database(Path(directory)))

        def lookup() -> None:
            with Session(engine) as session:
                person_by_key(session, get_alliance(session).id or 0, "anna")

        def house_reply() -> None:
            with Session(engine) as session:
                person = person_by_key(session, get_alliance(session).id or 0, "anna")
                assert person is not None
                reply = handle(session, command_from_text(person.id or 0, "house", "slack"))
            render_slack(reply)
            render_telegram(reply)
            render_html(reply)

        baseline = median_time(lookup)
        figures = [
            Figure(
                "console: `house` line in, text out",
                median_time(lambda: answer_line(engine, "anna", "house")),
                baseline,
            ),
            Figure(
                "core `house` + Slack, Telegram, HTML render", median_time(house_reply), baseline
            ),
            Figure(
                "console: `help`",
                median_time(lambda: answer_line(engine, "anna", "help")),
                baseline,
            ),
        ]
        engine.dispose()
        return figures
