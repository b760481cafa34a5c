"""followup: agreements made at the table, and whether they are followed up.

The register (CSV import, chat, a form), check-ins around due dates, per-period measures in
SQL, and the decline rule that raises follow-up flags through `attention` — in the daily
job, never in a read command.
"""

from __future__ import annotations

from bot.core.followup.agreements import (
    AgreementFileError,
    agreement_json,
    import_agreements,
    key_maps,
    list_agreements,
    parse_agreements_csv,
)
from bot.core.followup.changes import (
    Actor,
    ChangeError,
    drop_agreement,
    find_agreement,
    history,
    move_agreement,
    undo_change,
)
from bot.core.followup.checkins import plan_checkins
from bot.core.followup.commands import FEATURE
from bot.core.followup.decline import (
    PERIOD,
    AgreementFacts,
    Flag,
    flag_follow_up,
    period_index,
    period_start,
)
from bot.core.followup.detection import explain, follow_up_flags, refresh_follow_up_flags
from bot.core.followup.handlers import AWAITING_HARVEST, first_visible_key
from bot.core.followup.measures import measures_by_group
from bot.core.followup.models import (
    Agreement,
    AgreementChange,
    AgreementStatus,
    ChangeKind,
    CheckIn,
    CheckInStatus,
)

__all__ = [
    "AWAITING_HARVEST",
    "FEATURE",
    "PERIOD",
    "Actor",
    "Agreement",
    "AgreementChange",
    "AgreementFacts",
    "AgreementFileError",
    "AgreementStatus",
    "ChangeError",
    "ChangeKind",
    "CheckIn",
    "CheckInStatus",
    "EntryError",
    "Flag",
    "agreement_json",
    "drop_agreement",
    "explain",
    "find_agreement",
    "first_visible_key",
    "flag_follow_up",
    "follow_up_flags",
    "history",
    "import_agreements",
    "key_maps",
    "list_agreements",
    "measures_by_group",
    "move_agreement",
    "parse_agreements_csv",
    "period_index",
    "period_start",
    "plan_checkins",
    "refresh_follow_up_flags",
    "undo_change",
]
