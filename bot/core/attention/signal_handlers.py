"""Chat commands and buttons for regional signals."""

from __future__ import annotations

from bot.core.attention.models import Signal
from bot.core.attention.signals import STATUS_VERBS, mark_signal, record_signal
from bot.core.kernel import Context, Reply, Role, database_id

ANONYMOUS_WORDS = frozenset({"anoniem", "anonymous"})
AWAITING_SIGNAL = "signal"
AWAITING_ANONYMOUS = "signal:anonymous"
MAX_SIGNAL_LENGTH = 2000  # a signal is read at a national table: a few paragraphs at most


def handle_signal(context: Context) -> Reply:
    """`/signal <text>`, `/signal anoniem <text>`, or `/signal` and then the next message."""
    first, _space, rest = context.command.args.strip().partition(" ")
    anonymous = first.lower() in ANONYMOUS_WORDS
    text = rest.strip() if anonymous else context.command.args.strip()
    if not text:
        context.person.awaiting = AWAITING_ANONYMOUS if anonymous else AWAITING_SIGNAL
        return context.reply("signal_ask", anonymous=anonymous)
    return _record(context, text, anonymous)


def _record(context: Context, text: str, anonymous: bool) -> Reply:
    if len(text) > MAX_SIGNAL_LENGTH:  # still waiting: a shorter version is welcome
        return context.reply("too_long", limit=MAX_SIGNAL_LENGTH, length=len(text))
    context.person.awaiting = None
    signal = record_signal(context.session, context.alliance, context.person, text, anonymous)
    return context.reply("signal_thanks", signal=signal, anonymous=anonymous)


def continue_awaiting(context: Context, text: str) -> Reply | None:
    """The message after a bare `/signal`; None when nothing was awaited."""
    awaiting = context.person.awaiting
    if awaiting not in (AWAITING_SIGNAL, AWAITING_ANONYMOUS):
        return None
    return _record(context, text, awaiting == AWAITING_ANONYMOUS)


def press_signal(context: Context, verb: str, signal_id: str) -> Reply:
    if Role.ADVISER not in context.person.role_set:
        return context.refuse("signal_not_adviser")
    row_id = database_id(signal_id)
    signal = context.session.get(Signal, row_id) if row_id else None
    if signal is None or signal.alliance_id != context.alliance.id:
        return context.stale()
    status = STATUS_VERBS[verb]
    changed = mark_signal(context.session, context.alliance, context.person, signal, status)
    return context.reply("signal_marked", signal=signal, status=status, changed=changed)
