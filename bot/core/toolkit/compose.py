"""An adviser composes a toolkit snippet: checked as a whole, stored only when it works.

A snippet an adviser writes is a template (`{{ partner.name }}`, `{{ speaker }}`, the
house's pillars), rendered in the sandbox for every partner later. So the draft is tried
here, for a real partner of the alliance, before it is stored: a typo in a variable or a
text far over its length comes back to the adviser at once, next to the field, instead
of as a silently skipped snippet weeks later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.core.kernel import (
    Alliance,
    AuditEvent,
    Partner,
    Person,
    Role,
    TemplateLimitError,
    Texts,
)
from bot.core.toolkit.models import ToolkitSnippet
from bot.core.toolkit.personalise import current_house, partner_notes, personalise_with
from bot.core.toolkit.snippets import AGENDA_KINDS, KIND_MAX_LENGTH, ToolkitError, snippet_from_row
from bot.core.toolkit.voicing import extras_of

MAX_LEAD_DAYS = 60
MAX_BODY = 5000


class DraftError(ValueError):
    """A draft that cannot be stored; `field` names the input, the message what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Draft:
    title: str
    kind: str
    agenda_kinds: tuple[str, ...]
    lead_days: str  # as typed
    body: str
    language: str
    pillar: int | None = None


def _key(session: Session, alliance: Alliance, title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "snippet"
    key, n = f"own-{base}", 1
    taken = set(
        session.exec(
            select(ToolkitSnippet.key).where(ToolkitSnippet.alliance_id == alliance.id)
        ).all()
    )
    while key in taken:
        n += 1
        key = f"own-{base}-{n}"
    return key


def compose_snippet(
    session: Session, alliance: Alliance, person: Person, draft: Draft, texts: Texts
) -> ToolkitSnippet:
    """Check the draft, try it for a partner, store it; raises `DraftError` otherwise."""
    if Role.ADVISER not in person.role_set:
        raise DraftError("title", texts.gettext("Only advisers compose toolkit snippets."))
    title = draft.title.strip()
    if not title:
        raise DraftError("title", texts.gettext("Give the snippet a title."))
    if draft.kind not in KIND_MAX_LENGTH:
        raise DraftError("kind", texts.gettext("Choose what kind of text this is."))
    kinds = tuple(k for k in draft.agenda_kinds if k in AGENDA_KINDS)
    if not kinds:
        raise DraftError("agenda", texts.gettext("Choose at least one kind of agenda moment."))
    if not draft.lead_days.strip().isdigit() or int(draft.lead_days) > MAX_LEAD_DAYS:
        raise DraftError(
            "lead_days",
            texts.gettext("Give a number of days from 0 to %(max)s.") % {"max": MAX_LEAD_DAYS},
        )
    body = draft.body.strip()
    if not body:
        raise DraftError("body", texts.gettext("Write the text of the snippet."))
    if len(body) > MAX_BODY:
        raise DraftError(
            "body",
            texts.gettext("The text is %(length)s characters; keep it under %(max)s.")
            % {"length": len(body), "max": MAX_BODY},
        )
    house = current_house(session, alliance)
    if draft.pillar is not None and not 1 <= draft.pillar <= len(house.pillars):
        raise DraftError("pillar", texts.gettext("Choose a pillar of the current house."))
    row = ToolkitSnippet(
        alliance_id=alliance.id or 0,
        key=_key(session, alliance, title),
        title=title[:200],
        body=body,
        language=draft.language if draft.language in ("nl", "en") else alliance.language,
        agenda_kinds=",".join(kinds),
        days_before=int(draft.lead_days),
        kind=draft.kind,
        pillar=draft.pillar,
        created_by_id=person.id,
    )
    _try(session, alliance, row, texts)
    session.add(row)
    session.add(
        AuditEvent(
            alliance_id=alliance.id,
            actor=person.key,
            action="toolkit.composed",
            detail={"key": row.key, "kind": row.kind},
        )
    )
    session.flush()
    return row


def _try(session: Session, alliance: Alliance, row: ToolkitSnippet, texts: Texts) -> None:
    """Render the draft for the first partner, the way every partner will get it; a text
    the sandbox refuses as too large or too slow is refused here, before it is stored,
    rather than failing later for every partner in the worker and on the toolkit page."""
    partner = session.exec(
        select(Partner)
        .where(Partner.alliance_id == alliance.id, col(Partner.active))
        .order_by(col(Partner.key))
    ).first()
    if partner is None:
        return
    try:
        personalise_with(
            snippet_from_row(row),
            alliance=alliance,
            partner=partner,
            language=row.language,
            house=current_house(session, alliance),
            notes=partner_notes(session, partner),
            extras=extras_of(session, alliance, [partner.id or 0])[partner.id or 0],
        )
    except ToolkitError as error:
        if isinstance(error.__cause__, TemplateLimitError):
            # too large or too slow for the sandbox: no variable to fix, so say what it is
            raise DraftError(
                "body",
                texts.gettext(
                    "This text cannot be stored: %(problem)s. Keep calculations, repeated"
                    " text and loops small."
                )
                % {"problem": texts.gettext(error.__cause__.reason)},
            ) from error
        raise DraftError(
            "body",
            texts.gettext(
                "The text cannot be filled in: %(problem)s. Use variables such as"
                " {{ partner.name }}, {{ speaker }} or {{ house.roof }}."
            )
            % {"problem": str(error)[:300]},
        ) from error
