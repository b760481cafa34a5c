"""consent: decisions the partners take together

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 08:50:00.000000

`decision` holds a proposal of some kind (the alliance's phase, its positioning) that the
partners endorse or object to; `decisionanswer` each partner's answer (one per partner).
`delivery.decision_id` names the decision a notice is about, so that closing a decision
cancels its pending asks.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_delivery_decision_id_decision"


def upgrade() -> None:
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_alliance_id"), ["alliance_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_status"), ["status"], unique=False)
    op.create_table(
        "decisionanswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id", "partner_id"),
    )
    with op.batch_alter_table("decisionanswer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decisionanswer_decision_id"), ["decision_id"], unique=False
        )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_delivery_decision_id"), ["decision_id"], unique=False)
        batch_op.create_foreign_key(
            FOREIGN_KEY, "decision", ["decision_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_delivery_decision_id"))
        batch_op.drop_column("decision_id")
    with op.batch_alter_table("decisionanswer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisionanswer_decision_id"))
    op.drop_table("decisionanswer")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_status"))
        batch_op.drop_index(batch_op.f("ix_decision_kind"))
        batch_op.drop_index(batch_op.f("ix_decision_alliance_id"))
    op.drop_table("decision")
