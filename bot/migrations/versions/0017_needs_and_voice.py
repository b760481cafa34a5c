"""needs first: partner profiles, the intake, spokespeople, the alliance's task

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 09:00:00.000000

A partner's intake answers become versioned profiles (`partnerprofile`), an intake under
way is kept per person (`intakedraft`), a person's individual interest apart from the
profile (`individualinterest`). The spokespeople register (`spokesperson`). The alliance
gains its `task` (what branded snippets put in front) and `positioning_from_file`, so that
a positioning adopted by consent survives loading an unchanged alliance file.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANSWERS = ("needs", "brings", "own_goal", "interests", "constituency_needs", "no_go", "proud_of")


def upgrade() -> None:
    with op.batch_alter_table("alliance", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("positioning_from_file", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(sa.Column("task", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "partnerprofile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Text(), nullable=False) for name in ANSWERS),
        sa.Column("shared", sa.JSON(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partner_id", "version"),
    )
    with op.batch_alter_table("partnerprofile", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partnerprofile_alliance_id"), ["alliance_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_partnerprofile_partner_id"), ["partner_id"], unique=False
        )
    op.create_table(
        "intakedraft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("asking_share", sa.Boolean(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("shared", sa.JSON(), nullable=True),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id"),
    )
    with op.batch_alter_table("intakedraft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intakedraft_alliance_id"), ["alliance_id"], unique=False
        )
    op.create_table(
        "individualinterest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id"),
    )
    with op.batch_alter_table("individualinterest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_individualinterest_alliance_id"), ["alliance_id"], unique=False
        )
    op.create_table(
        "spokesperson",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("pillar", sa.Integer(), nullable=True),
        sa.Column("theme", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("function", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("spokesperson", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_spokesperson_alliance_id"), ["alliance_id"], unique=False
        )


def downgrade() -> None:
    for table in ("spokesperson", "individualinterest", "intakedraft", "partnerprofile"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_alliance_id"))
            if table == "partnerprofile":
                batch_op.drop_index(batch_op.f("ix_partnerprofile_partner_id"))
        op.drop_table(table)
    with op.batch_alter_table("alliance", schema=None) as batch_op:
        batch_op.drop_column("task")
        batch_op.drop_column("positioning_from_file")
