"""The App Home dashboard, and the pulse chart image it shows.

An adviser opens the bot's Home tab to see, at a glance, where the alliance stands: the
house and who has not endorsed it yet, an open proposal, the latest pulse (with its
trend chart), open flags and signals, the coming agenda moments with the snippets planned
for them, and what partners did with the snippets sent to them.

Slack fetches an image block's picture itself, so the chart needs an address Slack can
reach (`PUBLIC_URL`, https). The address carries an HMAC of the round, so it cannot be
guessed or walked: the chart shows only anonymous aggregates, but it is still the
alliance's own business.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.core.agenda import upcoming
from bot.core.attention import explanation, open_flags, open_signals
from bot.core.dispatch import context_for
from bot.core.house import house_markup, open_proposal, proposal_status, status_reply
from bot.core.kernel import (
    Alliance,
    Command,
    Partner,
    Person,
    Reply,
    Texts,
    language_of,
    utcnow,
)
from bot.core.outbox import Delivery
from bot.core.pulse import (
    closed_rounds,
    render_trend_chart,
    results_reply,
    round_results,
    structure_of,
)
from bot.core.toolkit import AGENDA_LABELS, coverage
from bot.render.slack import render_slack

MAX_HOME_BLOCKS = 100
AGENDA_DAYS = 21
COVERAGE_DAYS = 90


def chart_signature(key: bytes, round_id: int) -> str:
    return hmac.new(key, f"pulse-chart:{round_id}".encode(), hashlib.sha256).hexdigest()[:32]


def chart_png(session: Session, alliance: Alliance) -> bytes:
    rounds = round_results(session, alliance, closed_rounds(session, alliance))
    return render_trend_chart(
        rounds, structure_of(session, alliance), language=alliance.language, title=alliance.name
    )


def _blocks(reply: Reply) -> list[dict[str, Any]]:
    return [b for message in render_slack(reply) for b in message.blocks]


def home_view(
    session: Session, person: Person | None, chart_url: Callable[[int], str | None]
) -> dict[str, Any]:
    if person is None:
        blocks = _blocks(Reply.from_markup(Texts(None).render("slack_unknown")))
        return {"type": "home", "blocks": blocks}
    alliance = session.get(Alliance, person.alliance_id)
    assert alliance is not None
    texts = Texts(language_of(person, alliance))
    adviser = "adviser" in person.role_set
    blocks = _blocks(Reply.from_markup(house_markup(session, alliance, texts)))
    proposal = open_proposal(session, alliance.id or 0)
    if proposal is not None and adviser:
        context = context_for(session, Command(person.id or 0, None, "", "", "slack"))
        assert context is not None
        extra = status_reply(context, proposal_status(session, alliance, proposal))
        blocks += _blocks(extra)
    if adviser:
        blocks += _blocks(results_reply(session, alliance, texts, with_chart=False))
        latest = closed_rounds(session, alliance, limit=1)
        url = chart_url(latest[0].id or 0) if latest else None
        if url is not None:
            alt = texts.gettext("Energy and trust per region over the last rounds")
            blocks.append({"type": "image", "image_url": url, "alt_text": alt})
    markup = texts.render(
        "slack_home",
        signals=open_signals(session, alliance),
        flags=[(f, explanation(f, texts.language)) for f in open_flags(session, alliance)]
        if adviser
        else [],
        adviser=adviser,
        agenda=_agenda(session, alliance, person) if adviser else [],
        labels={k: texts.gettext(v) for k, v in AGENDA_LABELS.items()},
        coverage=coverage(session, alliance, utcnow() - timedelta(days=COVERAGE_DAYS))
        if adviser
        else [],
    )
    blocks += _blocks(Reply.from_markup(markup))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def _agenda(session: Session, alliance: Alliance, person: Person) -> list[tuple[Any, str, int]]:
    """The coming moments of the adviser's own partner (or all partners), with plans."""
    partners = {
        p.id: p.name
        for p in session.exec(
            select(Partner).where(Partner.alliance_id == alliance.id, col(Partner.active))
        )
    }
    ids = [person.partner_id] if person.partner_id in partners else list(partners)
    items = upcoming(session, [i for i in ids if i is not None], utcnow(), AGENDA_DAYS)
    planned: dict[int, int] = {}
    for item_id in session.exec(
        select(Delivery.agenda_item_id).where(
            Delivery.alliance_id == alliance.id,
            Delivery.kind == "snippet",
            col(Delivery.status).in_(("pending", "sent")),
        )
    ):
        if item_id is not None:
            planned[item_id] = planned.get(item_id, 0) + 1
    return [
        (item, partners.get(item.partner_id, ""), planned.get(item.id or 0, 0))
        for item in items[:10]
    ]
