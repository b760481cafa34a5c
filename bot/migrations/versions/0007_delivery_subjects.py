"""delivery subjects

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 01:32:10.618235

A delivery says what it is about in columns of its own (agreement, agenda moment and
snippet, pulse round, proposal, adopted house version, partner, flag, signal) instead of
inside its dedupe key; the file name of its image and a place for a chart description come
along. Existing rows are back-filled from their dedupe keys: this is the one place that
reads the keys' formats, once. A key that does not say what its planner wrote, or names a
row that is gone, leaves the column empty rather than failing the upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# subject column -> the table it refers to
REFERENCES = {
    "agreement_id": "agreement",
    "agenda_item_id": "agendaitem",
    "round_id": "pulseround",
    "proposal_id": "proposal",
    "house_version_id": "houseversion",
    "partner_id": "partner",
    "flag_id": "flag",
    "signal_id": "signal",
}
# (key prefix, kind) -> the subject column the key's first part names, as planners wrote them
NUMBERED = {
    ("checkin", "checkin"): "agreement_id",  # checkin:<agreement>:<stage>:<person>
    ("help", "notice"): "agreement_id",  # help:<agreement>:<day>
    ("pulse", "pulse"): "round_id",  # pulse:<round>:<person>
    ("pulse-reminder", "reminder"): "round_id",  # pulse-reminder:<round>:<person>:<n>
    ("pulse-heard", "notice"): "round_id",  # pulse-heard:<round>:<person>
    ("pulse-report", "notice"): "round_id",  # pulse-report:<round>
    ("flag", "flag"): "flag_id",  # flag:<flag>[:<person>]
    ("signal", "signal"): "signal_id",  # signal:<signal>[:<status>]
}


def _fk(column: str) -> str:
    return f"fk_delivery_{column}_{REFERENCES[column]}"


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agreement_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("agenda_item_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("snippet_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("proposal_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("house_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("partner_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("flag_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("signal_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("image_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(sa.Column("chart", sa.JSON(), nullable=True))
        for column, table in REFERENCES.items():
            batch_op.create_index(batch_op.f(f"ix_delivery_{column}"), [column], unique=False)
            batch_op.create_foreign_key(_fk(column), table, [column], ["id"], ondelete="SET NULL")
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        for column in reversed(REFERENCES):
            batch_op.drop_constraint(_fk(column), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_delivery_{column}"))
        for column in ("chart", "image_name", "snippet_key", *reversed(REFERENCES)):
            batch_op.drop_column(column)


# --- back-fill: what the old dedupe keys said ------------------------------------------------


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def subject_of(kind: str, key: str) -> dict[str, int | str]:
    """The subject an old key names, by the format its planner wrote; {} when unknown."""
    prefix, _colon, rest = key.partition(":")
    parts = rest.split(":")
    first = _number(parts[0])
    if (prefix, kind) in NUMBERED:
        return {NUMBERED[(prefix, kind)]: first} if first is not None else {}
    if (prefix, kind) == ("snippet", "snippet"):  # snippet:<item>:<snippet>:<person>:...
        if first is None or len(parts) < 3 or not parts[1]:
            return {}
        return {"agenda_item_id": first, "snippet_key": parts[1]}
    if (prefix, kind) == ("house", "house"):
        if parts[0].startswith("v"):  # house:v<version>:<person>|channel (a version number)
            version = _number(parts[0][1:])
            return {"house_version": version} if version is not None else {}
        if first is None:  # house:<proposal>:ask|remind:<person>
            return {}
        found: dict[str, int | str] = {"proposal_id": first}
        if len(parts) >= 3 and parts[1] == "objection":  # ...:objection:<partner>:<person>
            partner = _number(parts[2])
            if partner is not None:
                found["partner_id"] = partner
        return found
    return {}


def _existing(connection: sa.Connection) -> dict[str, set[int]]:
    """The ids each subject column may refer to (a key may name a row that is gone)."""
    return {
        column: set(connection.execute(sa.select(sa.table(table, sa.column("id")).c.id)).scalars())
        for column, table in REFERENCES.items()
    }


def _versions(connection: sa.Connection) -> dict[tuple[int, int], int]:
    versions = sa.table(
        "houseversion", sa.column("id"), sa.column("alliance_id"), sa.column("version")
    )
    rows = connection.execute(sa.select(versions.c.alliance_id, versions.c.version, versions.c.id))
    return {(alliance, version): row_id for alliance, version, row_id in rows}


def _backfill(connection: sa.Connection) -> None:
    delivery = sa.table(
        "delivery",
        sa.column("id"),
        sa.column("alliance_id"),
        sa.column("kind"),
        sa.column("dedupe_key"),
        sa.column("image"),
        *(sa.column(name) for name in (*REFERENCES, "snippet_key", "image_name")),
    )
    existing, versions = _existing(connection), _versions(connection)
    rows = connection.execute(
        sa.select(
            delivery.c.id,
            delivery.c.alliance_id,
            delivery.c.kind,
            delivery.c.dedupe_key,
            delivery.c.image.is_not(None),
        )
    ).all()
    updates = []
    for row_id, alliance_id, kind, key, has_image in rows:
        found = subject_of(kind or "", key or "")
        if "house_version" in found:
            found = {"house_version_id": versions.get((alliance_id, int(found["house_version"])))}
        values: dict[str, object] = {name: None for name in (*REFERENCES, "snippet_key")}
        for name, value in found.items():
            if name == "snippet_key" or value in existing.get(name, ()):
                values[name] = value
        # the name the worker gave the image: the key's first word (`pulse-report.png`)
        values["image_name"] = (
            f"{(key or '').split(':', 1)[0] or 'image'}.png" if has_image else None
        )
        if any(value is not None for value in values.values()):
            updates.append({"row_id": row_id, **values})
    if updates:
        connection.execute(
            delivery.update()
            .where(delivery.c.id == sa.bindparam("row_id"))
            .values({name: sa.bindparam(name) for name in updates[0] if name != "row_id"}),
            updates,
        )
