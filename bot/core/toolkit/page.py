"""A partner's personal toolkit page, reached by a secret link (`GET /toolkit/{token}`).

Why a link and not a login: partner contacts are busy people without an account in the bot,
and what the page shows (the shared house, ready-made texts) is meant to be passed on anyway.
The link is the whole credential, so it is long and unguessable, and only its SHA-256 is
stored: a leaked database does not open anyone's page (CONTRACT.md: no secret stored in clear
text). With `ALLIANCEBOT_SECRET_KEY` set, the token is derived from that key and a random
nonce kept next to the fingerprint, so the server can show a partner's current link again
(an adviser who lost it should not have to break the link colleagues already use); without
the key it is random and can only be replaced.
Issuing a new token replaces the old hash, which is how a link is revoked. Because the lookup
compares hashes in the database, timing tells an attacker nothing about a valid token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.core.kernel import LANGUAGES, Alliance, LinkKey, Partner, Texts, normalise_language
from bot.core.toolkit.personalise import current_house, partner_notes, personalised
from bot.core.toolkit.snippets import AGENDA_LABELS, KIND_LABELS, KIND_MAX_LENGTH, Snippet

log = logging.getLogger(__name__)

TOKEN_BYTES = 24  # 192 bits: unguessable, and still a URL that fits in a chat message
LINK_PURPOSE = "toolkit"  # what a derived token is for, so one key serves other links too
_MAX_TOKEN_LENGTH = 200  # a longer "token" is not worth hashing


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, partner: Partner, key: LinkKey | None = None) -> str:
    """A new secret link token for `partner`; any earlier one stops working at once."""
    nonce = secrets.token_urlsafe(16) if key is not None else None
    token = key.derive(LINK_PURPOSE, nonce) if key and nonce else secrets.token_urlsafe(TOKEN_BYTES)
    partner.toolkit_token = _hash(token)
    partner.toolkit_link_nonce = nonce
    session.add(partner)
    session.flush()
    return token


def current_token(partner: Partner, key: LinkKey | None) -> str | None:
    """The partner's working link token, derived again; None when it cannot be (no key, a
    link made without one, or a key changed since: then the fingerprint does not match)."""
    if key is None or not partner.toolkit_link_nonce or partner.toolkit_token is None:
        return None
    token = key.derive(LINK_PURPOSE, partner.toolkit_link_nonce)
    return token if hmac.compare_digest(_hash(token), partner.toolkit_token) else None


def revoke_token(session: Session, partner: Partner) -> None:
    """The partner's link stops working; a new one can be issued later."""
    partner.toolkit_token = None
    partner.toolkit_link_nonce = None
    session.add(partner)
    session.flush()


def partner_by_token(session: Session, token: str) -> Partner | None:
    """The active partner whose link this is, or None (unknown, revoked or archived alike)."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    partner = session.exec(select(Partner).where(Partner.toolkit_token == _hash(token))).first()
    return partner if partner is not None and partner.active else None


@dataclass(frozen=True)
class SnippetBlock:
    """One personalised snippet as the page shows it."""

    key: str
    title: str
    text: str
    max_length: int
    moments: str  # the agenda types it is timed to, translated and joined
    lead_days: int


def snippet_blocks(
    session: Session, alliance: Alliance, partner: Partner, language: str
) -> list[tuple[str, list[SnippetBlock]]]:
    """The partner's snippets grouped by kind (label, blocks), in a fixed order of kinds;
    a snippet that cannot be rendered is left out (see `toolkit.personalised`)."""
    texts = Texts(language)
    groups: dict[str, list[SnippetBlock]] = {}
    for snippet, text in personalised(session, alliance, partner, language):
        groups.setdefault(snippet.kind, []).append(_block(snippet, text, texts, language))
    order = [*KIND_MAX_LENGTH, *sorted(set(groups) - set(KIND_MAX_LENGTH))]
    return [
        (texts.gettext(KIND_LABELS.get(kind, kind)), groups[kind])
        for kind in order
        if kind in groups
    ]


def _block(snippet: Snippet, text: str, texts: Texts, language: str) -> SnippetBlock:
    moments = ", ".join(texts.gettext(AGENDA_LABELS.get(k, k)) for k in snippet.agenda_kinds)
    return SnippetBlock(
        key=snippet.key,
        title=snippet.title(language),
        text=text,
        max_length=snippet.max_length,
        moments=moments,
        lead_days=snippet.lead_days,
    )


def render_toolkit_page(session: Session, partner: Partner, language: str) -> str:
    """The whole page for `partner`: the current house with its own notes, then its texts."""
    alliance = session.get(Alliance, partner.alliance_id)
    assert alliance is not None, "a partner always belongs to an alliance"
    language = normalise_language(language, alliance.language)
    house = current_house(session, alliance)
    return Texts(language).render(
        "toolkit_page.html",
        found=True,
        alliance=alliance,
        partner=partner,
        house=house,
        notes=partner_notes(session, partner),
        groups=snippet_blocks(session, alliance, partner, language),
        languages=LANGUAGES,
    )


def render_not_found_page(language: str | None) -> str:
    """The same friendly page for an unknown and a revoked link: which one is nobody's
    business but the adviser's."""
    return Texts(language).render("toolkit_page.html", found=False, languages=LANGUAGES)


def toolkit_page_for_token(session: Session, token: str, language: str | None) -> tuple[int, str]:
    """(status, html) for a request to `/toolkit/{token}?lang=…`; the web adapter's whole job
    is to turn this into a response. Without `lang`, the alliance's own language."""
    partner = partner_by_token(session, token)
    asked = language.lower() if language and language.lower() in LANGUAGES else None
    if partner is None:
        return 404, render_not_found_page(asked)
    alliance = session.get(Alliance, partner.alliance_id)
    fallback = alliance.language if alliance is not None else None
    return 200, render_toolkit_page(session, partner, asked or normalise_language(fallback))
