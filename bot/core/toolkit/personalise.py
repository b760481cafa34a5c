"""A snippet as one partner will paste it: in its voice, within its length, in its language.

Positioning, enforced after rendering so that no template can get it wrong:
**monolithic** — the alliance speaks in its own name (but a partner's own board memo is
voiced by the partner); **branded** — the task is in front: the alliance's name never
appears (it is replaced by the task, also inside the roof) and the text names the task and
the partner (a line is added when it does not); **endorsed** — the partner speaks and names
its membership (the line is added when the text does not name the alliance).
A quote names who says it (`bot.core.voice`), never a placeholder.
Every text fits its maximum length, shortened at a sentence or word boundary with "…".
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session, col, select

from bot.core.house import HouseContent, PartnerNote, current_version, version_content
from bot.core.kernel import Alliance, Partner, UserTemplateError, normalise_language
from bot.core.kernel import render_user_template as _sandbox_render
from bot.core.toolkit.snippets import (
    ELLIPSIS,
    MEMBERSHIP,
    POSITIONINGS,
    Snippet,
    ToolkitError,
    library,
)
from bot.core.toolkit.voicing import (
    NO_EXTRAS,
    TASK_LINE,
    Extras,
    extras_of,
    fill_placeholders,
    front,
    missing_from,
    quote_by,
)

log = logging.getLogger(__name__)


def current_house(session: Session, alliance: Alliance) -> HouseContent:
    """The adopted house, or an empty one: a snippet must still render before the first."""
    version = current_version(session, alliance.id or 0)
    return version_content(session, version) if version else HouseContent("", ())


def partner_notes(session: Session, partner: Partner) -> dict[str, str]:
    """The partner's notes by pillar title (notes follow a pillar by its name)."""
    return {
        n.pillar_title: n.text
        for n in session.exec(select(PartnerNote).where(PartnerNote.partner_id == partner.id))
    }


def notes_of_partners(session: Session, partner_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """`partner_notes` of many partners in one query (planning reads every partner's)."""
    wanted = sorted(set(partner_ids))
    notes: dict[int, dict[str, str]] = {pid: {} for pid in wanted}
    if wanted:
        for note in session.exec(
            select(PartnerNote).where(col(PartnerNote.partner_id).in_(wanted))
        ):
            notes[note.partner_id][note.pillar_title] = note.text
    return notes


def fits_house(snippet: Snippet, house: HouseContent) -> bool:
    """False for a snippet about a pillar the current house does not have (any more)."""
    return snippet.pillar is None or snippet.pillar <= len(house.pillars)


def personalise(
    snippet: Snippet, *, session: Session, alliance: Alliance, partner: Partner, language: str
) -> str:
    """The snippet as `partner` will paste it: plain text, in its voice, within its length.

    Raises `ToolkitError` (never anything else from the template) when the snippet cannot
    be rendered, for example an adviser's template that reaches for Python internals."""
    return personalise_with(
        snippet,
        alliance=alliance,
        partner=partner,
        language=language,
        house=current_house(session, alliance),
        notes=partner_notes(session, partner),
        extras=extras_of(session, alliance, [partner.id or 0])[partner.id or 0],
    )


def personalise_with(
    snippet: Snippet,
    *,
    alliance: Alliance,
    partner: Partner,
    language: str,
    house: HouseContent,
    notes: dict[str, str],
    extras: Extras = NO_EXTRAS,
) -> str:
    """`personalise` with the house, notes and extras already read: a page of twenty
    snippets reads them once."""
    language = normalise_language(language)
    if not fits_house(snippet, house):
        raise ToolkitError(
            f"snippet {snippet.key!r} is about pillar {snippet.pillar}, "
            f"but the house has {len(house.pillars)} pillar(s)"
        )
    positioning = alliance.positioning if alliance.positioning in POSITIONINGS else "endorsed"
    context = _context(snippet, alliance, partner, language, positioning, house, notes, extras)
    try:
        rendered = html.unescape(_sandbox_render(snippet.body(language), **context))
    except UserTemplateError as error:
        raise ToolkitError(f"snippet {snippet.key!r}: {error}") from error
    text = fill_placeholders(_tidy(rendered), context["quote_person"])
    if positioning == "branded":
        text = hide_name(text, alliance.name, context["task"])
    lines = []
    quoting = context["quote_by"] in text or context["quote_person"] in text
    if context["ask"] and quoting and context["ask"] not in text:
        lines.append(context["ask"])  # nobody registered: say whom to ask, never cut it off
    fitted = _with_lines(text, lines, snippet.max_length)
    if positioning == "endorsed" and alliance.name.casefold() not in fitted.casefold():
        lines.insert(0, context["membership"])
    elif positioning == "branded" and missing_from(fitted, partner.name, context["task"]):
        lines.insert(0, TASK_LINE[language].format(partner=partner.name, task=context["task"]))
    return _with_lines(text, lines, snippet.max_length)


def _with_lines(text: str, lines: list[str], limit: int) -> str:
    """`text` within `limit`, shortened to leave room for `lines`, which follow it whole."""
    if not lines:
        return shorten(text, limit)
    tail = "\n\n".join(lines)
    room = limit - len(tail) - 2
    return f"{shorten(text, room)}\n\n{tail}" if room > 0 else shorten(tail, limit)


def _context(
    snippet: Snippet,
    alliance: Alliance,
    partner: Partner,
    language: str,
    positioning: str,
    house: HouseContent,
    notes: dict[str, str],
    extras: Extras,
) -> dict[str, Any]:
    """Plain values only: the sandbox never sees a database row or a method."""
    name = alliance.name
    task = front(alliance, language)

    def shown(text: str) -> str:  # branded: the task instead of the name, before rendering too
        return hide_name(text, name, task) if positioning == "branded" else text

    pillars = _pillars(house, shown)
    own = snippet.pillar is not None and fits_house(snippet, house)
    pillar = pillars[snippet.pillar - 1] if own and snippet.pillar else None
    # notes are keyed by the pillar's real title
    note = notes.get(house.pillars[snippet.pillar - 1].title, "") if own and snippet.pillar else ""
    membership = MEMBERSHIP[language].format(partner=partner.name, alliance=name)
    # a partner's own board memo is the partner's word to its board, whatever the positioning
    alliance_speaks = positioning == "monolithic" and snippet.kind != "board_memo"
    quoted = quote_by(extras, partner, alliance_speaks, snippet.pillar, language)
    room = max(80, snippet.max_length // 4)
    return {
        "alliance": {
            "name": task if positioning == "branded" else name,
            "ambition": shown(alliance.ambition),
        },
        "partner": {
            "name": partner.name,
            "constituency": partner.constituency,
            # a long note must not crowd out the rest of the text
            "note": shorten(shown(note), max(80, snippet.max_length // 3)),
            # only what the partner shared in its intake (`bot.core.needs`)
            "own_goal": shorten(shown(extras.profile.get("own_goal", "")), room),
            "constituency_needs": shorten(
                shown(extras.profile.get("constituency_needs", "")), room
            ),
        },
        "house": {"roof": shown(house.roof), "pillars": pillars},
        "pillar": pillar,
        "speaker": name if alliance_speaks else partner.name,
        "alliance_speaks": alliance_speaks,
        "membership": membership if positioning == "endorsed" else "",
        "task": task if positioning == "branded" else alliance.task.strip(),
        "quote_by": quoted.by,
        "quote_person": quoted.person,
        "ask": quoted.ask,
        "positioning": positioning,
        "language": language,
    }


def _pillars(house: HouseContent, shown: Callable[[str], str]) -> list[dict[str, Any]]:
    return [
        {
            "number": i,
            "title": shown(p.title),
            "message": shown(p.message),
            "proof": [shown(proof) for proof in p.proof],
        }
        for i, p in enumerate(house.pillars, 1)
    ]


def _tidy(text: str) -> str:
    """Template whitespace away: no trailing spaces, at most one blank line in a row."""
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def hide_name(text: str, name: str, neutral: str) -> str:
    """`text` with every mention of `name` replaced by `neutral` (capitalised at the start
    of a sentence), for the branded positioning where the alliance stays behind the scenes."""
    if not name.strip():
        return text

    def replace(match: re.Match[str]) -> str:
        before = text[: match.start()].rstrip(" \t\"'“‘(")
        starts_sentence = not before or before[-1] in ".!?:\n"
        return neutral[:1].upper() + neutral[1:] if starts_sentence else neutral

    return re.sub(re.escape(name.strip()), replace, text, flags=re.IGNORECASE)


def shorten(text: str, limit: int) -> str:
    """`text` within `limit` characters: whole sentences when that keeps at least half,
    else whole words, with "…" to show that something was left out. Only a single word
    longer than the limit is ever cut inside."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    room = text[: limit - len(ELLIPSIS) - 1]
    sentence_ends = [m.end() for m in re.finditer(r"[.!?…](?=\s)|\n", room + " ")]
    sentence_ends = [end for end in sentence_ends if end <= len(room)]
    if sentence_ends and sentence_ends[-1] >= limit // 2:
        return f"{room[: sentence_ends[-1]].rstrip()} {ELLIPSIS}"
    cut = text[: limit - len(ELLIPSIS) + 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    kept = cut[:space] if space > 0 else text[: limit - len(ELLIPSIS)]
    return kept.rstrip(" ,;:-–—\n") + ELLIPSIS


def usable_text(
    snippet: Snippet,
    *,
    alliance: Alliance,
    partner: Partner,
    language: str,
    house: HouseContent,
    notes: dict[str, str],
    extras: Extras = NO_EXTRAS,
) -> str | None:
    """`personalise_with`, or None (logged) for a snippet that cannot be rendered — an
    adviser's template with a mistake, a pillar the house no longer has: the partner cannot
    fix it, and every other text is still useful, so callers leave it out."""
    if not fits_house(snippet, house):
        return None
    try:
        return personalise_with(
            snippet,
            alliance=alliance,
            partner=partner,
            language=language,
            house=house,
            notes=notes,
            extras=extras,
        )
    except ToolkitError as error:
        log.warning("snippet for %s left out: %s", partner.key, error)
        return None


def personalised(
    session: Session, alliance: Alliance, partner: Partner, language: str
) -> list[tuple[Snippet, str]]:
    """Every usable snippet of the library as `partner` gets it, in library order."""
    house = current_house(session, alliance)
    notes = partner_notes(session, partner)
    extras = extras_of(session, alliance, [partner.id or 0])[partner.id or 0]
    texts = (
        (
            s,
            usable_text(
                s,
                alliance=alliance,
                partner=partner,
                language=language,
                house=house,
                notes=notes,
                extras=extras,
            ),
        )
        for s in library(session, alliance)
    )
    return [(snippet, text) for snippet, text in texts if text is not None]
