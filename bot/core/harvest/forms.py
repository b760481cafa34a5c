"""A result as a form (Slack: `/alliance oogst nieuw`): the sentence, and a figure apart,
so nobody has to know about the `|` that the typed command uses."""

from __future__ import annotations

from bot.core.harvest.handlers import added_reply, awaited_agreement
from bot.core.harvest.records import HarvestError, add_harvest
from bot.core.kernel import Context, Form, FormEntry, FormField, Outcome, Submission

HARVEST_FORM = "harvest_new"


def harvest_form(context: Context) -> Form:
    texts = context.texts
    return Form(
        HARVEST_FORM,
        texts.gettext("Add a result"),
        texts.gettext("Add"),
        texts.gettext("Cancel"),
        (
            FormField("text", texts.gettext("What did it bring? (one sentence)")),
            FormField(
                "figure",
                texts.gettext("A figure, if there is one (people reached, visitors, euros)"),
                kind="number",
                optional=True,
            ),
        ),
    )


def submit_harvest(context: Context, submission: Submission) -> Outcome:
    texts = context.texts
    raw = submission.value("figure").strip().replace(",", ".")
    try:
        figure = float(raw) if raw else None
    except ValueError:
        return Outcome.problem("figure", texts.gettext("Write the figure as a number."))
    try:
        harvest = add_harvest(
            context.session,
            context.alliance,
            context.person,
            submission.value("text"),
            figure,
            awaited_agreement(context),
        )
    except HarvestError:
        return Outcome.problem("text", texts.gettext("Say in one sentence what it brought."))
    return Outcome(done_title=texts.gettext("Harvested"), done=added_reply(context, harvest))


HARVEST = FormEntry(
    HARVEST_FORM,
    "harvest",
    frozenset({"new", "nieuw", "add"}),
    "text",
    harvest_form,
    submit_harvest,
)
