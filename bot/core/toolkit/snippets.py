"""The toolkit: ready-made texts that partners paste into their own channels, personalised.

Why personalised: DOMAIN.md says differences are the point. A newsletter item for a housing
corporation talks to tenants, one for a municipality to residents and the council, and the
alliance's *positioning* decides whose voice the text speaks in and whether the alliance is
named at all. One shared text for all would be used by nobody.

Snippet files
-------------
The built-in snippets are files in `messages/toolkit/*.j2` (see the README there). A file is
TOML front matter between two `+++` lines, then one body per language after a line
`--- nl ---` and a line `--- en ---` (both are required)::

    +++
    key = "social-pillar-2"           # optional: defaults to the file name without .j2
    kind = "social_post"              # newsletter_item | social_post | intranet_item |
                                      # board_memo | speech_opener | press_quote
    title.nl = "Bericht voor sociale media"
    title.en = "Social media post"
    pillar = 2                        # optional: 1-based position of the pillar in the house
    agenda = ["campaign", "event"]    # agenda types it serves (CONTRACT.md's list)
    lead_days = 3                     # days before the moment it is sent (default 7)
    max_length = 280                  # optional: else the kind's default (`KIND_MAX_LENGTH`)
    +++
    --- nl ---
    {{ speaker }} ...
    --- en ---
    {{ speaker }} ...

Bodies are Jinja2 templates rendered in the project's sandbox (`render_user_template`), the
same one advisers' own snippets (`ToolkitSnippet` rows) render in, so a shipped file and a
user-written snippet obey exactly the same rules. Variables:

* `alliance` — `name`, `ambition`;
* `partner` — `name`, `constituency`, `note` (the partner's note on this snippet's pillar);
* `house` — `roof` and `pillars` (each `number`, `title`, `message`, `proof`);
* `pillar` — the snippet's pillar (as in `house.pillars`) or None;
* `speaker` — the name the text speaks in: the alliance (monolithic, except a partner's own
  board memo) or the partner; `alliance_speaks` says which;
* `membership` — "X is partner in Y" for the endorsed positioning, else empty;
* `task` — the alliance's task (branded: what stands where its name would);
* `quote_by` — who a quote is by, from the spokespeople register (`bot.core.voice`);
* `partner.own_goal`, `partner.constituency_needs` — what the partner shared in its intake;
* `positioning` and `language`.
Personalising a snippet for a partner is `bot.core.toolkit.personalise`.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeGuard

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from sqlmodel import Session, col, select

from bot.core.kernel import LANGUAGES, Alliance, _
from bot.core.toolkit.models import ToolkitSnippet
from bot.paths import MESSAGES_DIR

log = logging.getLogger(__name__)

TOOLKIT_DIR = MESSAGES_DIR / "toolkit"

# Characters. Short enough for the channel the kind is meant for: a post on most social
# platforms, a quote a journalist will use whole, an opener spoken in about a minute.
KIND_MAX_LENGTH: dict[str, int] = {
    "newsletter_item": 1200,
    "social_post": 280,
    "intranet_item": 1500,
    "board_memo": 2500,
    "speech_opener": 600,
    "press_quote": 400,
}
KIND_LABELS: dict[str, str] = {
    "newsletter_item": _("Newsletter items"),
    "social_post": _("Social media posts"),
    "intranet_item": _("Intranet items"),
    "board_memo": _("Board memos"),
    "speech_opener": _("Speech openers"),
    "press_quote": _("Press quotes"),
}
DEFAULT_LEAD_DAYS = 7  # as `ToolkitSnippet.days_before`: a week is enough for most deadlines
AGENDA_KINDS = ("newsletter", "board", "council", "members", "event", "campaign", "other")
AGENDA_LABELS: dict[str, str] = {
    "newsletter": _("newsletter"),
    "board": _("board meeting"),
    "council": _("council vote"),
    "members": _("members' meeting"),
    "event": _("event"),
    "campaign": _("campaign"),
    "other": _("other moments"),
}
POSITIONINGS = ("monolithic", "branded", "endorsed")
MEMBERSHIP = {
    "nl": "{partner} werkt samen in {alliance}.",
    "en": "{partner} is partner in {alliance}.",
}
ELLIPSIS = "…"

_FRONT_MATTER = "+++"
_LANGUAGE_LINE = re.compile(r"^---\s*(\S+)\s*---\s*$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_PARSER = SandboxedEnvironment()
_FIELDS = {"key", "kind", "title", "pillar", "agenda", "lead_days", "max_length"}


class ToolkitError(ValueError):
    """A snippet that cannot be loaded or rendered; the message names it and what to fix."""


@dataclass(frozen=True)
class Snippet:
    """One snippet, from a file or an adviser's `ToolkitSnippet` row, not yet personalised."""

    key: str
    kind: str
    titles: dict[str, str] = field(hash=False)
    pillar: int | None
    agenda_kinds: tuple[str, ...]
    lead_days: int
    max_length: int
    bodies: dict[str, str] = field(hash=False)  # language -> template source
    origin: Literal["file", "db"] = "file"

    def title(self, language: str) -> str:
        return self.titles.get(language) or next(iter(self.titles.values()), self.key)

    def body(self, language: str) -> str:
        return self.bodies.get(language) or next(iter(self.bodies.values()), "")


# -- loading -------------------------------------------------------------------------------


def parse_snippet(text: str, name: str) -> Snippet:
    """A snippet from a file's text; `name` is the file name, used for the default key and
    in every error so that a broken file is found at once."""
    stem = name.rsplit("/", 1)[-1].removesuffix(".j2")
    lines = text.splitlines()
    if not lines or lines[0].strip() != _FRONT_MATTER:
        raise ToolkitError(f"{name}: must start with a line '+++' (the front matter)")
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == _FRONT_MATTER)
    except StopIteration:
        raise ToolkitError(f"{name}: the front matter has no closing line '+++'") from None
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as error:
        raise ToolkitError(f"{name}: the front matter is not valid TOML: {error}") from error
    bodies = _bodies(lines[end + 1 :], name)
    return _snippet(meta, bodies, name, stem)


def _bodies(lines: list[str], name: str) -> dict[str, str]:
    bodies: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(lines, 1):
        marker = _LANGUAGE_LINE.match(line)
        if marker:
            language = marker.group(1)
            if language not in LANGUAGES:
                raise ToolkitError(f"{name}: unknown language {language!r} in {line.strip()!r}")
            if language in bodies:
                raise ToolkitError(f"{name}: two bodies for language {language!r}")
            current = bodies[language] = []
        elif current is not None:
            current.append(line)
        elif line.strip():
            raise ToolkitError(
                f"{name}: text after the front matter (line {number}) before '--- nl ---'"
            )
    missing = [language for language in LANGUAGES if not "".join(bodies.get(language, ())).strip()]
    if missing:
        wanted = " and ".join(f"'--- {language} ---'" for language in missing)
        raise ToolkitError(f"{name}: no body for {', '.join(missing)}: add a line {wanted}")
    return {language: "\n".join(body).strip() for language, body in bodies.items()}


def _snippet(meta: dict[str, Any], bodies: dict[str, str], name: str, stem: str) -> Snippet:
    unknown = sorted(set(meta) - _FIELDS)
    if unknown:
        raise ToolkitError(f"{name}: unknown front matter field(s) {', '.join(unknown)}")
    key = meta.get("key", stem)
    if not isinstance(key, str) or not _KEY.match(key):
        raise ToolkitError(f"{name}: key {key!r} must be lowercase letters, digits, - or _")
    kind = meta.get("kind")
    if kind not in KIND_MAX_LENGTH:
        raise ToolkitError(f"{name}: kind {kind!r} is not one of {', '.join(KIND_MAX_LENGTH)}")
    titles = meta.get("title")
    if not isinstance(titles, dict) or not all(
        isinstance(titles.get(language), str) and titles[language].strip() for language in LANGUAGES
    ):
        raise ToolkitError(f"{name}: needs title.nl and title.en")
    pillar = meta.get("pillar")
    if pillar is not None and (not _is_int(pillar) or pillar < 1):
        raise ToolkitError(f"{name}: pillar must be a whole number from 1 (the first pillar)")
    agenda = meta.get("agenda")
    if (
        not isinstance(agenda, list)
        or not agenda
        or not all(isinstance(a, str) and a in AGENDA_KINDS for a in agenda)
    ):
        raise ToolkitError(f"{name}: agenda must be a list of {', '.join(AGENDA_KINDS)}")
    lead_days = meta.get("lead_days", DEFAULT_LEAD_DAYS)
    if not _is_int(lead_days) or lead_days < 0:
        raise ToolkitError(f"{name}: lead_days must be a whole number of days, 0 or more")
    max_length = meta.get("max_length", KIND_MAX_LENGTH[kind])
    if not _is_int(max_length) or max_length < 40:
        raise ToolkitError(f"{name}: max_length must be a whole number of characters, 40 or more")
    for language, source in bodies.items():
        try:  # parsing only, nothing runs: a syntax error shows up when the library loads
            _PARSER.parse(source)
        except TemplateSyntaxError as error:
            raise ToolkitError(
                f"{name}: the {language} body is not a valid template (line {error.lineno}): "
                f"{error.message}"
            ) from error
    return Snippet(
        key=key,
        kind=kind,
        titles={language: titles[language].strip() for language in LANGUAGES},
        pillar=pillar,
        agenda_kinds=tuple(agenda),
        lead_days=lead_days,
        max_length=max_length,
        bodies=bodies,
    )


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def load_library(directory: Path | None = None) -> list[Snippet]:
    """Every snippet file in `directory` (default `messages/toolkit`), sorted by key.

    Cached: the files ship with the code and do not change while it runs."""
    return list(_load_directory((directory or TOOLKIT_DIR).resolve()))


@cache
def _load_directory(directory: Path) -> tuple[Snippet, ...]:
    snippets: dict[str, Snippet] = {}
    for path in sorted(directory.glob("*.j2")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ToolkitError(f"{path.name}: cannot be read: {error}") from error
        snippet = parse_snippet(text, path.name)
        if snippet.key in snippets:
            raise ToolkitError(f"{path.name}: key {snippet.key!r} is used by another file")
        snippets[snippet.key] = snippet
    return tuple(sorted(snippets.values(), key=lambda s: s.key))


def library(session: Session, alliance: Alliance) -> list[Snippet]:
    """The shipped snippets plus the alliance's own active ones. An adviser's snippet with
    the key of a shipped one replaces it: that is how an alliance rewrites a built-in text."""
    snippets = {s.key: s for s in load_library()}
    rows = session.exec(
        select(ToolkitSnippet)
        .where(ToolkitSnippet.alliance_id == alliance.id, col(ToolkitSnippet.active))
        .order_by(col(ToolkitSnippet.key))
    )
    for row in rows:
        snippets[row.key] = snippet_from_row(row)
    return sorted(snippets.values(), key=lambda s: (s.kind, s.key))


def snippet_from_row(row: ToolkitSnippet) -> Snippet:
    """An adviser's snippet is written in one language; both languages get that text."""
    return Snippet(
        key=row.key,
        kind=row.kind,
        titles=dict.fromkeys(LANGUAGES, row.title),
        pillar=row.pillar,
        agenda_kinds=tuple(k.strip() for k in row.agenda_kinds.split(",") if k.strip()),
        lead_days=row.days_before,
        max_length=row.max_length or KIND_MAX_LENGTH.get(row.kind, 1200),
        bodies=dict.fromkeys(LANGUAGES, row.body),
        origin="db",
    )
