"""Every user-facing text, in the person's language.

Texts live in `messages/`: Jinja2 templates that produce small markup (see
`bot.core.replies`) and Babel catalogs with the Dutch and English wording. Message ids are
the English text (gettext's convention), so English needs no catalog; a test checks that
every id in the code and templates has a Dutch translation, so a text cannot exist in one
language only.

Two template environments, on purpose:

* our own templates render with autoescape, so every value put into them is escaped;
* templates written by users (toolkit snippets) render in a limited Jinja2 sandbox
  (`bot.core.kernel.sandbox`), which cannot reach Python internals nor spend unbounded
  memory or time; user *input* (chat text) is never a template at all.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import cache
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context as JinjaContext
from markupsafe import Markup

from bot.core.kernel.models import Role
from bot.core.kernel.times import DATE_LOCALES, format_number, local_moment
from bot.paths import MESSAGES_DIR

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
CATALOG_DOMAIN = "messages"


def normalise_language(language: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    if language and language.lower()[:2] in LANGUAGES:
        return language.lower()[:2]
    return fallback


@cache
def translations(language: str) -> NullTranslations:
    """The catalog for `language`, compiled from its .po file in memory (no build step)."""
    po_path = MESSAGES_DIR / "locale" / language / "LC_MESSAGES" / f"{CATALOG_DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=CATALOG_DOMAIN)


@cache
def _environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(MESSAGES_DIR / "templates"),
        autoescape=True,  # the small markup is HTML-shaped: escape every value, every template
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    gettext = translations(language).gettext
    # English as written in Europe ("2 March 2026"): our English readers work in the Netherlands
    date_locale = DATE_LOCALES.get(language, language)

    @pass_context
    def longdate(context: JinjaContext, value: date | datetime) -> str:
        """A moment's day where the reader is (a stored moment is UTC: its date may not be)."""
        zone = context.get("reader_zone")
        if isinstance(value, datetime) and value.tzinfo is not None and zone:
            value = local_moment(value, zone)
        return format_date(value, format="long", locale=date_locale)

    env.filters["longdate"] = longdate
    env.filters["decimal"] = lambda value, digits=1, signed=False: format_number(
        value, language, digits, signed
    )
    # a moment already in the reader's zone: "5 December 2026, 18:00"
    env.filters["longmoment"] = lambda value: format_datetime(
        value, format="d MMMM y, HH:mm", locale=date_locale
    )
    env.filters["role_name"] = lambda role: gettext(ROLE_NAMES.get(str(role), str(role)))
    return env


class Texts:
    """The texts of one language: `gettext` for short strings, `render` for templates."""

    def __init__(self, language: str | None, zone: str | None = None) -> None:
        self.language = normalise_language(language)
        self.zone = zone  # the reader's time zone: moments in texts are dated there
        self._translations = translations(self.language)

    def gettext(self, message: str, **values: Any) -> str:
        text = self._translations.gettext(message)
        return text % values if values else text

    def render(self, template: str, **context: Any) -> str:
        """Render `messages/templates/<template>.j2` to small markup."""
        return (
            _environment(self.language)
            .get_template(f"{template}.j2")
            .render(language=self.language, reader_zone=self.zone, **context)
        )

    def render_page(self, title: str, body: str) -> str:
        """A whole HTML page around `body`, an already escaped HTML fragment."""
        return (
            _environment(self.language)
            .get_template("page.html.j2")
            .render(language=self.language, title=title, body=Markup(body))
        )


def _(message: str) -> str:
    """Mark a text for extraction where it is defined; translate it where it is shown."""
    return message


ROLE_NAMES: dict[str, str] = {
    Role.ADVISER: _("advisers"),
    Role.AMBASSADOR: _("ambassadors"),
    Role.PARTNER: _("partner contacts"),
}
