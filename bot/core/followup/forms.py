"""A new agreement as a form: what, which partner, when, where it was agreed.

Often opened from a message ("make this an agreement"), whose words pre-fill the form.
The same `register_agreement` as the typed `agreements new` checks and stores it, so a
problem comes back next to the input it is about and nothing half-written is kept.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select

from bot.core.followup.agreements import (
    EntryError,
    NewAgreement,
    list_agreements,
    register_agreement,
)
from bot.core.followup.changes import (
    Actor,
    ChangeError,
    drop_agreement,
    find_agreement,
    may_change,
    move_agreement,
)
from bot.core.followup.models import Agreement
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


MOVE_FORM_NAME = "agreement_move"
DROP_FORM_NAME = "agreement_drop"
MAX_CHOICES = 100  # Slack's limit for a select


def _changeable(context: Context) -> list[Agreement]:
    """The open agreements this person may move or let go, soonest due first."""
    agreements = list_agreements(context.session, context.alliance, open_only=True)
    return [a for a in agreements if may_change(context.person, a)][:MAX_CHOICES]


def change_form(context: Context, moving: bool) -> Form | Reply:
    texts = context.texts
    agreements = _changeable(context)
    if not agreements:
        return context.reply("agreements_change_error", code="nothing_to_change", key="")
    fields = [
        FormField(
            "agreement",
            texts.gettext("Which agreement?"),
            kind="select",
            choices=tuple(Choice(a.key, f"{a.key} · {a.text}"[:75]) for a in agreements),
        )
    ]
    if moving:
        soon = (utcnow().date() + DEFAULT_DUE).isoformat()  # Slack wants a day to start from
        fields.append(FormField("due", texts.gettext("New due date"), kind="date", initial=soon))
    fields.append(FormField("reason", texts.gettext("Why? (kept in its history)")))
    return Form(
        MOVE_FORM_NAME if moving else DROP_FORM_NAME,
        texts.gettext("Move an agreement") if moving else texts.gettext("Let an agreement go"),
        texts.gettext("Move") if moving else texts.gettext("Let go"),
        texts.gettext("Cancel"),
        tuple(fields),
    )


FIELD_OF = {"no_reason": "reason", "same_due": "due", "before_made": "due"}


def submit_change(context: Context, submission: Submission, moving: bool) -> Outcome:
    texts = context.texts
    agreement = find_agreement(context.session, context.alliance, submission.value("agreement"))
    if agreement is None:
        return Outcome.problem("agreement", texts.gettext("Pick an agreement."))
    actor = Actor.of(context.person)
    reason = submission.value("reason")
    try:
        if moving:
            try:
                due = date.fromisoformat(submission.value("due"))
            except ValueError:
                return Outcome.problem("due", texts.gettext("Pick a due date."))
            change = move_agreement(
                context.session, context.alliance, agreement, due, reason, actor
            )
        else:
            change = drop_agreement(context.session, context.alliance, agreement, reason, actor)
    except ChangeError as error:
        markup = context.render(
            "agreements_change_error", code=error.code, key=agreement.key, details=error.details
        )
        return Outcome.problem(FIELD_OF.get(error.code, "agreement"), markup)
    done = context.render("agreements_changed", agreement=agreement, change=change)
    title = texts.gettext("Agreement moved") if moving else texts.gettext("Agreement let go")
    return Outcome(done_title=title, done=Reply.from_markup(done))


MOVE_FORM = FormEntry(
    MOVE_FORM_NAME,
    "agreements",
    frozenset({"move", "verzet", "verzetten"}),
    "agreement",
    lambda context: change_form(context, moving=True),
    lambda context, submission: submit_change(context, submission, moving=True),
)
DROP_FORM = FormEntry(
    DROP_FORM_NAME,
    "agreements",
    frozenset({"drop", "loslaten", "laatlos"}),
    "agreement",
    lambda context: change_form(context, moving=False),
    lambda context, submission: submit_change(context, submission, moving=False),
)
