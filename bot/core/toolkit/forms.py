"""A toolkit snippet composed in a form: title, kind, the moments it is timed to, the text.

The text is a template rendered for every partner later, so it is tried for a real partner
before it is stored (`compose_snippet`); a mistake comes back next to its field.
"""

from __future__ import annotations

import html

from bot.core.kernel import (
    ADVISER,
    Choice,
    Context,
    Form,
    FormEntry,
    FormField,
    Outcome,
    Reply,
    Submission,
)
from bot.core.toolkit.compose import MAX_LEAD_DAYS, Draft, DraftError, compose_snippet
from bot.core.toolkit.personalise import current_house
from bot.core.toolkit.snippets import AGENDA_LABELS, KIND_LABELS

SNIPPET_FORM = "toolkit_compose"
LANGUAGE_NAMES = (Choice("nl", "Nederlands"), Choice("en", "English"))


def snippet_form(context: Context) -> Form | Reply:
    texts = context.texts
    if ADVISER not in context.person.role_set:
        return Reply.from_markup(
            f"<p>{texts.gettext('Only advisers compose toolkit snippets.')}</p>"
        )
    hint = texts.gettext(
        "Personalised per partner: {{ partner.name }}, {{ speaker }} (who"
        " speaks, by the alliance's positioning), {{ house.roof }},"
        " {{ pillar.message }}, {{ partner.note }}."
    )
    return Form(
        SNIPPET_FORM,
        texts.gettext("New toolkit snippet"),
        texts.gettext("Save"),
        texts.gettext("Cancel"),
        _snippet_fields(context),
        hint=hint,
    )


def _snippet_fields(context: Context) -> tuple[FormField, ...]:
    texts = context.texts
    fields = [
        FormField("title", texts.gettext("Title"), kind="line"),
        FormField(
            "kind",
            texts.gettext("Kind of text"),
            kind="select",
            choices=tuple(Choice(k, texts.gettext(v)) for k, v in KIND_LABELS.items()),
        ),
        FormField(
            "agenda",
            texts.gettext("Send it before"),
            kind="multiselect",
            choices=tuple(Choice(k, texts.gettext(v)) for k, v in AGENDA_LABELS.items()),
        ),
        FormField(
            "lead_days",
            texts.gettext("Days before the moment"),
            kind="number",
            initial="7",
            minimum=0,
            maximum=MAX_LEAD_DAYS,
        ),
    ]
    house = current_house(context.session, context.alliance)
    if house.pillars:
        pillars = tuple(Choice(str(n), f"{n}. {p.title}") for n, p in enumerate(house.pillars, 1))
        label = texts.gettext("Pillar (optional)")
        fields.append(FormField("pillar", label, "select", optional=True, choices=pillars))
    language = texts.gettext("Language of the text")
    fields.append(FormField("language", language, "select", texts.language, choices=LANGUAGE_NAMES))
    fields.append(FormField("body", texts.gettext("The text")))
    return tuple(fields)


def submit_snippet(context: Context, submission: Submission) -> Outcome:
    texts = context.texts
    value = submission.value
    draft = Draft(
        title=value("title"),
        kind=value("kind"),
        agenda_kinds=tuple(k for k in value("agenda").split(",") if k),
        lead_days=value("lead_days"),
        body=value("body"),
        language=value("language") or texts.language,
        pillar=int(value("pillar")) if value("pillar").isdigit() else None,
    )
    try:
        row = compose_snippet(context.session, context.alliance, context.person, draft, texts)
    except DraftError as error:
        return Outcome.problem(error.field, html.escape(str(error)[:2000], quote=False))
    message = texts.gettext(
        'Saved "%(title)s". It is sent to partners before their %(moments)s, %(days)s days ahead.'
    ) % {
        "title": row.title,
        "moments": ", ".join(texts.gettext(AGENDA_LABELS[k]) for k in draft.agenda_kinds),
        "days": row.days_before,
    }
    done = Reply.from_markup(f"<p>{html.escape(message, quote=False)}</p>")
    return Outcome(done_title=texts.gettext("Snippet saved"), done=done)


SNIPPET = FormEntry(
    SNIPPET_FORM, "toolkit", frozenset({"new", "nieuw"}), "title", snippet_form, submit_snippet
)
