"""Forms: what the core asks a person to fill in, and what they sent back.

Some things are easier in a form than in one typed line (a new message house, an
agreement with its partner and due date, a toolkit text). The core describes such a form
neutrally; an adapter shows it the way its platform can (Slack: a modal) and turns the
filled-in values back into a `Submission`, which goes through `bot.core.dispatch` like any
command. Problems come back per field (`Outcome.errors`), so nothing typed is lost: the
form stays open with the message next to what needs fixing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.core.kernel.replies import Reply

FieldKind = Literal["text", "line", "select", "multiselect", "date", "number"]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    """One input. `name` is how its value comes back; `initial` pre-fills it."""

    name: str
    label: str
    kind: FieldKind = "text"
    initial: str = ""
    optional: bool = False
    choices: tuple[Choice, ...] = ()
    minimum: int | None = None  # for numbers
    maximum: int | None = None


@dataclass(frozen=True)
class Form:
    """A form to fill in; `name` routes its submission back to the feature that asked."""

    name: str
    title: str
    submit: str
    close: str
    fields: tuple[FormField, ...]
    hint: str = ""  # small print under the fields (plain text)


@dataclass(frozen=True)
class Submission:
    """A filled-in form, from any platform: values by field name, as text."""

    person_id: int
    form: str
    values: Mapping[str, str]
    platform: str

    def value(self, name: str) -> str:
        return self.values.get(name, "") or ""


@dataclass(frozen=True)
class Outcome:
    """What a submission led to: problems per field (small markup; the form stays open and
    nothing was stored), or what the form turns into (`done_title` and `done`)."""

    errors: Mapping[str, str] = field(default_factory=dict)
    done_title: str = ""
    done: Reply | None = None

    @classmethod
    def problem(cls, field_name: str, markup: str) -> Outcome:
        return cls(errors={field_name: markup})
