"""e-mail for partner contacts

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-01 09:00:00.000000

`person.channel`: where unsolicited messages reach a person (`slack`, `telegram`, `email`;
NULL: the first they have). `actionlink`: the signed, expiring links an e-mail carries
(its buttons, unsubscribe, channel choice), stored as hashes, used once. E-mail addresses
become `identity` rows with platform `email` when the alliance file is loaded again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table(
        "actionlink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("slot", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id", "slot"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("actionlink", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actionlink_alliance_id"), ["alliance_id"])
        batch_op.create_index(batch_op.f("ix_actionlink_delivery_id"), ["delivery_id"])
        batch_op.create_index(batch_op.f("ix_actionlink_person_id"), ["person_id"])


def downgrade() -> None:
    with op.batch_alter_table("actionlink", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actionlink_person_id"))
        batch_op.drop_index(batch_op.f("ix_actionlink_delivery_id"))
        batch_op.drop_index(batch_op.f("ix_actionlink_alliance_id"))
    op.drop_table("actionlink")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("channel")
