"""outbox: the unsolicited path — the core never sends, it plans rows here.

Planning a `Delivery` once per dedupe key, at a humane moment (mute, quiet hours in the
reader's zone, the weekly cap), to an account that can be reached; and the worker's queue:
claiming due rows, retrying, marking them sent, failed or unreachable. Every capability
that sends something unasked plans it through this package.
"""

from __future__ import annotations

from bot.core.outbox.budget import pause, reserve
from bot.core.outbox.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    SendBudget,
    WorkerHeartbeat,
)
from bot.core.outbox.planning import (
    Plan,
    PlanResult,
    cancel_pending,
    mute,
    outbox_counts,
    plan_delivery,
    plan_many,
)
from bot.core.outbox.queue import (
    BASE_BACKOFF_SECONDS,
    active_workers,
    claim_next,
    delivery_reply,
    forget_worker,
    heartbeat,
    mark_failed,
    mark_retry,
    mark_sent,
    readiness,
    reclaim_abandoned,
    release,
    retry_due_soon,
    unreachable_accounts,
)
from bot.core.outbox.reach import (
    PLATFORMS,
    UNSUBSCRIBED,
    channel_order,
    channels_of,
    email_identity,
    reachable_of_partner,
    reachable_of_partners,
    set_channel,
    unsubscribe,
)
from bot.core.outbox.subjects import NOTHING, Subject

__all__ = [
    "BASE_BACKOFF_SECONDS",
    "NOTHING",
    "PLATFORMS",
    "UNSUBSCRIBED",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "Plan",
    "PlanResult",
    "SendBudget",
    "Subject",
    "WorkerHeartbeat",
    "active_workers",
    "cancel_pending",
    "channel_order",
    "channels_of",
    "claim_next",
    "delivery_reply",
    "email_identity",
    "forget_worker",
    "heartbeat",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "mute",
    "outbox_counts",
    "pause",
    "plan_delivery",
    "plan_many",
    "reachable_of_partner",
    "reachable_of_partners",
    "readiness",
    "reclaim_abandoned",
    "release",
    "reserve",
    "retry_due_soon",
    "set_channel",
    "unreachable_accounts",
    "unsubscribe",
]
