"""partner pseudo-cooperation flags become declining follow-up

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 06:05:00.000000

Pseudo-cooperation is now judged only for the alliance and for regions; a partner is flagged
`declining_follow_up`. Stored partner-level episodes of kind `pseudo_cooperation` meant "this
partner's follow-up declined while it kept making agreements": they become
`declining_follow_up` and keep that second half in their numbers (`"kept_pace": true`,
`"was": "pseudo_cooperation"`), so their history reads the same. Their stored explanations
are the words advisers were shown and stay as they are. Region-level episodes keep their
kind. Downgrading gives the marked rows their old kind back.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

flag = sa.table(
    "flag",
    sa.column("id", sa.Integer()),
    sa.column("family", sa.String()),
    sa.column("level", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("detail", sa.JSON()),
)
OLD, NEW = "pseudo_cooperation", "declining_follow_up"


def _rewrite(kind: str, where: Any, change: Any) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(flag.c.id, flag.c.detail).where(
            flag.c.family == "follow_up", flag.c.level == "partner", where
        )
    ).all()
    for row in rows:
        detail = change(dict(row.detail or {}))
        if detail is None:
            continue
        connection.execute(
            flag.update().where(flag.c.id == row.id).values(kind=kind, detail=detail)
        )


def _mark(detail: dict[str, Any]) -> dict[str, Any]:
    numbers = dict(detail.get("numbers") or {})
    numbers.update(kept_pace=True, was=OLD)
    return {**detail, "numbers": numbers}


def _unmark(detail: dict[str, Any]) -> dict[str, Any] | None:
    numbers = dict(detail.get("numbers") or {})
    if numbers.get("was") != OLD:
        return None
    numbers.pop("was")
    numbers.pop("kept_pace", None)
    return {**detail, "numbers": numbers}


def upgrade() -> None:
    _rewrite(NEW, flag.c.kind == OLD, _mark)


def downgrade() -> None:
    _rewrite(OLD, flag.c.kind == NEW, _unmark)
