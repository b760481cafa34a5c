"""reflection: lens checks, the alliance's phase, the learning agenda

Revision ID: 0016b
Revises: 0016
Create Date: 2026-12-01 09:30:00.000000

`pulseround.kind` tells a lens check (two statements per lens) from a regular round;
`phasechange` holds the alliance's phase over time (from the alliance file or adopted by
consent); `learningitem` the learning agenda, closed items with their lesson.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016b"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pulseround", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="pulse"
            )
        )
    op.create_table(
        "phasechange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("phasechange", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phasechange_alliance_id"), ["alliance_id"], unique=False
        )
    op.create_table(
        "learningitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("lesson", sa.Text(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.ForeignKeyConstraint(["added_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["closed_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("learningitem", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learningitem_alliance_id"), ["alliance_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("learningitem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learningitem_alliance_id"))
    op.drop_table("learningitem")
    with op.batch_alter_table("phasechange", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phasechange_alliance_id"))
    op.drop_table("phasechange")
    with op.batch_alter_table("pulseround", schema=None) as batch_op:
        batch_op.drop_column("kind")
