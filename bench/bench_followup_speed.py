"""Follow-up flags over 100,000 agreements and 200 partners, on SQLite (target < 1 s).

The baseline in the same run is reading the same rows once (`SELECT` of the five columns
the rule needs): the ratio shows what the rule itself adds to the unavoidable I/O.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from bench.timing import Figure
from bot.core.alliance import get_alliance
from bot.core.followup import Agreement, follow_up_flags
from bot.core.kernel import Alliance, Partner, Region
from bot.db import make_engine, migrate, session_scope

AGREEMENTS = 100_000
PARTNERS = 200
AS_OF = date(2026, 11, 23)


def _seed(engine: object) -> None:
    rng = random.Random(7)
    with session_scope(engine) as session:  # type: ignore[arg-type]
        alliance = Alliance(name="Speed")
        session.add(alliance)
        session.flush()
        partners = [
            Partner(alliance_id=alliance.id or 0, key=f"p{i:03d}", name=f"P{i}")
            for i in range(PARTNERS)
        ]
        regions = [
            Region(alliance_id=alliance.id or 0, key=f"r{i}", name=f"R{i}") for i in range(10)
        ]
        session.add_all([*partners, *regions])
        session.flush()
        rows = []
        for n in range(AGREEMENTS):
            partner = partners[n % PARTNERS]
            made = AS_OF - timedelta(days=rng.randint(0, 700))
            due = made + timedelta(days=rng.choice((14, 21, 28, 42)))
            late = partner.key < "p020" and due > AS_OF - timedelta(days=90)
            done = due - timedelta(days=1) if rng.random() < (0.2 if late else 0.85) else None
            rows.append(
                {
                    "alliance_id": alliance.id,
                    "key": f"A{n}",
                    "text": "x",
                    "owner_partner_id": partner.id,
                    "region_id": regions[n % 10].id,
                    "made_on": made,
                    "due_on": due,
                    "done_on": done if done is None or done <= AS_OF else None,
                    "status": "open",
                }
            )
        session.execute(Agreement.__table__.insert(), rows)  # type: ignore[attr-defined]


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'speed.db'}")
        migrate(engine)
        _seed(engine)
        with Session(engine) as session:
            alliance = get_alliance(session)
            started = time.perf_counter()
            session.execute(
                text("SELECT owner_partner_id, region_id, made_on, due_on, done_on FROM agreement")
            ).all()
            baseline = time.perf_counter() - started
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                flags = follow_up_flags(session, alliance, AS_OF)
                timings.append(time.perf_counter() - started)
        engine.dispose()
    best = min(timings)
    print(
        f"{AGREEMENTS} agreements, {PARTNERS} partners, 10 regions: {len(flags)} flags;"
        f" best of 3 {best:.3f} s (target < 1 s: {'met' if best < 1 else 'NOT MET'})"
    )
    return [Figure("follow-up flags, 100k agreements (SQLite)", best, baseline, unit="per run")]
