"""The shared picture: what each partner brings and needs — only what it shared — and the
matches between one partner's need and another's offer.

Read from `shared_answers` alone, so a field a partner kept to itself cannot show here. A
match is a need and an offer that speak of the same thing: the same kind of help (time,
money, knowledge, a network) or the same words; rough on purpose, it invites a conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from bot.core.kernel import Alliance, Partner
from bot.core.needs.models import ProfileField
from bot.core.needs.profiles import active_partners, latest_profiles, shared_answers

KINDS = {
    "time": {"tijd", "time", "uren", "hours", "capaciteit", "capacity", "menskracht", "mensen"},
    "money": {"geld", "money", "budget", "financiering", "funding", "subsidie", "middelen"},
    "knowledge": {"kennis", "knowledge", "expertise", "advies", "advice", "onderzoek", "data"},
    "network": {"netwerk", "network", "contacten", "contacts", "bereik", "reach", "achterban"},
}
STOPWORDS = frozenset(
    {
        "alle",
        "allemaal",
        "andere",
        "onze",
        "onder",
        "over",
        "deze",
        "door",
        "voor",
        "naar",
        "zijn",
        "hebben",
        "heeft",
        "meer",
        "waar",
        "welke",
        "wordt",
        "worden",
        "kunnen",
        "willen",
        "moet",
        "maar",
        "ook",
        "nog",
        "niet",
        "geen",
        "zoals",
        "tussen",
        "binnen",
        "with",
        "that",
        "this",
        "from",
        "have",
        "more",
        "their",
        "which",
        "what",
        "about",
        "other",
        "into",
        "some",
        "need",
        "needs",
        "bring",
        "brings",
        "would",
        "could",
        "should",
        "them",
        "they",
        "your",
        "ours",
    }
)
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)


@dataclass(frozen=True)
class PartnerNeeds:
    partner: str  # the partner's name
    brings: str
    needs: str


@dataclass(frozen=True)
class Match:
    needer: str
    need: str
    giver: str
    offer: str


def _topics(text: str) -> set[str]:
    """The kinds of help and the (roughly stemmed) words a text speaks of."""
    words = {w.casefold() for w in _WORD.findall(text)} - STOPWORDS
    kinds = {kind for kind, synonyms in KINDS.items() if words & synonyms}
    return kinds | {w[:6] for w in words}


def coalition_needs(session: Session, alliance: Alliance) -> tuple[list[PartnerNeeds], list[str]]:
    """Per partner what it shared about what it brings and needs; and the names of the
    partners that shared neither (no intake yet, or kept to themselves)."""
    partners = active_partners(session, alliance, by_name=True)
    shared = shared_answers(session, [p.id or 0 for p in partners])
    rows, silent = [], []
    for partner in partners:
        answers = shared.get(partner.id or 0, {})
        brings = answers.get(ProfileField.BRINGS, "")
        needs = answers.get(ProfileField.NEEDS, "")
        if brings or needs:
            rows.append(PartnerNeeds(partner.name, brings, needs))
        else:
            silent.append(partner.name)
    return rows, silent


def matches(rows: list[PartnerNeeds]) -> list[Match]:
    """Every need that another partner's offer speaks to."""
    found = []
    for needer in rows:
        wanted = _topics(needer.needs) if needer.needs else set()
        for giver in rows:
            if giver is needer or not giver.brings or not wanted:
                continue
            if wanted & _topics(giver.brings):
                found.append(Match(needer.partner, needer.needs, giver.partner, giver.brings))
    return found


def unanswered_needs(
    session: Session, alliance: Alliance, older_than: datetime
) -> list[tuple[Partner, int]]:
    """Partners whose stated needs no other partner's offer speaks to, with the profile
    version, for a quiet hint to the coordinators (who may read every answer, shared or not).
    Only profiles older than `older_than`: a fresh intake gets time to be answered."""
    partners = {p.id or 0: p for p in active_partners(session, alliance)}
    profiles = latest_profiles(session, partners)
    offers = {pid: _topics(profile.brings) for pid, profile in profiles.items() if profile.brings}
    found = []
    for pid, profile in sorted(profiles.items()):
        wanted = _topics(profile.needs) if profile.needs.strip() else set()
        created = profile.created_at.replace(tzinfo=profile.created_at.tzinfo or UTC)
        if not wanted or created > older_than:
            continue
        if not any(wanted & offer for other, offer in offers.items() if other != pid):
            found.append((partners[pid], profile.version))
    return found
