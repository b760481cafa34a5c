"""harvest: what finished agreements brought, credited to the partners.

A result per finished agreement (asked after "done", skippable) or reported by anyone
(`oogst nieuw`), listed for the operator (`harvest list`), turned into a proof point of the
message house by a coordinator through the house's own proposal flow, and told to everyone
once a month ("what we achieved together"). Above `followup` and `house`, which it reads.
"""

from __future__ import annotations

from bot.core.harvest.commands import FEATURE
from bot.core.harvest.models import Harvest
from bot.core.harvest.proof import plan_together, to_proof
from bot.core.harvest.records import (
    HarvestError,
    add_harvest,
    harvest_csv,
    harvest_rows,
    is_coordinator,
    split_figure,
)

__all__ = [
    "FEATURE",
    "Harvest",
    "HarvestError",
    "add_harvest",
    "harvest_csv",
    "harvest_rows",
    "is_coordinator",
    "plan_together",
    "split_figure",
    "to_proof",
]
