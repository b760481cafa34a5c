"""A new agreement as a form: what, which partner, when, where it was agreed.

Often opened from a message ("make this an agreement"), whose words pre-fill the form.
The same `register_agreement` as the typed `agreements new` checks and stores it, so a
problem comes back next to the input it is about and nothing half-written is kept.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select

from bot.core.followup.agreements import EntryError, NewAgreement, register_agreement
from bot.core.kernel import (
    ADVISER,
    Choice,
    Context,
    Form,
    FormEntry,
    FormField,
    Outcome,
    Partner,
    Region,
    Reply,
    Submission,
    utcnow,
)

AGREEMENT_FORM = "agreement_new"
DEFAULT_DUE = timedelta(days=14)
MAX_SOURCE = 150


def agreement_form(context: Context) -> Form | None:
    """Advisers register agreements; anyone else is told so (by the typed command)."""
    if ADVISER not in context.person.role_set:
        return None
    session, alliance, texts = context.session, context.alliance, context.texts
    partners = session.exec(
        select(Partner)
        .where(Partner.alliance_id == alliance.id, col(Partner.active))
        .order_by(col(Partner.name))
    ).all()
    regions = session.exec(
        select(Region)
        .where(Region.alliance_id == alliance.id, col(Region.active))
        .order_by(col(Region.name))
    ).all()
    prefill = str(context.command.context.get("prefill", ""))
    fields = [
        FormField("text", texts.gettext("What was agreed?"), initial=prefill[:3000]),
        FormField(
            "partner",
            texts.gettext("Which partner does it?"),
            kind="select",
            choices=tuple(Choice(p.key, p.name) for p in partners),
        ),
        FormField(
            "due",
            texts.gettext("Due on"),
            kind="date",
            initial=(utcnow().date() + DEFAULT_DUE).isoformat(),
        ),
    ]
    if regions:
        fields.append(
            FormField(
                "region",
                texts.gettext("Region (optional)"),
                kind="select",
                optional=True,
                choices=tuple(Choice(r.key, r.name) for r in regions),
            )
        )
    fields.append(
        FormField(
            "source",
            texts.gettext("Where was it agreed? (optional)"),
            kind="line",
            optional=True,
        )
    )
    return Form(
        AGREEMENT_FORM,
        texts.gettext("New agreement"),
        texts.gettext("Register"),
        texts.gettext("Cancel"),
        tuple(fields),
    )


def submit_agreement(context: Context, submission: Submission) -> Outcome:
    texts = context.texts
    try:
        due = date.fromisoformat(submission.value("due"))
    except ValueError:
        return Outcome.problem("due", texts.gettext("Pick a due date."))
    new = NewAgreement(
        submission.value("text"),
        submission.value("partner"),
        due,
        region=submission.value("region") or None,
        source=submission.value("source").strip()[:200] or "slack",
    )
    try:
        agreement = register_agreement(
            context.session, context.alliance, context.person, new, utcnow().date()
        )
    except EntryError as error:
        markup = context.render("agreements_entry_error", error=error, partners=[])
        return Outcome.problem(error.field, markup)
    partner = context.session.get(Partner, agreement.owner_partner_id)
    done = context.render("agreements_new_done", agreement=agreement, partner=partner)
    return Outcome(done_title=texts.gettext("Agreement registered"), done=Reply.from_markup(done))


AGREEMENT = FormEntry(
    AGREEMENT_FORM,
    "agreements",
    frozenset({"new", "nieuw"}),
    "text",
    agreement_form,
    submit_agreement,
)
