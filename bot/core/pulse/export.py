"""`pulse report --json` and `--csv`: every round's shown groups, for use outside the chat.

Made from `RoundResult`s and their trends only, so a file can carry no more than the chat
shows: shown groups' aggregates, never an answer, a count per question or a hidden group.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from bot.core.kernel import iso_local
from bot.core.pulse.lenses import lens_changes, lens_values
from bot.core.pulse.questions import LENSES
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
    *LENSES,
)


def report_json(rounds: Sequence[RoundResult], zone: str = "UTC") -> dict[str, Any]:
    """`pulse report --json`: the contract's shape, plus name, change and rolling means;
    times carry the offset of `zone` (the alliance's)."""
    trends = {(t.round_id, t.level, t.key): t for t in trend(rounds)}
    changes = lens_changes(rounds)
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
                    "lenses": lens_values(dict(g.lenses)),
                    "change_lenses": changes[(r.id, g.level, g.key)],
                }
            )
        report.append(
            {
                "id": r.id,
                "opened_at": iso_local(r.opened_at, zone),
                "closed_at": iso_local(r.closed_at, zone),
                "groups": groups,
            }
        )
    return {"rounds": report}


def report_csv(rounds: Sequence[RoundResult], zone: str = "UTC") -> str:
    """`pulse report --csv`: one row per shown group per round, aggregates only."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in ordered(rounds):
        for g in r.groups:
            writer.writerow(
                [
                    r.id,
                    iso_local(r.opened_at, zone),
                    iso_local(r.closed_at, zone) or "",
                    g.level,
                    g.key,
                    g.name,
                    g.respondents,
                    g.energy,
                    g.trust,
                    *("" if v is None else v for v in lens_values(dict(g.lenses)).values()),
                ]
            )
    return buffer.getvalue()
