"""flag sharing

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 05:40:00.000000

A partner's follow-up decline is told first, privately, to the coordinators and that
partner's own advisers; the advisers' channel hears about it once one of them shares it.
`flag.shared_at` and `flag.shared_by_id` record when and by whom. Flags that exist already
were told under the old rule (to the channel, or to every adviser), so they count as shared
at the moment they were raised, by nobody in particular.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_flag_shared_by_id_person"


def upgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shared_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("shared_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FOREIGN_KEY, "person", ["shared_by_id"], ["id"])
    op.execute(sa.text("UPDATE flag SET shared_at = raised_at"))


def downgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_column("shared_by_id")
        batch_op.drop_column("shared_at")
