"""inbox: the inbound twin of the outbox — every update stored before it is acknowledged.

Platforms deliver updates again when they get no 2xx, and never when they do. So an update
is stored first (`receive`; a redelivery finds its row and changes nothing), acknowledged,
handled right away, and its effect committed in the same transaction that marks it done
(`finish`). What failed after it was stored is tried again from the table (`due`). The
adapters decode the platforms' updates; this package only keeps the ledger.
"""

from __future__ import annotations

from bot.core.inbox.models import Inbound, InboundStatus
from bot.core.inbox.store import (
    LEASE,
    MAX_ATTEMPTS,
    AlreadyHandled,
    Stored,
    due,
    failed,
    finish,
    inbox_counts,
    prune,
    receive,
)

__all__ = [
    "LEASE",
    "MAX_ATTEMPTS",
    "AlreadyHandled",
    "Inbound",
    "InboundStatus",
    "Stored",
    "due",
    "failed",
    "finish",
    "inbox_counts",
    "prune",
    "receive",
]
