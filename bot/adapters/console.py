"""The console adapter: the reference adapter, the demo's chat and the tests' harness.

It reads lines, turns each into a `Command` exactly as Slack and Telegram input is turned
into one, and prints the plain-text rendering of the reply. Works without a TTY, so tests
and scripts can pipe commands in.
"""

from __future__ import annotations

import logging
from typing import TextIO

from sqlalchemy import Engine

from bot.core.alliance import get_alliance
from bot.core.dispatch import command_from_text, handle, press
from bot.core.kernel import Button, LinkKey, Platform, Reply, Texts, language_of, person_by_key
from bot.db import session_scope
from bot.render.plain import render_plain

log = logging.getLogger(__name__)

QUIT_WORDS = frozenset({"quit", "exit", "stop", "klaar"})


class UnknownPersonError(LookupError):
    pass


class Conversation:
    """One person at the console. Remembers the last buttons, so typing 1 presses [1]."""

    def __init__(
        self,
        engine: Engine,
        person_key: str,
        public_url: str = "",
        link_key: LinkKey | None = None,
    ) -> None:
        self.engine = engine
        self.person_key = person_key
        self.public_url = public_url  # the web app's address, for links in replies
        self.link_key = link_key  # to show a toolkit link again
        self.buttons: tuple[Button, ...] = ()

    def answer(self, line: str) -> str:
        """One line in, one rendered reply out; a failure inside rolls back and says so."""
        try:
            with session_scope(self.engine) as session:
                alliance = get_alliance(session)
                person = person_by_key(session, alliance.id or 0, self.person_key)
                if person is None:
                    raise UnknownPersonError(self.person_key)
                number = line.strip()
                if number.isdigit() and 1 <= int(number) <= len(self.buttons):
                    action = self.buttons[int(number) - 1].action
                    reply = press(session, person.id or 0, action, Platform.CONSOLE)
                else:
                    reply = handle(
                        session,
                        command_from_text(
                            person.id or 0, line, Platform.CONSOLE, self.public_url, self.link_key
                        ),
                    )
        except UnknownPersonError:
            raise
        except Exception as error:  # a user must never see a traceback
            log.error("command failed (%s); nothing was changed", type(error).__name__)
            log.debug("command failed", exc_info=True)
            reply = Reply.from_markup(Texts(None).render("internal_error"))
        self.buttons = reply.buttons
        return render_plain(reply)


def answer_line(engine: Engine, person_key: str, line: str) -> str:
    """Answer a single line, without a conversation around it."""
    return Conversation(engine, person_key).answer(line)


def greeting(engine: Engine, person_key: str) -> str:
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        person = person_by_key(session, alliance.id or 0, person_key)
        if person is None:
            raise UnknownPersonError(person_key)
        texts = Texts(language_of(person, alliance))
        return texts.gettext(
            'Hello %(name)s. Type a command (for example "help"), or "quit" to stop.',
            name=person.name,
        )


def run_console(
    engine: Engine,
    person_key: str,
    stdin: TextIO,
    stdout: TextIO,
    interactive: bool,
    public_url: str = "",
    link_key: LinkKey | None = None,
) -> None:
    """Answer every line from `stdin` until it ends or the person types quit."""
    if interactive:
        stdout.write(greeting(engine, person_key) + "\n")
    conversation = Conversation(engine, person_key, public_url, link_key)
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        if not line.strip():
            continue
        if line.strip().lower() in QUIT_WORDS:
            break
        stdout.write(conversation.answer(line) + "\n\n")
        stdout.flush()
