"""house: the shared core message (the message house) and how partners build it together.

Versions that are never overwritten, proposals and each partner's endorsement or objection,
the editable line format, the difference between versions, each partner's notes per pillar,
the notices that ask partners to answer; its chat commands, buttons and the propose form.
"""

from __future__ import annotations

from bot.core.house.commands import FEATURE
from bot.core.house.content import (
    HouseContent,
    PillarContent,
    adopt_version,
    current_version,
    house_markup,
    house_view,
    last_version_from_file,
    open_proposal,
    version_content,
)
from bot.core.house.diff import diff_houses
from bot.core.house.handlers import status_reply, submit_answer, submit_proposal
from bot.core.house.models import (
    Endorsement,
    EndorsementVerdict,
    HouseVersion,
    PartnerNote,
    Pillar,
    ProofPoint,
    Proposal,
    ProposalState,
)
from bot.core.house.proposals import (
    ProposalError,
    Verdict,
    history,
    proposal_status,
    version_by_number,
    withdraw,
)

__all__ = [
    "FEATURE",
    "Endorsement",
    "EndorsementVerdict",
    "FormatError",
    "HouseContent",
    "HouseVersion",
    "PartnerNote",
    "Pillar",
    "PillarContent",
    "ProofPoint",
    "Proposal",
    "ProposalError",
    "ProposalState",
    "Verdict",
    "adopt_version",
    "current_version",
    "diff_houses",
    "history",
    "house_markup",
    "house_view",
    "last_version_from_file",
    "open_proposal",
    "proposal_status",
    "status_reply",
    "submit_answer",
    "submit_proposal",
    "version_by_number",
    "version_content",
    "withdraw",
]
