"""alliance: TODO docstring."""

from __future__ import annotations

from bot.core.alliance.file import AllianceFileError, read_alliance_file, read_house_file
from bot.core.alliance.invites import VALID_FOR, create_invite, redeem_invite
from bot.core.alliance.load import NoAllianceError, get_alliance, load_alliance
from bot.core.alliance.models import Invite

__all__ = [
    "VALID_FOR",
    "AllianceFileError",
    "Invite",
    "NoAllianceError",
    "create_invite",
    "get_alliance",
    "load_alliance",
    "read_alliance_file",
    "read_house_file",
    "redeem_invite",
]
