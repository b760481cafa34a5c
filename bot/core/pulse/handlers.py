"""`pulse` / `peiling` in chat, and the answer buttons.

Everyone in the round's audience answers with one tap per question; after the last scale
question the thanks say until when answers can be changed and, if the round has one, ask
the open question (the next plain message is the answer, passed on as an anonymous
regional signal). Advisers also see the results and can open or close a round:
`pulse open`, `pulse close`, `pulse results` (Dutch: `open`, `sluit`, `resultaten`).
"""

from __future__ import annotations

from bot.core.attention import record_signal
from bot.core.kernel import Button, Context, Reply, Role, database_id, utcnow
from bot.core.pulse.closing import ask_before_closing, progress_reply
from bot.core.pulse.models import PulseQuestion, PulseRound
from bot.core.pulse.questions import SCALE, question_text
from bot.core.pulse.report import results_reply
from bot.core.pulse.rounds import (
    CHANGE,
    answers_of,
    audience,
    in_audience,
    open_round,
    open_round_of,
    question_markup,
    questions_of,
    record_answer,
    record_open_answer,
    scale_buttons,
    scale_questions,
)

AWAITING_OPEN = "pulse_open:"
OPEN_WORDS = frozenset({"open"})
LENS_WORDS = frozenset({"lenses", "lenzen"})
EVERYONE = ",".join(sorted({Role.ADVISER, Role.AMBASSADOR, Role.PARTNER}))  # a lens check's
CLOSE_WORDS = frozenset({"close", "sluit"})
RESULT_WORDS = frozenset({"results", "resultaten"})
MAX_OPEN_ANSWER = 2000


def handle_pulse(context: Context) -> Reply:
    word = context.command.args.strip().lower()
    adviser = Role.ADVISER in context.person.role_set
    if adviser and (word in OPEN_WORDS or word in LENS_WORDS):
        lenses = word in LENS_WORDS
        roles = EVERYONE if lenses else Role.AMBASSADOR
        opened = open_round(context.session, context.alliance, audience_roles=roles, lenses=lenses)
        closes = opened.round.closes_at or utcnow()
        context.audit("pulse.opened", round=opened.round.id)
        return context.reply(
            "pulse_opened",
            created=opened.created,
            closes_at=context.local(closes),
            invited=opened.invited,
            unreachable=opened.unreachable,
        )
    if adviser and word in CLOSE_WORDS:
        return ask_before_closing(context)
    if adviser and word in RESULT_WORDS:
        return results_reply(context.session, context.alliance, context.texts)
    pulse_round = open_round_of(context.session, context.alliance)
    if pulse_round is None:
        reply = context.reply("pulse_nothing_open")
        if adviser:
            results = results_reply(context.session, context.alliance, context.texts)
            return Reply(reply.blocks + results.blocks, image=results.image)
        return reply
    if not in_audience(context.person, pulse_round):
        if adviser:
            return progress_reply(context, pulse_round)
        return context.reply("pulse_not_invited")
    return _next_step(context, pulse_round)


def _next_step(context: Context, pulse_round: PulseRound, start_over: bool = False) -> Reply:
    """The first unanswered scale question (or the first one, to change), else the thanks."""
    scale = scale_questions(context.session, pulse_round)
    answered = answers_of(context.session, pulse_round, context.person)
    for number, question in enumerate(scale, start=1):
        if start_over or question.id not in answered:
            return _ask(context, question, number, len(scale), answered.get(question.id or 0))
    return _done(context, pulse_round)


def _ask(
    context: Context, question: PulseQuestion, number: int, total: int, current: int | None
) -> Reply:
    markup = question_markup(context.texts, question, number, total, current)
    return Reply.from_markup(markup, buttons=scale_buttons(question))


def _done(context: Context, pulse_round: PulseRound) -> Reply:
    open_question = next(
        (q for q in questions_of(context.session, pulse_round) if q.kind == "open"), None
    )
    if open_question is not None:
        context.person.awaiting = f"{AWAITING_OPEN}{pulse_round.id}"
    change = Button(context.texts.gettext("Change my answers"), CHANGE.action(pulse_round.id or 0))
    return context.reply(
        "pulse_done",
        change,
        closes_at=context.local(pulse_round.closes_at or utcnow()),
        open_question=question_text(open_question.key, context.texts) if open_question else None,
    )


def _usable_round(context: Context, pulse_round: PulseRound | None) -> bool:
    return (
        pulse_round is not None
        and pulse_round.alliance_id == context.alliance.id
        and pulse_round.closed_at is None
        and (pulse_round.closes_at is None or pulse_round.closes_at > utcnow())
    )


def press_pulse_answer(context: Context, question_id: str, value: str) -> Reply:
    row_id = database_id(question_id)
    question = context.session.get(PulseQuestion, row_id) if row_id else None
    pulse_round = context.session.get(PulseRound, question.round_id) if question else None
    if (
        question is None
        or pulse_round is None
        or not _usable_round(context, pulse_round)
        or question.kind != "scale"
        or not value.isdigit()
        or int(value) not in SCALE
    ):
        return context.stale()
    if not in_audience(context.person, pulse_round):
        return context.refuse("pulse_not_invited")
    answered = record_answer(context.session, question, context.person, int(value), utcnow())
    if answered.next_question is not None:
        current = answers_of(context.session, pulse_round, context.person)
        return _ask(
            context,
            answered.next_question,
            answered.number,
            answered.total,
            current.get(answered.next_question.id or 0),
        )
    return _done(context, pulse_round)


def press_change(context: Context, round_id: str) -> Reply:
    row_id = database_id(round_id)
    pulse_round = context.session.get(PulseRound, row_id) if row_id else None
    if pulse_round is None or not _usable_round(context, pulse_round):
        return context.stale()
    if not in_audience(context.person, pulse_round):
        return context.refuse("pulse_not_invited")
    context.person.awaiting = None
    return _next_step(context, pulse_round, start_over=True)


def _region_is_a_crowd(context: Context, pulse_round: PulseRound) -> bool:
    """Naming the region of an anonymous answer is safe only where that region has at
    least `min_group_size` people asked; in a smaller one it would name the writer."""
    region_id = context.person.region_id
    if region_id is None:
        return False
    asked = [
        p
        for p in audience(context.session, context.alliance, pulse_round)
        if p.region_id == region_id
    ]
    return len(asked) >= context.alliance.min_group_size


def continue_open_answer(context: Context, text: str) -> Reply | None:
    """The open question's answer, typed after the thanks; None if not what we waited for.

    An answer typed after its round closed is not kept: the sender is told plainly that it
    came too late, sees what they wrote, and (as an ambassador) how to send it as a signal
    instead. Keeping it with the closed round would change results that were already
    counted and shared ("what we heard", the advisers' report), and an anonymous answer
    that turns up after the close could only come from the few who had not finished by
    then, which narrows who wrote it. Dropping it silently would lose what they meant to
    say, so it is handed back to them instead."""
    awaiting = context.person.awaiting or ""
    if not awaiting.startswith(AWAITING_OPEN):
        return None
    if len(text.strip()) > MAX_OPEN_ANSWER:  # it becomes a signal: a signal's limit, said
        return context.reply("too_long", limit=MAX_OPEN_ANSWER, length=len(text.strip()))
    context.person.awaiting = None
    row_id = database_id(awaiting.removeprefix(AWAITING_OPEN))
    pulse_round = context.session.get(PulseRound, row_id) if row_id else None
    text = text.strip()[:MAX_OPEN_ANSWER]
    if pulse_round is None or not _usable_round(context, pulse_round):
        return context.reply(
            "pulse_open_too_late",
            text=text,
            can_signal=Role.AMBASSADOR in context.person.role_set,
        )
    record_open_answer(context.session, pulse_round, context.person, text, utcnow())
    record_signal(
        context.session,
        context.alliance,
        context.person,
        text,
        anonymous=True,
        with_region=_region_is_a_crowd(context, pulse_round),
    )
    return context.reply("pulse_open_thanks")
