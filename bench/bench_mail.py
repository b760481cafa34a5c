"""E-mail out: 2,000 e-mails through a local SMTP server, next to a bare aiosmtplib loop.

Both send to the same aiosmtpd server (`tests.fakes.smtp`) on this machine, in one run:

- ours: the outbox worker (`alliancebot dispatch --once` with only `SMTP_URL` set) on a
  migrated SQLite database with N people who each have an e-mail address and one pending
  notice: claim, readiness check, draft (three signed links per e-mail stored as hashes),
  render text and HTML, MIME, SMTP over up to 8 reused connections, mark sent; paced at
  `BENCH_MAIL_PER_MINUTE` (default 60,000 a minute, well above what either side reaches,
  so the figure is the cost and not the pace) and reported against that rate;
- the baseline: one aiosmtplib connection sending N ready-made e-mails of the same size
  in a loop (no database, no rendering, no links).

N is `BENCH_MAIL_N` (default 2000). The ratio is time per e-mail, ours over the bare loop.
Then a paced pass: `BENCH_MAIL_PACED_N` (default 100) e-mails at `BENCH_MAIL_PACED_PER_MINUTE`
(default 1,200, below what the worker reaches), to show the pace is kept: the rate reached
is reported against the configured one (it should be just under it, never over).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

from bench.timing import Figure
from bot.adapters.mail import MailSender, SmtpConfig
from bot.core.kernel import Alliance, Identity, LinkKey, Person, utcnow
from bot.core.mail import MailLinks
from bot.core.outbox import Delivery
from bot.db import make_engine, migrate, session_scope
from bot.pacing import Limits
from bot.worker import Worker, WorkerOptions
from tests.fakes.smtp import SmtpServer

BODY = (
    "<h>Ready to use: a newsletter item</h><p>"
    + "A text partners paste into their own newsletter, a few sentences long. " * 6
    + "</p>"
)


def _seed(url: str, n: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        alliance = Alliance(name="Mail bench", quiet_hours="00:00-00:00", weekly_cap=1000)
        session.add(alliance)
        session.flush()
        people = [
            Person(alliance_id=alliance.id or 0, key=f"p{i}", name=f"Contact {i}", roles="partner")
            for i in range(n)
        ]
        session.add_all(people)
        session.flush()
        session.add_all(
            Identity(person_id=p.id or 0, platform="email", external_id=f"contact{i}@example.org")
            for i, p in enumerate(people)
        )
        now = utcnow()
        session.add_all(
            Delivery(
                alliance_id=alliance.id,
                dedupe_key=f"bench:{i}",
                kind="notice",
                person_id=p.id,
                platform="email",
                body=BODY,
                buttons=[{"label": "Used it", "action": "tf:1:u", "style": ""}],
                due_at=now,
            )
            for i, p in enumerate(people)
        )
    engine.dispose()


async def _ours(url: str, smtp: SmtpServer, per_minute: float) -> float:
    engine = make_engine(url)
    options = WorkerOptions(
        lease=timedelta(seconds=30),
        poll_interval=0.05,
        limits={"email": Limits(per_minute / 60, 0.0, 0.0)},
        mail_links=MailLinks("http://bench.test", LinkKey("bench-key")),
    )
    sender = MailSender(SmtpConfig.from_url(smtp.url, "bench@example.org", None))
    worker = Worker(engine, {"email": sender}, options)
    start = time.perf_counter()
    stats = await worker.run(once=True)
    elapsed = time.perf_counter() - start
    engine.dispose()
    assert stats["sent"] == len(smtp.received), stats
    return elapsed


async def _bare(smtp: SmtpServer, n: int) -> float:
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp.port, start_tls=False)
    await client.connect()
    start = time.perf_counter()
    for i in range(n):
        message = EmailMessage()
        message["From"] = "bench@example.org"
        message["To"] = f"bare{i}@example.org"
        message["Subject"] = "Mail bench: Ready to use"
        message.set_content(BODY)
        message.add_alternative(f"<html><body>{BODY}</body></html>", subtype="html")
        await client.send_message(message)
    elapsed = time.perf_counter() - start
    await client.quit()
    return elapsed


def _paced() -> None:
    n = int(os.environ.get("BENCH_MAIL_PACED_N", "100"))
    per_minute = float(os.environ.get("BENCH_MAIL_PACED_PER_MINUTE", "1200"))
    with tempfile.TemporaryDirectory() as folder, SmtpServer() as smtp:
        url = f"sqlite:///{Path(folder) / 'paced.db'}"
        _seed(url, n)
        elapsed = asyncio.run(_ours(url, smtp, per_minute))
    # n e-mails take n - 1 intervals after the first
    rate = (n - 1) / elapsed * 60
    print(f"paced: {n} e-mails at {per_minute:,.0f} a minute configured: {rate:,.0f} reached")


def run() -> list[Figure]:
    n = int(os.environ.get("BENCH_MAIL_N", "2000"))
    per_minute = float(os.environ.get("BENCH_MAIL_PER_MINUTE", "60000"))
    with tempfile.TemporaryDirectory() as folder, SmtpServer() as smtp:
        url = f"sqlite:///{Path(folder) / 'mail.db'}"
        _seed(url, n)
        ours = asyncio.run(_ours(url, smtp, per_minute))
        sent = len(smtp.received)
        bare = asyncio.run(_bare(smtp, n))
    rate = sent / ours * 60
    print(
        f"ours: {sent} e-mails in {ours:.2f} s ({rate:,.0f} a minute, configured"
        f" {per_minute:,.0f}: {rate / per_minute:.0%} of it); bare aiosmtplib loop:"
        f" {n} in {bare:.2f} s ({n / bare * 60:,.0f} a minute)"
    )
    _paced()
    return [Figure(f"{n:,} e-mails: time per e-mail", ours / max(sent, 1), bare / n, "per e-mail")]
