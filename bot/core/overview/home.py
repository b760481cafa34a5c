"""Where the alliance stands, at a glance: the content of a person's home page.

An adviser opens the bot's home (Slack's App Home tab) to see the house and who has not
endorsed it yet, an open proposal, the latest pulse with its trend chart, open flags and
signals, the coming agenda moments with the snippets planned for them, and what partners
did with the snippets sent to them. Others see the house and the signals. The content is
neutral (`Reply`s); where the chart goes is marked, because a platform that shows images
by address (Slack) needs an address only the adapter can make.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.core.agenda import AgendaItem, upcoming
from bot.core.attention import explanation, open_flags, open_signals
from bot.core.house import house_markup, open_proposal, proposal_status, status_reply
from bot.core.kernel import ADVISER, Alliance, Context, Partner, Reply, utcnow
from bot.core.outbox import Delivery, DeliveryKind, DeliveryStatus
from bot.core.pulse import closed_rounds, results_reply
from bot.core.toolkit import AGENDA_LABELS, coverage

AGENDA_DAYS = 21
AGENDA_ITEMS = 10
COVERAGE_DAYS = 90


@dataclass(frozen=True)
class ChartSpot:
    """The pulse trend chart belongs here: the latest closed round's, with its alt text."""

    round_id: int
    alt: str


@dataclass(frozen=True)
class HomePage:
    top: tuple[Reply, ...]  # the house, an open proposal, the latest pulse
    chart: ChartSpot | None
    rest: Reply  # signals, flags, agenda, toolkit coverage


def home_page(context: Context) -> HomePage:
    session, alliance, person, texts = (
        context.session,
        context.alliance,
        context.person,
        context.texts,
    )
    adviser = ADVISER in person.role_set
    top = [Reply.from_markup(house_markup(session, alliance, texts))]
    chart = None
    if adviser:
        proposal = open_proposal(session, alliance.id or 0)
        if proposal is not None:
            top.append(status_reply(context, proposal_status(session, alliance, proposal)))
        top.append(results_reply(session, alliance, texts, with_chart=False))
        latest = closed_rounds(session, alliance, limit=1)
        if latest:
            alt = texts.gettext("Energy and trust per region over the last rounds")
            chart = ChartSpot(latest[0].id or 0, alt)
    since = utcnow() - timedelta(days=COVERAGE_DAYS)
    markup = texts.render(
        "slack_home",
        signals=open_signals(session, alliance),
        flags=[(f, explanation(f, texts.language)) for f in open_flags(session, alliance)]
        if adviser
        else [],
        adviser=adviser,
        agenda=_agenda(context, utcnow()) if adviser else [],
        labels={k: texts.gettext(v) for k, v in AGENDA_LABELS.items()},
        coverage=coverage(session, alliance, since) if adviser else [],
    )
    return HomePage(tuple(top), chart, Reply.from_markup(markup))


def _agenda(context: Context, now: datetime) -> Sequence[tuple[AgendaItem, str, int]]:
    """The coming moments of the adviser's own partner (or all partners), with plans."""
    session, alliance, person = context.session, context.alliance, context.person
    partners = _partner_names(context, alliance)
    ids = [person.partner_id] if person.partner_id in partners else list(partners)
    items = upcoming(session, [i for i in ids if i is not None], now, AGENDA_DAYS)
    planned: dict[int, int] = {}
    for item_id in session.exec(
        select(Delivery.agenda_item_id).where(
            Delivery.alliance_id == alliance.id,
            Delivery.kind == DeliveryKind.SNIPPET,
            col(Delivery.status).in_((DeliveryStatus.PENDING, DeliveryStatus.SENT)),
        )
    ):
        if item_id is not None:
            planned[item_id] = planned.get(item_id, 0) + 1
    return [
        (item, partners.get(item.partner_id, ""), planned.get(item.id or 0, 0))
        for item in items[:AGENDA_ITEMS]
    ]


def _partner_names(context: Context, alliance: Alliance) -> dict[int | None, str]:
    return {
        p.id: p.name
        for p in context.session.exec(
            select(Partner).where(Partner.alliance_id == alliance.id, col(Partner.active))
        )
    }
