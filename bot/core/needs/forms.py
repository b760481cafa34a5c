"""The intake as one form (Slack: a bare `/alliance intake` opens a modal): every question
optional, the previous answers filled in, and which answers the coalition may see."""

from __future__ import annotations

from bot.core.kernel import (
    Choice,
    Context,
    Form,
    FormEntry,
    FormField,
    Outcome,
    Partner,
    Reply,
    Submission,
)
from bot.core.needs.handlers import done_reply
from bot.core.needs.intake import INDIVIDUAL, LABELS, QUESTIONS, draft_of, stop_intake
from bot.core.needs.models import FIELDS
from bot.core.needs.profiles import (
    MAX_ANSWER,
    latest_profile,
    save_profile,
    set_individual_interest,
)

INTAKE_FORM = "needs_intake"
SHARED = "shared"


def intake_form(context: Context) -> Form | Reply:
    texts = context.texts
    partner_id = context.person.partner_id
    partner = context.session.get(Partner, partner_id) if partner_id else None
    if partner is None:
        return context.reply("intake_error", code="no_partner")
    previous = latest_profile(context.session, partner)
    fields = [
        FormField(
            name,
            texts.gettext(QUESTIONS[name]),
            initial=previous.answer(name) if previous else "",
            optional=True,
        )
        for name in FIELDS
    ]
    fields.append(FormField(INDIVIDUAL, texts.gettext(QUESTIONS[INDIVIDUAL]), optional=True))
    fields.append(
        FormField(
            SHARED,
            texts.gettext("Which answers may the other partners see?"),
            kind="multiselect",
            optional=True,
            choices=tuple(Choice(name, texts.gettext(LABELS[name])) for name in FIELDS),
        )
    )
    return Form(
        INTAKE_FORM,
        texts.gettext("Intake: %(partner)s", partner=partner.name),
        texts.gettext("Save"),
        texts.gettext("Cancel"),
        tuple(fields),
        hint=texts.gettext(
            "Every question may stay empty. What you do not share stays with your"
            " organisation's advisers and the coordinators."
        ),
    )


def submit_intake(context: Context, submission: Submission) -> Outcome:
    texts = context.texts
    partner_id = context.person.partner_id
    partner = context.session.get(Partner, partner_id) if partner_id else None
    if partner is None:
        return Outcome.problem(FIELDS[0], context.render("intake_error", code="no_partner"))
    too_long = [n for n in (*FIELDS, INDIVIDUAL) if len(submission.value(n)) > MAX_ANSWER]
    if too_long:
        message = texts.gettext("At most %(num)s characters, please.", num=MAX_ANSWER)
        return Outcome(errors={name: message for name in too_long})
    answers = {str(name): submission.value(name) for name in FIELDS}
    shared = [s for s in submission.value(SHARED).split(",") if s in FIELDS]
    profile = save_profile(
        context.session, context.alliance, partner, context.person, answers, shared
    )
    if submission.value(INDIVIDUAL).strip():
        set_individual_interest(context.session, context.person, submission.value(INDIVIDUAL))
    stop_intake(context.session, context.person, draft_of(context.session, context.person))
    context.audit("intake.finished", partner=partner.id, version=profile.version)
    return Outcome(done_title=texts.gettext("Intake saved"), done=done_reply(context, profile))


INTAKE = FormEntry(INTAKE_FORM, "intake", frozenset({""}), FIELDS[0], intake_form, submit_intake)
