"""An outbox delivery as an e-mail: the same neutral reply the chats get, with its buttons
turned into signed links, the footer every e-mail needs (why you get it, where to choose
another channel, how to unsubscribe), and for a toolkit text its moment as an `.ics` file
and the partner's toolkit page. Built in the worker's database step; the SMTP sender
renders it (`bot.render.email`) and sends it (`bot.adapters.mail`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlmodel import Session

from bot.core.agenda import AgendaItem
from bot.core.kernel import (
    Alliance,
    Heading,
    Inline,
    LinkKey,
    Paragraph,
    Partner,
    Person,
    Reply,
    SmallPrint,
    Texts,
    language_of,
    plain_text,
    timezone_of,
    utcnow,
)
from bot.core.mail.links import LinkSpec, link_tokens
from bot.core.mail.models import LinkKind
from bot.core.outbox import Delivery
from bot.core.toolkit import current_token, issue_token

MAX_SUBJECT = 120


@dataclass(frozen=True)
class MailLinks:
    """Where links point and what signs them: the adapters hand these over from the
    settings (`PUBLIC_URL`, `ALLIANCEBOT_SECRET_KEY`)."""

    public_url: str
    key: LinkKey | None = None

    def url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/mail/{token}"


@dataclass(frozen=True)
class MailDraft:
    """Everything an e-mail says, in the reader's language, before it is MIME."""

    subject: str
    language: str
    reply: Reply  # the message itself; its buttons are `actions` now
    actions: tuple[tuple[str, str], ...]  # (label, url) of each button
    actions_intro: str
    footer: Reply  # why this e-mail, and the links to change that
    unsubscribe_url: str
    toolkit_url: str | None = None
    calendar: bytes | None = None  # the agenda moment, as iCalendar
    calendar_name: str = "moment.ics"


def draft_mail(
    session: Session,
    delivery: Delivery,
    person: Person,
    reply: Reply,
    links: MailLinks,
    now: datetime | None = None,
) -> MailDraft:
    """The e-mail for one delivery to `person` (its links made, or found, in `session`)."""
    alliance = session.get(Alliance, person.alliance_id)
    assert alliance is not None, "a person always belongs to an alliance"
    texts = Texts(language_of(person, alliance), timezone_of(person, alliance))
    specs = [
        LinkSpec(f"button:{n}", LinkKind.PRESS, b.action, b.label)
        for n, b in enumerate(reply.buttons)
    ]
    specs += [LinkSpec("unsubscribe", LinkKind.UNSUBSCRIBE), LinkSpec("channel", LinkKind.CHANNEL)]
    tokens = link_tokens(session, person, delivery.id or 0, specs, links.key, now)
    url = {slot: links.url(token) for slot, token in tokens.items()}
    actions = tuple((b.label, url[f"button:{n}"]) for n, b in enumerate(reply.buttons))
    unsubscribe_url = url["unsubscribe"]
    item = session.get(AgendaItem, delivery.agenda_item_id) if delivery.agenda_item_id else None
    partner = session.get(Partner, item.partner_id if item else person.partner_id or 0)
    toolkit = _toolkit_url(session, partner, links) if item is not None else None
    footer = texts.render(
        "mail_footer",
        alliance=alliance,
        channel_url=url["channel"],
        unsubscribe_url=unsubscribe_url,
        toolkit_url=toolkit,
    )
    return MailDraft(
        subject=_subject(alliance, reply),
        language=texts.language,
        reply=replace(reply, buttons=()),
        actions=actions,
        actions_intro=texts.gettext("Let me know with one click:"),
        footer=Reply.from_markup(footer),
        unsubscribe_url=unsubscribe_url,
        toolkit_url=toolkit,
        calendar=moment_calendar(item, alliance, partner, now) if item else None,
    )


def _subject(alliance: Alliance, reply: Reply) -> str:
    """The alliance's name and the message's first line: what an inbox list shows."""
    first = next((plain_text(spans) for spans in _lines(reply) if plain_text(spans).strip()), "")
    subject = " ".join(f"{alliance.name}: {first}".split())
    return subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1] + "…"


def _lines(reply: Reply) -> list[Inline]:
    return [b.spans for b in reply.blocks if isinstance(b, Heading | Paragraph | SmallPrint)]


def _toolkit_url(session: Session, partner: Partner | None, links: MailLinks) -> str | None:
    """The partner's toolkit page, when its link can be shown: derived again from the key,
    or made now for a partner that has none yet (a random link is never replaced here:
    colleagues may use it)."""
    if partner is None or links.key is None:
        return None
    token = current_token(partner, links.key)
    if token is None and partner.toolkit_token is None:
        token = issue_token(session, partner, links.key)
    return f"{links.public_url.rstrip('/')}/toolkit/{token}" if token else None


def moment_calendar(
    item: AgendaItem, alliance: Alliance, partner: Partner | None, now: datetime | None = None
) -> bytes:
    """The agenda moment as a one-event iCalendar file (all-day moments as dates)."""
    calendar = Calendar()
    calendar.add("prodid", "-//alliancebot//e-mail//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{item.id}-{item.uid}@alliancebot")
    event.add("dtstamp", (now or utcnow()).astimezone(UTC))
    event.add("summary", item.title or (partner.name if partner else alliance.name))
    start = item.starts_at.astimezone(UTC)
    if item.all_day:
        day = item.starts_at.astimezone(ZoneInfo(alliance.timezone)).date()
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    else:
        event.add("dtstart", start)
        event.add("dtend", (item.ends_at or start + timedelta(hours=1)).astimezone(UTC))
    if partner is not None:
        event.add("description", partner.name)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
