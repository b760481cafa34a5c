"""The intake in the conversation: `intake` asks, a plain message answers, buttons skip,
share or stop; `intake toon` shows what the person's organisation said."""

from __future__ import annotations

from sqlmodel import Session

from bot.core.kernel import Button, Context, Partner, Person, Reply, Verb, is_coordinator
from bot.core.needs.intake import (
    AWAITING,
    INDIVIDUAL,
    LABELS,
    QUESTIONS,
    STEPS,
    IntakeError,
    choose_share,
    draft_of,
    finish_intake,
    give_answer,
    is_finished,
    skip_question,
    start_intake,
    stop_intake,
)
from bot.core.needs.models import FIELDS, IntakeDraft, PartnerProfile
from bot.core.needs.profiles import individual_interests, latest_profile

SKIP, SHARE, STOP = Verb("iks"), Verb("ikd", arity=2), Verb("ikx")
SHOW_WORDS = frozenset({"show", "toon"})
STOP_WORDS = frozenset({"stop", "stoppen"})
SKIP_WORDS = frozenset({"skip", "overslaan"})


def handle_intake(context: Context) -> Reply:
    """`intake`: start (or start over); `intake toon`; `intake overslaan`/`stop`; on Slack,
    where a plain message is not a command, `intake <answer>` answers the open question."""
    words = context.command.args.strip()
    first = words.lower()
    draft = draft_of(context.session, context.person)
    if first in SHOW_WORDS:
        own = _own_partner(context)
        return (
            show_profile(context, own) if own else context.reply("intake_error", code="no_partner")
        )
    if first in STOP_WORDS:
        return _stop(context, draft)
    if first in SKIP_WORDS and draft is not None and not is_finished(draft):
        skip_question(draft)
        return _next(context, draft)
    if words and draft is not None:
        return _answer(context, draft, words)
    return press_start(context, str(context.person.id))


def continue_intake(context: Context, text: str) -> Reply | None:
    """A plain message while a question is open is its answer."""
    if context.person.awaiting != AWAITING:
        return None
    draft = draft_of(context.session, context.person)
    if draft is None:
        context.person.awaiting = None
        return None
    return _answer(context, draft, text)


def _answer(context: Context, draft: IntakeDraft, text: str) -> Reply:
    if draft.asking_share:  # typed instead of pressing: ask again, nothing lost
        return _share_question(context, draft)
    try:
        give_answer(draft, text)
    except IntakeError as error:
        return context.reply("intake_error", code=error.code)
    return _share_question(context, draft) if draft.asking_share else _next(context, draft)


def _share_question(context: Context, draft: IntakeDraft) -> Reply:
    step = STEPS.index(draft.step)
    texts = context.texts
    return context.reply(
        "intake_share",
        Button(texts.gettext("Share with the coalition"), SHARE.action(step, "y"), "primary"),
        Button(texts.gettext("Only the coordinators"), SHARE.action(step, "n")),
        label=texts.gettext(LABELS[draft.step]),
    )


def _next(context: Context, draft: IntakeDraft) -> Reply:
    if not is_finished(draft):
        return _question(context, draft)
    profile = finish_intake(context.session, context.alliance, context.person, draft)
    context.audit("intake.finished", partner=profile.partner_id, version=profile.version)
    return done_reply(context, profile)


def _question(context: Context, draft: IntakeDraft, first_time: bool = False) -> Reply:
    texts = context.texts
    step = STEPS.index(draft.step)
    return context.reply(
        "intake_question",
        Button(texts.gettext("Skip"), SKIP.action(step)),
        Button(texts.gettext("Stop"), STOP.action(step)),
        question=texts.gettext(QUESTIONS[draft.step]),
        number=step + 1,
        total=len(STEPS),
        first_time=first_time,
        individual=draft.step == INDIVIDUAL,
        typed=context.command.platform == "slack",
    )


def done_reply(context: Context, profile: PartnerProfile) -> Reply:
    partner = context.session.get(Partner, profile.partner_id)
    shared = [context.texts.gettext(LABELS[name]) for name in FIELDS if name in profile.shared]
    return context.reply("intake_done", partner=partner, profile=profile, shared=shared)


def _stop(context: Context, draft: IntakeDraft | None) -> Reply:
    """Stop: what was answered so far is kept as a version; nothing answered, nothing kept."""
    if draft is None or not draft.answers:
        stop_intake(context.session, context.person, draft)
        return context.reply("intake_stopped")
    draft.step = ""
    return _next(context, draft)


def _pressed(context: Context, step: str) -> IntakeDraft | None:
    """The open draft, when the button belongs to the question asked now."""
    draft = draft_of(context.session, context.person)
    if draft is None or not step.isdigit() or int(step) >= len(STEPS):
        return None
    return draft if STEPS[int(step)] == draft.step else None


def press_skip(context: Context, step: str) -> Reply:
    draft = _pressed(context, step)
    if draft is None or draft.asking_share:
        return context.stale()
    skip_question(draft)
    return _next(context, draft)


def press_share(context: Context, step: str, choice: str) -> Reply:
    draft = _pressed(context, step)
    if draft is None or not draft.asking_share or choice not in ("y", "n"):
        return context.stale()
    choose_share(draft, choice == "y")
    return _next(context, draft)


def press_stop(context: Context, step: str) -> Reply:
    draft = _pressed(context, step)
    return context.stale() if draft is None else _stop(context, draft)


def press_start(context: Context, person_id: str) -> Reply:
    """ "Start the intake" under an offer: the same as typing `intake`."""
    if person_id != str(context.person.id):
        return context.stale()
    try:
        draft = start_intake(context.session, context.person)
    except IntakeError as error:
        return context.reply("intake_error", code=error.code)
    context.audit("intake.started")
    return _question(context, draft, first_time=True)


def _own_partner(context: Context) -> Partner | None:
    pid = context.person.partner_id
    return context.session.get(Partner, pid) if pid else None


def may_see_all(session: Session, person: Person, partner: Partner) -> bool:
    """A partner's whole profile: its own advisers and the coordinators."""
    return person.partner_id == partner.id or is_coordinator(session, person)


def show_profile(context: Context, partner: Partner) -> Reply:
    """The whole profile (for its own advisers and the coordinators), with each answer
    marked shared or not; individual interests only to the coordinators and the person."""
    session, person = context.session, context.person
    profile = latest_profile(session, partner)
    interests = [
        (someone, text)
        for someone, text in individual_interests(session, partner)
        if someone.id == person.id or is_coordinator(session, person)
    ]
    answers = [
        (context.texts.gettext(LABELS[name]), profile.answer(name), name in profile.shared)
        for name in FIELDS
        if profile and profile.answer(name)
    ]
    return context.reply(
        "intake_profile",
        partner=partner,
        profile=profile,
        answers=answers,
        interests=interests,
        whole=True,
    )
