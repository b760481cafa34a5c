"""`pulse report --json` and `--csv`: every round's shown groups, for use outside the chat.

Made from `RoundResult`s and their trends only, so a file can carry no more than the chat
shows: shown groups' aggregates, never an answer, a count per question or a hidden group.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.pulse.results import RoundResult
from bot.core.pulse.trends import ordered, trend

CSV_HEADER = (
    "round",
    "opened_at",
    "closed_at",
    "level",
    "key",
    "name",
    "respondents",
    "energy",
    "trust",
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def report_json(rounds: Sequence[RoundResult]) -> dict[str, Any]:
    """`pulse report --json`: the contract's shape, plus name, change and rolling means."""
    trends = {(t.round_id, t.level, t.key): t for t in trend(rounds)}
    report: list[dict[str, Any]] = []
    for r in ordered(rounds):
        groups = []
        for g in r.groups:
            t = trends[(r.id, g.level, g.key)]
            groups.append(
                {
                    "level": g.level,
                    "key": g.key,
                    "name": g.name,
                    "respondents": g.respondents,
                    "energy": g.energy,
                    "trust": g.trust,
                    "change_energy": t.change_energy,
                    "change_trust": t.change_trust,
                    "rolling_energy": t.rolling_energy,
                    "rolling_trust": t.rolling_trust,
                }
            )
        report.append(
            {
                "id": r.id,
                "opened_at": _iso(r.opened_at),
                "closed_at": _iso(r.closed_at),
                "groups": groups,
            }
        )
    return {"rounds": report}


def report_csv(rounds: Sequence[RoundResult]) -> str:
    """`pulse report --csv`: one row per shown group per round, aggregates only."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in ordered(rounds):
        for g in r.groups:
            writer.writerow(
                [
                    r.id,
                    _iso(r.opened_at),
                    _iso(r.closed_at) or "",
                    g.level,
                    g.key,
                    g.name,
                    g.respondents,
                    g.energy,
                    g.trust,
                ]
            )
    return buffer.getvalue()
