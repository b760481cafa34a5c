"""Timing toolkit snippets to partner agendas: the right text, days before the moment.

A partner's adviser gets a snippet `lead_days` before an agenda moment it serves (a
newsletter deadline, a board meeting), in the morning of a working day, so there is time
to adapt it. Planning looks at least `HORIZON` ahead and is idempotent: the clock runs it
daily after re-importing calendars, and it converges on what the agendas say now.

Why the dedupe key holds the send day and the moment's start
(``snippet:<agenda item>:<snippet>:<person>:<day>:<start>``, and ``~<positioning>`` unless
endorsed): a moved moment must move its plan (and its text names the moment's date), a
positioning the partners adopt must change the voice of what is still pending, but the
outbox never changes a planned message's key.
So a move plans a new delivery and cancels the pending old one — unless one for the same
moment, snippet and person was already sent, in which case nothing is sent again. Deleted
or cancelled moments cancel their pending snippets the same way. The key is never read
back: a delivery names its moment and snippet in its subject columns (`agenda_item_id`,
`snippet_key`), and those are what the queries ask.

Not a flood: at most `PER_MOMENT` snippets per moment (rotating through those that serve
it, so a monthly deadline does not get the same text every month), and the outbox keeps
each person's weekly cap, quiet hours and mute.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core.agenda import AgendaItem
from bot.core.house import HouseContent
from bot.core.kernel import Alliance, Partner, Person, Role, Texts, language_of, utcnow
from bot.core.outbox import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Plan,
    Subject,
    plan_many,
    reachable_of_partners,
)
from bot.core.toolkit.feedback import feedback_buttons
from bot.core.toolkit.personalise import (
    current_house,
    fits_house,
    notes_of_partners,
    usable_text,
)
from bot.core.toolkit.snippets import Snippet, library
from bot.core.toolkit.voicing import Extras, extras_of

log = logging.getLogger(__name__)

HORIZON = timedelta(weeks=8)  # at least six weeks ahead, as promised; eight to be safe
PER_MOMENT = 2
SEND_AT = time(9, 0)
PREFIX = "snippet:"
RECIPIENT_ROLES = (Role.ADVISER, Role.PARTNER)  # advisers (their material); else contacts
IDS_PER_QUERY = 10_000  # well under SQLite's and PostgreSQL's limits on bound parameters


@dataclass
class PlanReport:
    planned: int = 0
    cancelled: int = 0
    unchanged: int = 0


def send_day(moment: date, lead_days: int) -> date:
    """`lead_days` before the moment, moved back to a Friday when that is a weekend."""
    day = moment - timedelta(days=lead_days)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def working_time(due_at: datetime, moment: date, zone: ZoneInfo) -> datetime:
    """A weekend moment moves on to Monday morning, unless the moment comes first."""
    local = due_at.astimezone(zone)
    if local.weekday() < 5:
        return due_at
    monday = local.date() + timedelta(days=7 - local.weekday())
    if monday >= moment:
        return due_at
    return datetime.combine(monday, SEND_AT, tzinfo=zone)


def snippets_for(
    snippets: list[Snippet], item: AgendaItem, occurrence_number: int
) -> list[Snippet]:
    """Up to `PER_MOMENT` of the snippets serving this kind of moment, rotating per moment."""
    serving = [s for s in snippets if item.kind in s.agenda_kinds]
    if len(serving) <= PER_MOMENT:
        return serving
    start = occurrence_number % len(serving)
    return [serving[(start + i) % len(serving)] for i in range(PER_MOMENT)]


def plan_snippets(session: Session, alliance: Alliance, now: datetime | None = None) -> PlanReport:
    """Converge the pending snippet deliveries on the agendas as they are now.

    In a fixed number of queries however large the alliance: every partner's moments,
    recipients, notes and already-sent snippets are read at once, and the outbox plans
    them all as one batch (a daily job over a year of agendas must not cost a query per
    moment, snippet and person)."""
    now = now or utcnow()
    report = PlanReport()
    house = current_house(session, alliance)
    usable = [s for s in library(session, alliance) if fits_house(s, house)]
    partners = session.exec(
        select(Partner)
        .where(Partner.alliance_id == alliance.id, col(Partner.active))
        .order_by(col(Partner.id))
    ).all()
    ids = [p.id or 0 for p in partners]
    items = _moments(session, ids, now)
    people = reachable_of_partners(session, ids, RECIPIENT_ROLES)
    served = [p for p in partners if items.get(p.id or 0) and people.get(p.id or 0)]
    served_ids = [p.id or 0 for p in served]
    composer = _Composer(
        alliance,
        house,
        notes_of_partners(session, served_ids),
        extras_of(session, alliance, served_ids),
    )
    known = _known(session, [p.id or 0 for p in served], now)
    wanted: set[str] = set()
    plans: list[Plan] = []
    for partner in served:
        for item, snippet, person, key, due_at in _wanted(
            usable,
            items[partner.id or 0],
            people[partner.id or 0],
            now,
            ZoneInfo(alliance.timezone),
            _voice(alliance),
        ):
            wanted.add(key)
            plan = None
            if (
                key not in known.keys
                and (item.id or 0, snippet.key, person.id or 0) not in known.sent
            ):
                plan = composer.plan(partner, person, snippet, item, key, due_at)
            if plan is None:  # planned or sent already, or a text that cannot be rendered
                report.unchanged += 1
            else:
                plans.append(plan)
    # first what no agenda or voice asks for any more, so it holds no place in the weekly cap
    report.cancelled = _cancel_unwanted(session, alliance, wanted)
    _planned(session, alliance, plans, report)
    session.flush()
    return report


def _wanted(
    usable: list[Snippet],
    items: list[AgendaItem],
    people: list[Person],
    now: datetime,
    zone: ZoneInfo,
    voice: str = "",
) -> Iterator[tuple[AgendaItem, Snippet, Person, str, datetime]]:
    """Every (moment, snippet, person) the agenda asks for, with its key and send time."""
    for item in items:
        moment = item.starts_at.astimezone(zone).date()
        start = item.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M")
        for snippet in snippets_for(usable, item, _occurrence_number(item)):
            day = send_day(moment, snippet.lead_days)
            due_at = working_time(
                max(now, datetime.combine(day, SEND_AT, tzinfo=zone)), moment, zone
            )
            for person in people:
                key = f"{PREFIX}{item.id}:{snippet.key}:{person.id}:{day.isoformat()}:{start}"
                yield item, snippet, person, key + voice, due_at


def _voice(alliance: Alliance) -> str:
    """The positioning in the key (none for the default, endorsed): when the partners adopt
    another positioning, the next planning replaces what is still pending in the new voice,
    and never sends again what went out."""
    return "" if alliance.positioning in ("endorsed", "") else f"~{alliance.positioning}"


def _occurrence_number(item: AgendaItem) -> int:
    """A number per moment that stays when the moment moves (its row is kept) and differs
    between a series' occurrences (each has its own row): the same moment keeps the same
    snippets, the next one in a series gets others."""
    return item.id or 0


def _moments(
    session: Session, partner_ids: list[int], now: datetime
) -> dict[int, list[AgendaItem]]:
    """The coming moments within the horizon, per partner, in time order."""
    moments: dict[int, list[AgendaItem]] = defaultdict(list)
    for item in session.exec(
        select(AgendaItem)
        .where(
            col(AgendaItem.partner_id).in_(partner_ids),
            col(AgendaItem.cancelled).is_(False),
            AgendaItem.starts_at > now,
            AgendaItem.starts_at <= now + HORIZON,
        )
        .order_by(col(AgendaItem.starts_at), col(AgendaItem.id))
    ):
        moments[item.partner_id].append(item)
    return moments


@dataclass(frozen=True)
class _Known:
    """Snippet deliveries for the coming moments that exist already."""

    keys: set[str]  # planned before, whatever became of them: nothing to render or plan
    sent: set[tuple[int, str, int]]  # (moment, snippet, person) sent or being sent


def _known(session: Session, partner_ids: list[int], now: datetime) -> _Known:
    """What exists for the coming moments, in one query: a key planned before is not
    rendered again, and a snippet that went out for a moment is never sent again, even
    when the moment moved (its key changed)."""
    coming = select(AgendaItem.id).where(
        col(AgendaItem.partner_id).in_(partner_ids),
        AgendaItem.starts_at > now,
        AgendaItem.starts_at <= now + HORIZON,
    )
    rows = session.execute(  # five columns: more than sqlmodel's `select` types
        sa_select(
            col(Delivery.dedupe_key),
            col(Delivery.status),
            col(Delivery.agenda_item_id),
            col(Delivery.snippet_key),
            col(Delivery.person_id),
        ).where(
            col(Delivery.kind) == DeliveryKind.SNIPPET,
            col(Delivery.agenda_item_id).in_(coming),
        )
    ).all()
    return _Known(
        keys={row[0] for row in rows},
        sent={
            (item or 0, snippet or "", person or 0)
            for _, status, item, snippet, person in rows
            if status in (DeliveryStatus.SENT, DeliveryStatus.SENDING)
        },
    )


class _Composer:
    """Snippet texts, personalised once per partner, snippet and language, and message
    bodies rendered only for what is planned: most of what a daily run looks at is
    planned already or held beyond reach by the weekly cap."""

    def __init__(
        self,
        alliance: Alliance,
        house: HouseContent,
        notes: dict[int, dict[str, str]],
        extras: dict[int, Extras],
    ) -> None:
        self.alliance = alliance
        self.house = house
        self.notes = notes
        self.extras = extras
        self.zone = ZoneInfo(alliance.timezone)
        self._texts: dict[tuple[int, str, str], str | None] = {}
        self._bodies: dict[tuple[int, str, str], str] = {}  # by moment, snippet, language

    def plan(
        self,
        partner: Partner,
        person: Person,
        snippet: Snippet,
        item: AgendaItem,
        key: str,
        due_at: datetime,
    ) -> Plan | None:
        """The plan for one adviser, or None for a snippet that cannot be rendered."""
        language = language_of(person, self.alliance)
        text = self.text(partner, snippet, language)
        if text is None:
            return None

        def body() -> str:  # the same for each of the partner's advisers
            cached = (item.id or 0, snippet.key, language)
            if cached not in self._bodies:
                self._bodies[cached] = Texts(language).render(
                    "toolkit_snippet",
                    partner=partner,
                    title=snippet.title(language),
                    item=item,
                    moment=item.starts_at.astimezone(self.zone).date(),
                    text=text,
                )
            return self._bodies[cached]

        return Plan(
            dedupe_key=key,
            kind=DeliveryKind.SNIPPET,
            body=body,
            due_at=due_at,
            person=person,
            expires_at=item.starts_at,
            subject=Subject(agenda_item_id=item.id, snippet_key=snippet.key),
        )

    def text(self, partner: Partner, snippet: Snippet, language: str) -> str | None:
        """The snippet as this partner pastes it (it does not depend on the moment)."""
        cached = (partner.id or 0, snippet.key, language)
        if cached not in self._texts:
            self._texts[cached] = usable_text(
                snippet,
                alliance=self.alliance,
                partner=partner,
                language=language,
                house=self.house,
                notes=self.notes.get(partner.id or 0, {}),
                extras=self.extras.get(partner.id or 0, Extras()),
            )
        return self._texts[cached]


def _planned(session: Session, alliance: Alliance, plans: list[Plan], report: PlanReport) -> None:
    """Plan the batch; each new delivery gets its feedback buttons (they name its id)."""
    for plan, result in zip(plans, plan_many(session, alliance, plans), strict=True):
        if result.outcome != "planned" or result.delivery is None:
            report.unchanged += 1
            continue
        report.planned += 1
        texts = Texts(language_of(plan.person, alliance))
        result.delivery.buttons = [
            {"label": b.label, "action": b.action, "style": b.style or ""}
            for b in feedback_buttons(texts, result.delivery.id or 0)
        ]


def _cancel_unwanted(session: Session, alliance: Alliance, wanted: set[str]) -> int:
    """Pending snippets no agenda asks for any more: moved, deleted or cancelled moments.
    Only their ids and keys are read; the cancelling is one statement."""
    pending = session.exec(
        select(Delivery.id, Delivery.dedupe_key).where(
            Delivery.alliance_id == alliance.id,
            Delivery.kind == DeliveryKind.SNIPPET,
            Delivery.status == DeliveryStatus.PENDING,
        )
    ).all()
    unwanted = [delivery_id for delivery_id, key in pending if key not in wanted]
    for start in range(0, len(unwanted), IDS_PER_QUERY):
        session.execute(
            update(Delivery)
            .where(col(Delivery.id).in_(unwanted[start : start + IDS_PER_QUERY]))
            .values(status=DeliveryStatus.CANCELLED)
        )
    return len(unwanted)
