"""Where the alliance stands, at a glance: the content of a person's home page.

An adviser opens the bot's home (Slack's App Home tab) to see the house and who has not
endorsed it yet, an open proposal, the latest pulse with its trend chart, open flags and
signals, the coming agenda moments with the snippets planned for them, and what partners
did with the snippets sent to them. Others see the house and the signals. The content is
neutral (`Reply`s); where the chart goes is marked, because a platform that shows images
by address (Slack) needs an address only the adapter can make.

A home page is read often and must stay small however big the alliance grows: each part
reads only the rows it shows (a `LIMIT`, and a `COUNT` for the rest) and says in words how
many it left out and which command shows them all. A platform that still has to shorten a
part (Slack allows 100 blocks a view) says so too, with `HomePage.shortened`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.core.agenda import AgendaItem, count_upcoming, upcoming
from bot.core.attention import (
    count_open_flags,
    count_open_signals,
    explanation,
    is_private,
    open_flags,
    open_signals,
)
from bot.core.house import house_markup, open_proposal, proposal_status, status_reply
from bot.core.kernel import (
    ADVISER,
    Context,
    Partner,
    Reply,
    Texts,
    timezone_of,
    utcnow,
)
from bot.core.needs import needs_reply
from bot.core.pulse import closed_rounds, results_reply
from bot.core.toolkit import AGENDA_LABELS, coverage, planned_counts

AGENDA_DAYS = 21
AGENDA_ITEMS = 10
FLAGS_SHOWN = 10
SIGNALS_SHOWN = 10
COVERAGE_SHOWN = 10
COVERAGE_DAYS = 90
NEEDS_SHOWN = 8


@dataclass(frozen=True)
class ChartSpot:
    """The pulse trend chart belongs here: the latest closed round's, with its alt text."""

    round_id: int
    alt: str


@dataclass(frozen=True)
class HomePart:
    """One part of the page, the command that shows it whole (as the reader types it; ""
    when there is none for them), and the chart that goes right after it, if any."""

    reply: Reply
    see_all: str = ""
    chart: ChartSpot | None = None


@dataclass(frozen=True)
class HomePage:
    parts: tuple[HomePart, ...]
    language: str

    @property
    def chart(self) -> ChartSpot | None:
        return next((p.chart for p in self.parts if p.chart is not None), None)

    def shortened(self, part: HomePart, left: int) -> Reply:
        """What stands where a platform had to leave `left` pieces of `part` out."""
        markup = Texts(self.language).render("home_shortened", num=left, command=part.see_all)
        return Reply.from_markup(markup)


def home_page(context: Context) -> HomePage:
    session, alliance, texts = context.session, context.alliance, context.texts
    adviser = ADVISER in context.person.role_set
    parts = [
        HomePart(Reply.from_markup(house_markup(session, alliance, texts)), context.cmd("house"))
    ]
    if adviser:
        proposal = open_proposal(session, alliance.id or 0)
        if proposal is not None:
            status = status_reply(context, proposal_status(session, alliance, proposal))
            parts.append(HomePart(status, context.cmd("propose")))
        latest = closed_rounds(session, alliance, limit=1)
        alt = texts.gettext("Energy and trust per region over the last rounds")
        chart = ChartSpot(latest[0].id or 0, alt) if latest else None
        pulse = results_reply(session, alliance, texts, with_chart=False)
        parts.append(HomePart(pulse, context.cmd("pulse"), chart))
        parts.append(_part(context, "flags", "flags", **_flags(context)))
    parts.append(_part(context, "signals", "flags" if adviser else "", **_signals(context)))
    if adviser:
        parts.append(_part(context, "agenda", "agenda", **_agenda(context, utcnow())))
        parts.append(_part(context, "toolkit", "toolkit", **_coverage(context)))
        parts.append(HomePart(needs_reply(context, NEEDS_SHOWN), context.cmd("needs")))
    return HomePage(tuple(parts), texts.language)


def _part(context: Context, section: str, command: str, **values: object) -> HomePart:
    """One section of the `slack_home` template, with the command that shows it whole."""
    markup = context.render("slack_home", section=section, **values)
    return HomePart(Reply.from_markup(markup), context.cmd(command) if command else "")


def _flags(context: Context) -> dict[str, object]:
    """The open flags this reader may see: a partner's unshared follow-up flag only for the
    coordinators and that partner's own advisers."""
    reader = context.person
    flags = open_flags(context.session, context.alliance, FLAGS_SHOWN, reader=reader)
    total = len(flags)
    if total == FLAGS_SHOWN:
        total = count_open_flags(context.session, context.alliance, reader=reader)
    return {
        "flags": [(f, explanation(f, context.texts.language)) for f in flags],
        "private": {f.id for f in flags if is_private(f)},
        "more": total - len(flags),
    }


def _signals(context: Context) -> dict[str, object]:
    signals = open_signals(context.session, context.alliance, SIGNALS_SHOWN)
    total = len(signals)
    if total == SIGNALS_SHOWN:
        total = count_open_signals(context.session, context.alliance)
    zone = ZoneInfo(timezone_of(context.person, context.alliance))
    return {
        "signals": [(s, s.created_at.astimezone(zone).date()) for s in signals],
        "more": total - len(signals),
    }


def _agenda(context: Context, now: datetime) -> dict[str, object]:
    """The coming moments of the adviser's own partner (or all partners), with plans."""
    session = context.session
    partners = _partner_names(context)
    own = context.person.partner_id
    ids = [own] if own in partners else list(partners)
    items: Sequence[AgendaItem] = upcoming(session, ids, now, AGENDA_DAYS, limit=AGENDA_ITEMS)
    total = len(items)
    if total == AGENDA_ITEMS:
        total = count_upcoming(session, ids, now, AGENDA_DAYS)
    planned = planned_counts(session, [i.id or 0 for i in items])
    zone = ZoneInfo(timezone_of(context.person, context.alliance))
    return {
        "agenda": [
            (
                item,
                item.starts_at.astimezone(zone).date(),
                partners.get(item.partner_id, ""),
                planned.get(item.id or 0, (0, None))[0],
            )
            for item in items
        ],
        "more": total - len(items),
        "labels": {k: context.texts.gettext(v) for k, v in AGENDA_LABELS.items()},
    }


def _coverage(context: Context) -> dict[str, object]:
    """The partners that got most snippets, and the others summed up in one line."""
    since = utcnow() - timedelta(days=COVERAGE_DAYS)
    rows = sorted(coverage(context.session, context.alliance, since), key=lambda c: -c.sent)
    shown, rest = rows[:COVERAGE_SHOWN], rows[COVERAGE_SHOWN:]
    return {
        "coverage": shown,
        "rest": len(rest),
        "rest_sent": sum(c.sent for c in rest),
        "rest_used": sum(c.used for c in rest),
    }


def _partner_names(context: Context) -> dict[int, str]:
    return {
        p.id or 0: p.name
        for p in context.session.exec(
            select(Partner).where(Partner.alliance_id == context.alliance.id, col(Partner.active))
        )
    }
