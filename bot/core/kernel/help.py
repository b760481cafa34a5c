"""`help` and `help <command>`, made from the commands the features registered.

There is no second list to keep in step: every command and sub-command a person may use is
shown from its `CommandSpec`, with an example that works in this alliance (its own partner
key, a date ahead), so help never names something that is not there, nor hides what is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from bot.core.kernel.commands import CommandSpec, SubCommand
from bot.core.kernel.context import Context
from bot.core.kernel.replies import Reply
from bot.core.kernel.texts import Texts

EXAMPLE_DAYS_AHEAD = 30


@dataclass(frozen=True)
class HelpLine:
    """One line of help: what to type, and what it does."""

    typed: str
    summary: str
    usage: str = ""  # what follows, as a placeholder ("text"), shown in italics


class HelpReader(Protocol):
    """What help needs to know of the reader (a `Context` is one)."""

    texts: Texts
    person: Any

    def cmd(self, key: str) -> str: ...


@dataclass(frozen=True)
class HelpEntry:
    spec: CommandSpec
    line: HelpLine
    subcommands: tuple[HelpLine, ...]


def _example(texts: Texts, message: str, values: dict[str, str]) -> str:
    return texts.gettext(message) % values if message else ""


def _typed(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def help_entry(context: HelpReader, spec: CommandSpec, values: dict[str, str]) -> HelpEntry:
    texts, language = context.texts, context.texts.language
    name = context.cmd(spec.key)
    usage = texts.gettext(spec.usage) if spec.usage else ""
    subs = tuple(
        HelpLine(
            _typed(name, sub.word_in(language), _example(texts, sub.example, values)),
            texts.gettext(sub.summary),
        )
        for sub in spec.subcommands_for(context.person.role_set)
    )
    return HelpEntry(spec, HelpLine(name, texts.gettext(spec.summary), usage), subs)


def example_values(context: Context, partner_key: str | None) -> dict[str, str]:
    """What examples fill in: the reader's own partner (else the first), a date ahead."""
    today = context.today()
    return {
        "partner": partner_key or "partner",
        "other": partner_key or "partner",
        "agreement": "1",
        "date": (today + timedelta(days=EXAMPLE_DAYS_AHEAD)).isoformat(),
    }


def help_reply(
    context: Context,
    allowed: Iterable[CommandSpec],
    partner_key: str | None,
    more: dict[str, str] | None = None,
) -> Reply:
    """Every command this person may use with its sub-commands, or one command explained
    (`help agreements`); a word help does not know is answered with the list."""
    allowed = list(allowed)
    values = {**example_values(context, partner_key), **(more or {})}
    asked = context.command.args.strip().lower().split(" ")[0]
    if asked:
        spec = next(
            (s for s in allowed if asked in {s.english, s.dutch, *s.aliases}),
            None,
        )
        if spec is not None:
            return context.reply("help_command", entry=help_entry(context, spec, values))
    entries = [help_entry(context, spec, values) for spec in allowed]
    return context.reply(
        "help", person=context.person, entries=entries, asked=asked[:40] if asked else ""
    )


def subcommand_words(subcommands: Iterable[SubCommand]) -> frozenset[str]:
    """Every word (both languages) that starts one of these sub-commands, lower-case."""
    return frozenset(w for sub in subcommands for w in (sub.english, sub.dutch) if w)
