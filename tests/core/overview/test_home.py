"""The home page: advisers see where the alliance stands, others the house and signals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.core.alliance.load import get_alliance
from bot.core.dispatch import home
from bot.core.kernel.people import person_by_key
from bot.core.kernel.replies import Reply, plain_text
from bot.db import make_engine, session_scope
from bot.demo.run import build_demo_database


def _words(*replies: Reply) -> str:
    return " ".join(
        plain_text(b.spans) if hasattr(b, "spans") else " ".join(map(plain_text, b.items))
        for reply in replies
        for b in reply.blocks
        if hasattr(b, "spans") or hasattr(b, "items")
    )


def test_an_adviser_sees_pulse_chart_agenda_and_toolkit_an_ambassador_does_not(
    tmp_path: Path,
) -> None:
    engine = make_engine(build_demo_database(tmp_path, today=date.today()))
    with session_scope(engine) as session:
        alliance_id = get_alliance(session).id or 0
        anna = person_by_key(session, alliance_id, "anna")
        gerda = person_by_key(session, alliance_id, "gerda")
        assert anna is not None and gerda is not None
        adviser = home(session, anna.id or 0, "slack")
        ambassador = home(session, gerda.id or 0, "slack")
        nobody = home(session, 999_999, "slack")
    engine.dispose()
    assert adviser is not None and ambassador is not None and nobody is None
    assert adviser.chart is not None and adviser.chart.alt
    assert ambassador.chart is None
    shown = _words(*(p.reply for p in adviser.parts))
    assert "Een huis dat past" in shown and "Komende agendamomenten" in shown
    assert "Komende agendamomenten" not in _words(*(p.reply for p in ambassador.parts))
    assert "Een huis dat past" in _words(ambassador.parts[0].reply)
