"""The intake as a conversation: one question at a time, each skippable, and after each
answer the choice whether the coalition may see it.

Private by default: an answer is shared only when the partner says so, and the last
question (what drives you personally) is never shared at all. A finished intake becomes a
new version of the partner's profile; a skipped question keeps what the partner said before.
"""

from __future__ import annotations

from sqlmodel import Session, select

from bot.core.kernel import Alliance, Partner, Person, _
from bot.core.needs.models import FIELDS, IntakeDraft, PartnerProfile, ProfileField
from bot.core.needs.profiles import MAX_ANSWER, save_profile, set_individual_interest

AWAITING = "intake"  # `Person.awaiting` while the next plain message answers a question
INDIVIDUAL = "individual"  # the person's own interest: never part of the profile
STEPS: tuple[str, ...] = (*(f.value for f in FIELDS), INDIVIDUAL)
QUESTIONS: dict[str, str] = {
    ProfileField.NEEDS: _("What does your organisation need from the alliance?"),
    ProfileField.BRINGS: _(
        "What does your organisation bring to the alliance: time, money, knowledge, a network?"
    ),
    ProfileField.OWN_GOAL: _("What is your organisation's own goal in this alliance?"),
    ProfileField.INTERESTS: _("Which interests of your organisation are at stake here?"),
    ProfileField.CONSTITUENCY_NEEDS: _("What does your constituency need to take steps?"),
    ProfileField.NO_GO: _("Are there no-go areas for your organisation?"),
    ProfileField.PROUD_OF: _("What is your organisation proud of?"),
    INDIVIDUAL: _(
        "And you yourself: what drives you personally at this table? Only you and the"
        " coordinators see this answer."
    ),
}
LABELS: dict[str, str] = {
    ProfileField.NEEDS: _("Needs"),
    ProfileField.BRINGS: _("Brings"),
    ProfileField.OWN_GOAL: _("Own goal"),
    ProfileField.INTERESTS: _("Interests at stake"),
    ProfileField.CONSTITUENCY_NEEDS: _("What the constituency needs"),
    ProfileField.NO_GO: _("No-go areas"),
    ProfileField.PROUD_OF: _("Proud of"),
    INDIVIDUAL: _("What drives me personally"),
}


class IntakeError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def draft_of(session: Session, person: Person) -> IntakeDraft | None:
    return session.exec(select(IntakeDraft).where(IntakeDraft.person_id == person.id)).first()


def start_intake(session: Session, person: Person) -> IntakeDraft:
    """A fresh intake for the person's partner (an open one starts over)."""
    if person.partner_id is None:
        raise IntakeError("no_partner")
    old = draft_of(session, person)
    if old is not None:
        session.delete(old)
        session.flush()
    draft = IntakeDraft(
        alliance_id=person.alliance_id,
        person_id=person.id or 0,
        partner_id=person.partner_id,
        step=STEPS[0],
    )
    session.add(draft)
    person.awaiting = AWAITING
    session.flush()
    return draft


def give_answer(draft: IntakeDraft, text: str) -> None:
    """The answer to the question asked now; the share choice comes next (not for the
    individual interest, which is never shared)."""
    answer = text.strip()[:MAX_ANSWER]
    if not answer:
        raise IntakeError("empty")
    draft.answers = {**(draft.answers or {}), draft.step: answer}
    if draft.step == INDIVIDUAL:
        _advance(draft)
    else:
        draft.asking_share = True


def choose_share(draft: IntakeDraft, share: bool) -> None:
    if share:
        draft.shared = [*(draft.shared or []), draft.step]
    _advance(draft)


def skip_question(draft: IntakeDraft) -> None:
    _advance(draft)


def _advance(draft: IntakeDraft) -> None:
    draft.asking_share = False
    index = STEPS.index(draft.step) if draft.step in STEPS else len(STEPS)
    draft.step = STEPS[index + 1] if index + 1 < len(STEPS) else ""


def is_finished(draft: IntakeDraft) -> bool:
    return draft.step == ""


def finish_intake(
    session: Session, alliance: Alliance, person: Person, draft: IntakeDraft
) -> PartnerProfile:
    """The answers as the partner's next profile version; the draft is gone."""
    partner = session.get(Partner, draft.partner_id)
    if partner is None:
        raise IntakeError("no_partner")
    answers = {str(k): str(v) for k, v in (draft.answers or {}).items()}
    profile = save_profile(session, alliance, partner, person, answers, draft.shared or [])
    if answers.get(INDIVIDUAL, "").strip():
        set_individual_interest(session, person, answers[INDIVIDUAL])
    stop_intake(session, person, draft)
    return profile


def stop_intake(session: Session, person: Person, draft: IntakeDraft | None) -> None:
    if draft is not None:
        session.delete(draft)
    if person.awaiting == AWAITING:
        person.awaiting = None
    session.flush()
