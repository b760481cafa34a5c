"""A snippet as one partner will paste it: in its voice, within its length, in its language.

Positioning, enforced after rendering so that no template can get it wrong:
**monolithic** — the alliance speaks in its own name; **branded** — the alliance's name never
appears (it is replaced by a neutral phrase, also inside the roof); **endorsed** — the partner
speaks and names its membership (the line is added when the text does not name the alliance).
Every text fits its maximum length, shortened at a sentence or word boundary with "…".
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from bot.core.house import HouseContent, PartnerNote, current_version, version_content
from bot.core.kernel import Alliance, Partner, UserTemplateError, normalise_language
from bot.core.kernel import render_user_template as _sandbox_render
from bot.core.toolkit.snippets import (
    ELLIPSIS,
    MEMBERSHIP,
    NEUTRAL_NAME,
    POSITIONINGS,
    Snippet,
    ToolkitError,
    library,
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
    )


def personalise_with(
    snippet: Snippet,
    *,
    alliance: Alliance,
    partner: Partner,
    language: str,
    house: HouseContent,
    notes: dict[str, str],
) -> str:
    """`personalise` with the house and notes already read: a page of twenty snippets
    reads them once."""
    language = normalise_language(language)
    if not fits_house(snippet, house):
        raise ToolkitError(
            f"snippet {snippet.key!r} is about pillar {snippet.pillar}, "
            f"but the house has {len(house.pillars)} pillar(s)"
        )
    positioning = alliance.positioning if alliance.positioning in POSITIONINGS else "endorsed"
    context = _context(snippet, alliance, partner, language, positioning, house, notes)
    try:
        rendered = html.unescape(_sandbox_render(snippet.body(language), **context))
    except UserTemplateError as error:
        raise ToolkitError(f"snippet {snippet.key!r}: {error}") from error
    text = _tidy(rendered)
    if positioning == "branded":
        text = hide_name(text, alliance.name, NEUTRAL_NAME[language])
    fitted = shorten(text, snippet.max_length)
    if positioning == "endorsed" and alliance.name.casefold() not in fitted.casefold():
        line = context["membership"]
        room = snippet.max_length - len(line) - 2
        fitted = (
            f"{shorten(text, room)}\n\n{line}" if room > 0 else shorten(line, snippet.max_length)
        )
    return fitted


def _context(
    snippet: Snippet,
    alliance: Alliance,
    partner: Partner,
    language: str,
    positioning: str,
    house: HouseContent,
    notes: dict[str, str],
) -> dict[str, Any]:
    """Plain values only: the sandbox never sees a database row or a method."""
    name = alliance.name
    neutral = NEUTRAL_NAME[language]

    def shown(text: str) -> str:  # branded: hide the name before rendering, too
        return hide_name(text, name, neutral) if positioning == "branded" else text

    pillars = [
        {
            "number": i,
            "title": shown(p.title),
            "message": shown(p.message),
            "proof": [shown(proof) for proof in p.proof],
        }
        for i, p in enumerate(house.pillars, 1)
    ]
    own = snippet.pillar is not None and fits_house(snippet, house)
    pillar = pillars[snippet.pillar - 1] if own and snippet.pillar else None
    # notes are keyed by the pillar's real title
    note = notes.get(house.pillars[snippet.pillar - 1].title, "") if own and snippet.pillar else ""
    membership = MEMBERSHIP[language].format(partner=partner.name, alliance=name)
    return {
        "alliance": {
            "name": neutral if positioning == "branded" else name,
            "ambition": shown(alliance.ambition),
        },
        "partner": {
            "name": partner.name,
            "constituency": partner.constituency,
            # a long note must not crowd out the rest of the text
            "note": shorten(shown(note), max(80, snippet.max_length // 3)),
        },
        "house": {"roof": shown(house.roof), "pillars": pillars},
        "pillar": pillar,
        "speaker": name if positioning == "monolithic" else partner.name,
        "membership": membership if positioning == "endorsed" else "",
        "positioning": positioning,
        "language": language,
    }


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
) -> str | None:
    """`personalise_with`, or None (logged) for a snippet that cannot be rendered — an
    adviser's template with a mistake, a pillar the house no longer has: the partner cannot
    fix it, and every other text is still useful, so callers leave it out."""
    if not fits_house(snippet, house):
        return None
    try:
        return personalise_with(
            snippet, alliance=alliance, partner=partner, language=language, house=house, notes=notes
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
    texts = (
        (
            s,
            usable_text(
                s, alliance=alliance, partner=partner, language=language, house=house, notes=notes
            ),
        )
        for s in library(session, alliance)
    )
    return [(snippet, text) for snippet, text in texts if text is not None]
