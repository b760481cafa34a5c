"""What a delivery is about, as real references rather than words inside its dedupe key.

A planner names its message's subject (`Plan.subject`); `plan_delivery` writes it into the
delivery's subject columns. Everything that later asks "which check-ins were about this
agreement?", "which snippets are planned for this moment?" or "cancel the invitations of
this round" asks those columns, with indexes and foreign keys, on SQLite and PostgreSQL
alike. The dedupe key stays what it was meant to be: only the idempotency key, free to
change its format without breaking a query.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from bot.core.outbox.models import Delivery


@dataclass(frozen=True)
class Subject:
    """The rows a message is about; unset fields are not part of it.

    Each field is a column of `Delivery` with the same name. A check-in names its
    agreement, a snippet its agenda moment and snippet key, a pulse message its round, a
    house notice its proposal (an objection also the objecting partner) or the adopted
    version, a flag or signal notice its flag or signal. The weekly digest and the notice
    about an unreachable account are about nothing in particular."""

    agreement_id: int | None = None
    agenda_item_id: int | None = None
    snippet_key: str | None = None  # a key, not a row: snippets may come from files
    round_id: int | None = None  # a pulse round
    proposal_id: int | None = None
    house_version_id: int | None = None
    partner_id: int | None = None  # the partner whose answer a message reports
    flag_id: int | None = None
    signal_id: int | None = None
    decision_id: int | None = None  # a decision the partners take by consent

    def columns(self) -> dict[str, int | str]:
        """The set fields, as `Delivery` column values."""
        return {name: value for name, value in asdict(self).items() if value is not None}

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions matching deliveries about (at least) this subject."""
        return [col(getattr(Delivery, name)) == value for name, value in self.columns().items()]


NOTHING = Subject()  # the digest, and other messages about nothing in particular
