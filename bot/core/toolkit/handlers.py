"""`toolkit` and `agenda` in chat, and the feedback buttons under a delivered snippet.

`toolkit [partner]` shows the snippets as that partner will get them (a partner's own
people see their own; advisers may name any partner). `agenda [partner]` lists the coming
moments and the snippets planned for them; `agenda add <partner> <YYYY-MM-DD> <type>
<title>` adds a moment by hand (a board meeting that is in nobody's calendar), and the
snippets for it are planned at once.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.core.agenda import KIND_WORDS, OTHER, AgendaItem, classify, count_upcoming, upcoming
from bot.core.kernel import Context, Partner, Reply, Role, database_id, timezone_of, utcnow
from bot.core.outbox import Delivery, DeliveryKind
from bot.core.toolkit.feedback import (
    VERDICTS,
    feedback_refusal,
    planned_counts,
    record_feedback,
)
from bot.core.toolkit.plan import plan_snippets
from bot.core.toolkit.snippets import AGENDA_LABELS

AGENDA_SHOWN = 15  # moments in one answer; the rest are counted
AGENDA_DAYS = 42
ADD_WORDS = frozenset({"add", "nieuw", "new", "toevoegen"})
_ADD = re.compile(
    r"^(?P<partner>[a-z0-9][a-z0-9_-]*)\s+(?P<day>\d{4}-\d{2}-\d{2})\s+(?P<kind>[A-Za-z]+)\s+(?P<title>.+)$",
    re.S,
)
KINDS = (*KIND_WORDS, OTHER)
OTHER_WORDS = frozenset({OTHER, "overig"})


def _partner(context: Context, key: str) -> Partner | str | None:
    """The partner asked about: one's own, or (advisers) any by key; a str is an error."""
    person = context.person
    if key:
        if Role.ADVISER not in person.role_set:
            own = context.session.get(Partner, person.partner_id) if person.partner_id else None
            return own if own is not None and own.key == key else "not_allowed"
        found = context.session.exec(
            select(Partner).where(
                Partner.alliance_id == context.alliance.id, Partner.key == key, col(Partner.active)
            )
        ).first()
        return found or "unknown"
    if person.partner_id is None:
        return "no_partner"
    return context.session.get(Partner, person.partner_id)


def _problem(context: Context, problem: str, key: str) -> Reply:
    keys = [
        p.key
        for p in context.session.exec(
            select(Partner)
            .where(Partner.alliance_id == context.alliance.id, col(Partner.active))
            .order_by(col(Partner.key))
        )
    ]
    return context.reply("toolkit_problem", problem=problem, key=key, keys=keys)


def handle_agenda(context: Context) -> Reply:
    first, _space, rest = context.command.args.strip().partition(" ")
    if first.lower() in ADD_WORDS:
        return _add(context, rest.strip())
    partner = _partner(context, first.lower())
    if not isinstance(partner, Partner):
        return _problem(context, partner or "unknown", first)
    now = utcnow()
    ids = [partner.id or 0]
    items = upcoming(context.session, ids, now, AGENDA_DAYS, limit=AGENDA_SHOWN)
    total = len(items)
    if total == AGENDA_SHOWN:
        total = count_upcoming(context.session, ids, now, AGENDA_DAYS)
    planned = planned_counts(context.session, [i.id or 0 for i in items])
    zone = ZoneInfo(timezone_of(context.person, context.alliance))
    return context.reply(
        "agenda",
        partner=partner,
        items=[
            (i, i.starts_at.astimezone(zone).date(), *_planned(planned.get(i.id or 0), zone))
            for i in items
        ],
        more=total - len(items),
        labels={k: context.texts.gettext(v) for k, v in AGENDA_LABELS.items()},
        days=AGENDA_DAYS,
    )


def _planned(found: tuple[int, datetime] | None, zone: ZoneInfo) -> tuple[int, date | None]:
    """How many snippets are planned for a moment and the day the first goes, in `zone`."""
    if found is None:
        return 0, None
    return found[0], found[1].astimezone(zone).date()


def _add(context: Context, text: str) -> Reply:
    if Role.ADVISER not in context.person.role_set:
        return context.reply("agenda_add_adviser_only")
    match = _ADD.match(text)
    if match is None:
        return context.reply("agenda_add_usage", kinds=KINDS)
    word = match.group("kind").lower()
    kind = OTHER if word in OTHER_WORDS else classify(word)
    try:
        day = date.fromisoformat(match.group("day"))
    except ValueError:
        day = None
    partner = _partner(context, match.group("partner"))
    if day is None or (kind == OTHER and word not in OTHER_WORDS):
        return context.reply("agenda_add_usage", kinds=KINDS)
    if not isinstance(partner, Partner):
        return _problem(context, partner or "unknown", match.group("partner"))
    zone = ZoneInfo(context.alliance.timezone)
    starts_at = datetime.combine(day, time(9, 0), tzinfo=zone)
    if starts_at <= utcnow():
        return context.reply("agenda_add_past")
    item = AgendaItem(
        partner_id=partner.id or 0,
        uid=f"manual:{secrets.token_hex(8)}",
        title=match.group("title").strip()[:300],
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        all_day=True,
        source="manual",
    )
    context.session.add(item)
    context.session.flush()
    report = plan_snippets(context.session, context.alliance)
    context.audit("agenda.added", partner=partner.key, kind=kind, day=day.isoformat())
    return context.reply(
        "agenda_added", partner=partner, item=item, day=day, planned=report.planned
    )


def press_feedback(context: Context, delivery_id: str, code: str) -> Reply:
    """A feedback button under a delivered snippet: stale unless that snippet was sent,
    refused for anyone but its recipient and the advisers of its partner."""
    row_id = database_id(delivery_id)
    delivery = context.session.get(Delivery, row_id) if row_id else None
    if (
        delivery is None
        or delivery.kind != DeliveryKind.SNIPPET
        or delivery.alliance_id != context.alliance.id
        or code not in VERDICTS
    ):
        return context.stale()
    refusal = feedback_refusal(context.session, delivery, context.person)
    if refusal == "not_sent":
        return context.stale()
    if refusal is not None:
        return context.refuse("toolkit_feedback_not_yours")
    feedback = record_feedback(context.session, delivery, context.person, VERDICTS[code])
    context.audit("toolkit.feedback", verdict=feedback.verdict, snippet=feedback.snippet_key)
    return context.reply("toolkit_feedback", verdict=feedback.verdict)


# The toolkit's list (`browse`) asks for a partner, and explains a wrong one, the same way.
partner_asked = _partner
partner_problem = _problem
