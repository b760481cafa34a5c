"""The e-mail action links: one row per link an e-mail carries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.kernel import utcnow


class LinkKind(StrEnum):
    """What opening a link offers to do (stored as plain text)."""

    PRESS = "press"  # one of the message's buttons: used / adapted, done / stuck, endorse …
    UNSUBSCRIBE = "unsubscribe"  # no more e-mail to this address (RFC 8058 one-click too)
    CHANNEL = "channel"  # choose where unsolicited messages reach me


class ActionLink(SQLModel, table=True):
    """A signed, expiring link in one e-mail. Only the token's SHA-256 is stored (a leaked
    database opens nothing); with `ALLIANCEBOT_SECRET_KEY` the token is derived from the key
    and `nonce`, so a retried e-mail carries the same links. `used_at` makes a press or an
    unsubscribe act once, however often the page is posted."""

    __table_args__ = (UniqueConstraint("delivery_id", "slot"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    slot: str  # which link of the e-mail: `button:0`, `unsubscribe`, `channel`
    kind: str  # a `LinkKind`
    action: str = ""  # the button's action id, for a press
    label: str = ""  # the button's words, shown on the confirmation page
    nonce: str
    token_hash: str = Field(unique=True)
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
