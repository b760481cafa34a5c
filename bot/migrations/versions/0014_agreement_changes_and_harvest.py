"""agreement changes and harvest (issue 18, part B)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 05:30:00.000000

Agreements can be moved and let go: `agreementchange` keeps each renegotiation (old and new
due date, status, reason, who, when; an undo marks the row). `agreement.note` holds the
CSV's `note` column. `harvest` holds what finished agreements brought, credited to a
partner, and the proposal it became a proof point in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
    op.create_table(
        "agreementchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("old_due", sa.Date(), nullable=False),
        sa.Column("new_due", sa.Date(), nullable=False),
        sa.Column("old_status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("new_status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("undone_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("undone_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agreementchange", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreementchange_agreement_id"), ["agreement_id"], unique=False
        )
    op.create_table(
        "harvest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("figure", sa.Float(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"]),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"]),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("harvest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_harvest_alliance_id"), ["alliance_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_harvest_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("harvest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_created_at"))
        batch_op.drop_index(batch_op.f("ix_harvest_alliance_id"))
        batch_op.drop_index(batch_op.f("ix_harvest_agreement_id"))
    op.drop_table("harvest")
    with op.batch_alter_table("agreementchange", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreementchange_agreement_id"))
    op.drop_table("agreementchange")
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.drop_column("note")
