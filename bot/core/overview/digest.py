"""The advisers' weekly digest: one message on Monday morning with what needs attention.

Flags and signals already arrive one by one when they happen; the digest is the quiet
overview on top: what is open, how the last pulse went, which partner moments come up and
what partners did with the snippets they got. A partner's follow-up decline that its
coordinators and advisers have not shared is only counted ("2 partners are in a follow-up
conversation"), never named: the channel is read by every partner's adviser. It goes to
the advisers' channel only (a digest for each adviser personally would be a second message a
week for everyone), so its days are the alliance's. Like the home page it reads only what
it shows: the first few of each list, and a count of the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.core.agenda import count_upcoming, upcoming
from bot.core.attention import (
    count_open_flags,
    count_open_signals,
    explanation,
    open_flags,
    partners_in_conversation,
)
from bot.core.kernel import Alliance, Partner, Texts
from bot.core.outbox import DeliveryKind, Plan, PlanResult, plan_delivery
from bot.core.pulse import closed_rounds, round_results
from bot.core.reflection import current_phase, learning_items, phase_name, phase_suggestions
from bot.core.toolkit import AGENDA_LABELS, coverage

AGENDA_DAYS = 14
AGENDA_SHOWN = 10
FLAGS_SHOWN = 5
COVERAGE_SHOWN = 10
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
    ids = [i for i in partners if i]
    items = upcoming(session, ids, now, AGENDA_DAYS, limit=AGENDA_SHOWN)
    rows = sorted(
        coverage(session, alliance, now - timedelta(days=COVERAGE_DAYS)), key=lambda c: -c.sent
    )
    rounds = round_results(session, alliance, closed_rounds(session, alliance, limit=1))
    phase, _since = current_phase(session, alliance)
    body = texts.render(
        "digest",
        week=week,
        phase=phase_name(texts, phase),
        suggestions=phase_suggestions(texts, phase),
        learning=[item.text for item in learning_items(session, alliance, closed=False)],
        flags=[
            explanation(f, texts.language)
            for f in open_flags(session, alliance, FLAGS_SHOWN, shared_only=True)
        ],
        flag_count=count_open_flags(session, alliance, shared_only=True),
        in_conversation=partners_in_conversation(session, alliance),
        signals=count_open_signals(session, alliance),
        latest=rounds[-1] if rounds else None,
        agenda=[
            (item, partners.get(item.partner_id, ""), item.starts_at.astimezone(zone).date())
            for item in items
        ],
        agenda_more=(
            count_upcoming(session, ids, now, AGENDA_DAYS) - len(items)
            if len(items) == AGENDA_SHOWN
            else 0
        ),
        labels={k: texts.gettext(v) for k, v in AGENDA_LABELS.items()},
        coverage=rows[:COVERAGE_SHOWN],
        rest=len(rows[COVERAGE_SHOWN:]),
        rest_sent=sum(c.sent for c in rows[COVERAGE_SHOWN:]),
        rest_used=sum(c.used for c in rows[COVERAGE_SHOWN:]),
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
