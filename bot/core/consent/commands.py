"""Decisions in the conversation: the `besluit`/`decision` command and the buttons under a
proposal. Proposing is the owning feature's command (`fase voorstel …`); answering is here,
the same for every kind."""

from __future__ import annotations

from bot.core.consent.handlers import handle_decision, press_answer
from bot.core.consent.models import Verdict
from bot.core.consent.notices import ENDORSE, OBJECT
from bot.core.kernel import ADVISER, ButtonVerb, ChatCommand, CommandSpec, Feature, SubCommand, _

FEATURE = Feature(
    "consent",
    commands=(
        ChatCommand(
            CommandSpec(
                "decision",
                "decision",
                "besluit",
                frozenset({ADVISER}),
                _("decisions the partners take together: endorse or object"),
                usage=_("[endorse|object|withdraw] [number]"),
                subcommands=(
                    SubCommand("", "", _("the open decisions and who answered")),
                    SubCommand("endorse", "onderschrijf", _("endorse for your partner"), "1"),
                    SubCommand(
                        "object",
                        "bezwaar",
                        _("object for your partner, with a reason"),
                        _("1 We have not discussed this in our board yet."),
                    ),
                    SubCommand("withdraw", "intrekken", _("take a proposal back"), "1"),
                ),
            ),
            handle_decision,
        ),
    ),
    buttons=(
        ButtonVerb(ENDORSE, lambda c, action: press_answer(c, Verdict.ENDORSE, action.args[0])),
        ButtonVerb(OBJECT, lambda c, action: press_answer(c, Verdict.OBJECT, action.args[0])),
    ),
)
