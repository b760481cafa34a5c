"""Back to the table: after a lens check (or when a lens drops in the regular rounds,
by the shared drop rule), the coordinators get the alliance's lens profile
and, for the weakest lens(es), the questions practitioners use to open that conversation
(`messages/pulse/conversation.toml`), with the learning agenda beside it — ready for the
steering group's agenda. A profile, never a scoreboard: the alliance as a whole only.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.kernel import Alliance, Texts, _, coordinators, format_number, language_of
from bot.core.outbox import DeliveryKind, Plan, Subject, plan_many
from bot.core.pulse.lenses import lens_profile
from bot.core.pulse.models import PulseRound
from bot.core.pulse.questions import LENSES, conversation_questions
from bot.core.pulse.results import RoundResult
from bot.core.reflection import learning_items

LENS_NAMES: dict[str, str] = {
    "ambition": _("ambition"),
    "interests": _("interests"),
    "relationship": _("relationship"),
    "organisation": _("organisation"),
    "process": _("process"),
}


def lens_name(texts: Texts, lens: str) -> str:
    return texts.gettext(LENS_NAMES.get(lens, lens))


def lens_labels(texts: Texts) -> dict[str, str]:
    return {lens: lens_name(texts, lens) for lens in LENSES}


def lens_lines(texts: Texts, lenses: dict[str, float]) -> list[tuple[str, float]]:
    """The shown lenses in the reader's words, in the lenses' order."""
    return [(lens_name(texts, lens), lenses[lens]) for lens in LENSES if lens in lenses]


def lens_summary(
    texts: Texts, result: RoundResult, level: str = "alliance", key: str = "alliance"
) -> str:
    """`ambition 3,8, interests 3,1, …` for one shown group ("" where it shows no lens)."""
    group = next((g for g in result.groups if (g.level, g.key) == (level, key)), None)
    if group is None:
        return ""
    return ", ".join(
        f"{name} {format_number(value, texts.language)}"
        for name, value in lens_lines(texts, dict(group.lenses))
    )


def tell_coordinators(
    session: Session,
    alliance: Alliance,
    pulse_round: PulseRound,
    result: RoundResult,
    now: datetime,
    dropped: tuple[str, ...] = (),
) -> int:
    """Plan the lens profile for every coordinator, with the questions for the weakest
    lenses (after a lens check) or for the `dropped` ones (a regular round); returns how
    many were planned."""
    profile = lens_profile(result)
    if profile is None:
        return 0
    focus = dropped or profile.weak
    agenda = [item.text for item in learning_items(session, alliance, closed=False)]
    plans = []
    for person in coordinators(session, alliance.id or 0):
        texts = Texts(language_of(person, alliance))
        known = {lens: v for lens, v in profile.means.items() if v is not None}
        weak = [
            (lens_name(texts, lens), conversation_questions(lens, texts.language)) for lens in focus
        ]
        plans.append(
            Plan(
                dedupe_key=f"lens-profile:{pulse_round.id}:{person.id}",
                kind=DeliveryKind.NOTICE,
                body=texts.render(
                    "lens_profile_notice",
                    lenses=lens_lines(texts, known),
                    weak=weak,
                    dropped=bool(dropped),
                    agenda=agenda,
                ),
                due_at=now,
                person=person,
                subject=Subject(round_id=pulse_round.id),
            )
        )
    return sum(r.outcome == "planned" for r in plan_many(session, alliance, plans))
