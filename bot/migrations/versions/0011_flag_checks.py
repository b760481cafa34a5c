"""flag checks

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 04:50:00.000000

`flags` in chat and `agreements flags` show the flags as the last detection left them and
say when that was; `flagcheck` remembers, per alliance and flag family, the moment
detection last ran. Existing databases start with none: the reads say detection has not run
yet until the next daily flags job (or pulse close) records it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flagcheck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("family", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alliance_id"],
            ["alliance.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "family"),
    )


def downgrade() -> None:
    op.drop_table("flagcheck")
