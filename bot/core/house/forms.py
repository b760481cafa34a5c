"""The message house as a form: the current house pre-filled in its editable line format.

A new version is easier to shape in a form than in one typed line; the same parser and
the same proposal flow as the typed `propose` sit behind it, so a problem names the line
to fix and nothing is proposed until the whole house reads well.
"""

from __future__ import annotations

from bot.core.house.content import current_version, version_content
from bot.core.house.format import FormatError, format_house, parse_proposal
from bot.core.house.handlers import submit_proposal
from bot.core.house.proposals import ProposalError
from bot.core.kernel import Context, Form, FormEntry, FormField, Outcome, Submission

PROPOSE_FORM = "propose_house"
MAX_INITIAL = 3000  # Slack's limit for a pre-filled input


def propose_form(context: Context) -> Form | None:
    """None where there is no house yet: then `propose` explains itself as typed."""
    version = current_version(context.session, context.alliance.id or 0)
    if version is None:
        return None
    texts = context.texts
    current = format_house(version_content(context.session, version), texts.language)
    return Form(
        PROPOSE_FORM,
        texts.gettext("Propose a change"),
        texts.gettext("Propose"),
        texts.gettext("Cancel"),
        (
            FormField("reason", texts.gettext("Why this change?"), kind="line"),
            FormField("house", texts.gettext("The message house"), initial=current[:MAX_INITIAL]),
        ),
    )


def submit_propose(context: Context, submission: Submission) -> Outcome:
    """Open the proposal; a problem goes next to the reason or the house lines."""
    session, alliance = context.session, context.alliance
    try:
        parsed = parse_proposal(submission.value("house"))
        version = current_version(session, alliance.id or 0)
        content = parsed.content(version_content(session, version) if version else None)
        submit_proposal(
            session, alliance, context.person, content, submission.value("reason"), replace=False
        )
    except FormatError as error:
        return Outcome.problem(
            "house", context.render("house_error", code=error.code, line=error.line)
        )
    except ProposalError as error:
        field = "reason" if error.code == "no_reason" else "house"
        markup = context.render("house_error", code=error.code, line="", **error.details)
        return Outcome.problem(field, markup)
    return Outcome()


PROPOSE = FormEntry(
    PROPOSE_FORM, "propose", frozenset({""}), "reason", propose_form, submit_propose
)
