"""toolkit link nonce

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 06:00:00.000000

`toolkit link PARTNER` shows the partner's current link again. The link is derived from
`ALLIANCEBOT_SECRET_KEY` and a random nonce stored here, so the server can derive it anew
while the database alone (nonce and fingerprint) still opens no page. Links made before this
release keep working; they have no nonce and can only be replaced, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partner") as batch:
        batch.add_column(
            sa.Column("toolkit_link_nonce", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("partner") as batch:
        batch.drop_column("toolkit_link_nonce")
