"""The advisers' weekly digest: one message on Monday morning with what needs attention.

Flags and signals already arrive one by one when they happen; the digest is the quiet
overview on top: what is open, how the last pulse went, which partner moments come up and
what partners did with the snippets they got. It goes to the advisers' channel only (a
digest for each adviser personally would be a second message a week for everyone).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.core.agenda import upcoming
from bot.core.attention import explanation, open_flags, open_signals
from bot.core.kernel import Alliance, Partner, Texts
from bot.core.outbox import DeliveryKind, Plan, PlanResult, plan_delivery
from bot.core.pulse import closed_rounds, round_results
from bot.core.toolkit import AGENDA_LABELS, coverage

AGENDA_DAYS = 14
COVERAGE_DAYS = 28


def plan_digest(session: Session, alliance: Alliance, now: datetime) -> PlanResult | None:
    """Plan this week's digest (once per ISO week); None when there is no advisers' channel."""
    if not alliance.adviser_channel:
        return None
    texts = Texts(alliance.language)
    zone = ZoneInfo(alliance.timezone)
    year, week, _day = now.astimezone(zone).isocalendar()
    partners = {
        p.id: p.name
        for p in session.exec(
            select(Partner).where(Partner.alliance_id == alliance.id, col(Partner.active))
        )
    }
    rounds = round_results(session, alliance, closed_rounds(session, alliance, limit=1))
    body = texts.render(
        "digest",
        week=week,
        flags=[explanation(f, texts.language) for f in open_flags(session, alliance)],
        signals=len(open_signals(session, alliance)),
        latest=rounds[-1] if rounds else None,
        agenda=[
            (item, partners.get(item.partner_id, ""), item.starts_at.astimezone(zone).date())
            for item in upcoming(session, [i for i in partners if i], now, AGENDA_DAYS)
        ][:10],
        labels={k: texts.gettext(v) for k, v in AGENDA_LABELS.items()},
        coverage=coverage(session, alliance, now - timedelta(days=COVERAGE_DAYS)),
    )
    return plan_delivery(
        session,
        alliance,
        Plan(
            dedupe_key=f"digest:{year}-W{week:02d}",
            kind=DeliveryKind.DIGEST,
            body=body,
            due_at=now,
            channel=alliance.adviser_channel,
        ),
    )
