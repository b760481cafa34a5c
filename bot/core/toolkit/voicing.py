"""Whose voice a snippet speaks in, and what it may name: the partner's own goal and its
constituency's needs (only what the partner shared), the spokesperson who is quoted, and
under *branded* the task in front instead of the alliance.

Why after rendering too: an adviser's own snippet may still say "[naam, functie]" or leave
the task out; the rules hold for every snippet, shipped or written, in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.core.kernel import Alliance, Partner
from bot.core.needs import shared_answers
from bot.core.voice import Spokesperson, organisation_names, spokespeople, who_speaks, whom_to_ask

# Branded without a task: the shared task in words, never "the cooperation" in front.
NEUTRAL_TASK = {"nl": "de gezamenlijke opgave", "en": "the shared task"}
TASK_LINE = {
    "nl": "{partner} werkt mee aan {task}.",
    "en": "{partner} contributes to {task}.",
}
SOMEONE = {"nl": "een woordvoerder", "en": "a spokesperson"}
OF = {"nl": "{person} van {organisation}", "en": "{person} of {organisation}"}
ASK = {
    "nl": "(Wie dit zegt, staat nog niet in de woordvoering: vraag het {whom}.)",
    "en": "(Who says this is not yet in the spokespeople register: ask {whom}.)",
}
ASK_NOBODY = {"nl": "de alliantieadviseur", "en": "the alliance's coordinator"}
# "[naam, functie]", "[name, role]", "[woordvoerder]": a person left for the reader to fill in
PLACEHOLDER = re.compile(
    r"\[\s*(?:naam|name|functie|function|rol|role|woordvoerder|spokesperson)\b[^\[\]\n]{0,40}\]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Extras:
    """What a snippet knows beyond the alliance, partner and house: the partner's shared
    profile answers, the spokespeople register and whom to ask when it names nobody."""

    profile: Mapping[str, str] = field(default_factory=dict)
    register: Sequence[Spokesperson] = ()
    organisations: Mapping[int | None, str] = field(default_factory=dict)
    ask: str = ""


NO_EXTRAS = Extras()


def extras_of(
    session: Session, alliance: Alliance, partner_ids: Sequence[int]
) -> dict[int, Extras]:
    """Every partner's `Extras`, in a fixed number of queries (planning reads them all)."""
    profiles = shared_answers(session, partner_ids)
    register = tuple(spokespeople(session, alliance))
    organisations = organisation_names(session, alliance)
    ask = whom_to_ask(session, alliance)
    return {pid: Extras(profiles.get(pid, {}), register, organisations, ask) for pid in partner_ids}


def front(alliance: Alliance, language: str) -> str:
    """What a branded snippet puts where the alliance's name would be: the task."""
    return alliance.task.strip() or NEUTRAL_TASK[language]


@dataclass(frozen=True)
class Quoted:
    """Who a quote is by: the person alone ("Jan de Wit, directeur", for a placeholder in
    an adviser's text), with the organisation ("…, directeur van X"), and the line saying
    whom to ask when the register names nobody ("" when it does)."""

    person: str
    by: str
    ask: str


def quote_by(
    extras: Extras, partner: Partner, alliance_speaks: bool, pillar: int | None, language: str
) -> Quoted:
    owner = None if alliance_speaks else partner.id
    organisation = extras.organisations.get(owner) or partner.name
    speaker = who_speaks(extras.register, owner, pillar, organisation)
    if speaker is None:
        whom = extras.ask or ASK_NOBODY[language]
        person, ask = SOMEONE[language], ASK[language].format(whom=whom)
    else:
        person = f"{speaker.name}, {speaker.function}" if speaker.function else speaker.name
        ask = ""
    return Quoted(person, OF[language].format(person=person, organisation=organisation), ask)


def fill_placeholders(text: str, by: str) -> str:
    """A placeholder for a person replaced by who is quoted: nothing to fill in by hand."""
    return PLACEHOLDER.sub(by, text)


def missing_from(text: str, *wanted: str) -> bool:
    return any(word.strip() and word.casefold() not in text.casefold() for word in wanted)
