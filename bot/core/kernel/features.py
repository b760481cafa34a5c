"""What a capability registers: its chat commands, its buttons and the replies it waits for.

Each feature declares these once, in its own `commands.py`, and `bot.core.dispatch` merges
the features into one `Registry`. There is no second table to keep in step: help, Telegram's
command menu, the Slack usage hint, the handler of a command and the decoder of a button all
come from the same declaration, and the registry refuses a name or a verb that two features
claim (at import, so every test run would notice).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.core.kernel.actions import Action, Verb
from bot.core.kernel.commands import CommandSpec
from bot.core.kernel.context import Context
from bot.core.kernel.forms import Form, Outcome, Submission
from bot.core.kernel.replies import Reply

Handler = Callable[[Context], Reply]
Press = Callable[[Context, Action], Reply]
# A plain message (not a command) may answer a question the bot asked; a prompt returns
# None when the person's message is not the answer it waits for.
Prompt = Callable[[Context, str], Reply | None]
# A form's content for this person; a Reply where they may not use it (the reason why);
# None where a form makes no sense now: the command is then answered as if typed.
FormBuilder = Callable[[Context], Form | Reply | None]
FormSubmit = Callable[[Context, Submission], Outcome]
# What a feature adds under another feature's command (None: nothing this time); how a
# capability higher up shows its part in a lower one's view without the lower one importing it.
Addition = Callable[[Context], Reply | None]


@dataclass(frozen=True)
class Extension:
    command: str  # the key of the command whose reply it extends
    add: Addition


@dataclass(frozen=True)
class ChatCommand:
    spec: CommandSpec
    handle: Handler


@dataclass(frozen=True)
class ButtonVerb:
    verb: Verb
    press: Press


@dataclass(frozen=True)
class FormEntry:
    """A form that a command opens where forms can be shown (a bare `propose`, `agreements
    new`), and what submitting it does. `when` holds the arguments that open it, lower-case
    ("" for the bare command); with other arguments the command is answered as typed."""

    name: str
    command: str
    when: frozenset[str]
    first_field: str  # where a problem that belongs to no one field is shown
    build: FormBuilder
    submit: FormSubmit


@dataclass(frozen=True)
class Feature:
    """One capability's part of the conversation; the order of `commands` is help's order."""

    name: str
    commands: tuple[ChatCommand, ...] = ()
    buttons: tuple[ButtonVerb, ...] = ()
    prompts: tuple[Prompt, ...] = ()
    forms: tuple[FormEntry, ...] = ()
    extensions: tuple[Extension, ...] = ()


class Registry:
    """The features merged: lookups by key, by typed name and by a button's verb."""

    def __init__(self, features: Iterable[Feature]) -> None:
        self.features = tuple(features)
        self.entries: dict[str, ChatCommand] = {}
        self.names: dict[str, CommandSpec] = {}
        self.verbs: dict[str, ButtonVerb] = {}
        for feature in self.features:
            for entry in feature.commands:
                self._add_command(feature.name, entry)
            for button in feature.buttons:
                if button.verb.code in self.verbs:
                    raise ValueError(f"{feature.name}: verb {button.verb.code!r} is taken")
                self.verbs[button.verb.code] = button
        self.forms: dict[str, FormEntry] = {}
        for feature in self.features:
            for form in feature.forms:
                if form.name in self.forms or form.command not in self.entries:
                    raise ValueError(f"{feature.name}: form {form.name!r} is taken or orphaned")
                self.forms[form.name] = form
        self.commands = tuple(entry.spec for entry in self.entries.values())
        self.prompts = tuple(prompt for feature in self.features for prompt in feature.prompts)
        self.additions: dict[str, list[Addition]] = {}
        for feature in self.features:
            for extension in feature.extensions:
                if extension.command not in self.entries:
                    raise ValueError(f"{feature.name}: extends unknown {extension.command!r}")
                self.additions.setdefault(extension.command, []).append(extension.add)

    def _add_command(self, feature: str, entry: ChatCommand) -> None:
        spec = entry.spec
        if spec.key in self.entries:
            raise ValueError(f"{feature}: command {spec.key!r} is taken")
        for name in {spec.english, spec.dutch, *spec.aliases}:
            if name in self.names:
                raise ValueError(f"{feature}: the name {name!r} is taken")
            self.names[name] = spec
        self.entries[spec.key] = entry

    @property
    def by_key(self) -> Mapping[str, CommandSpec]:
        return {key: entry.spec for key, entry in self.entries.items()}

    def find(self, word: str) -> CommandSpec | None:
        return self.names.get(word.lower())

    def handler(self, key: str) -> Handler | None:
        entry = self.entries.get(key)
        return entry.handle if entry else None

    def form_opened_by(self, spec: CommandSpec | None, args: str) -> FormEntry | None:
        if spec is None:
            return None
        wanted = args.strip().lower()
        return next(
            (f for f in self.forms.values() if f.command == spec.key and wanted in f.when), None
        )
