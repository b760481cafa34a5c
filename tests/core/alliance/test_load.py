"""Loading the alliance file into the database: idempotent, in place, never deleting."""

from __future__ import annotations

import copy
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from bot.core.alliance.file import AllianceFile, parse_alliance_document, read_alliance_file
from bot.core.alliance.load import LoadReport, get_alliance, load_alliance
from bot.core.house.content import HouseContent, PillarContent, current_version, version_content
from bot.core.house.models import HouseVersion, Pillar, ProofPoint
from bot.core.kernel.models import Alliance, AuditEvent, Identity, Partner, Person, Region
from bot.db import session_scope

DEMO_FILE = Path(__file__).parents[3] / "bot" / "demo" / "alliance.toml"

TABLES: tuple[type[SQLModel], ...] = (
    Alliance,
    Partner,
    Region,
    Person,
    Identity,
    HouseVersion,
    Pillar,
    ProofPoint,
    AuditEvent,
)


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A copy of the demo file (with its agendas) that a test may edit."""
    folder = tmp_path / "alliance"
    folder.mkdir()
    shutil.copy(DEMO_FILE, folder / "alliance.toml")
    shutil.copytree(DEMO_FILE.parent / "agendas", folder / "agendas")
    return folder / "alliance.toml"


@pytest.fixture
def raw_demo() -> dict[str, Any]:
    return tomllib.loads(DEMO_FILE.read_text(encoding="utf-8"))


def load(engine: Engine, document: AllianceFile, base_dir: Path) -> LoadReport:
    with session_scope(engine) as session:
        return load_alliance(session, document, base_dir)


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every column of every row the loader touches, per table, by id."""
    with Session(engine) as session:
        return {
            model.__name__: [
                row.model_dump()
                for row in session.exec(select(model).order_by(col(model.id)))  # type: ignore[attr-defined]
            ]
            for model in TABLES
        }


def by_key(engine: Engine, model: type[Any]) -> dict[str, Any]:
    with Session(engine) as session:
        return {row.key: row for row in session.exec(select(model))}


def person_with_key(raw: dict[str, Any], key: str) -> dict[str, Any]:
    return next(p for p in raw["people"] if p["key"] == key)


# -- idempotence ---------------------------------------------------------------------------


def test_a_first_load_creates_every_row(engine: Engine, demo_copy: Path) -> None:
    report = load(engine, read_alliance_file(demo_copy), demo_copy.parent)

    assert report.changed
    assert report.changes["alliance created"] == 1
    assert report.changes["partners created"] == 6
    assert report.changes["regions created"] == 3
    assert report.changes["people created"] == 17
    assert report.changes["accounts linked"] == 10  # 3 Slack + 6 Telegram + 1 e-mail
    assert report.changes["message house versions"] == 1
    rows = snapshot(engine)
    assert {name: len(found) for name, found in rows.items()} == {
        "Alliance": 1,
        "Partner": 6,
        "Region": 3,
        "Person": 17,
        "Identity": 10,
        "HouseVersion": 1,
        "Pillar": 3,
        "ProofPoint": 7,
        "AuditEvent": 1,
    }
    partners = by_key(engine, Partner)
    assert partners["woonkracht"].agenda_source == str(
        (demo_copy.parent / "agendas" / "woonkracht.ics").resolve()
    )
    assert partners["welzijn"].agenda_source is None


def test_loading_the_same_document_twice_changes_nothing(engine: Engine, demo_copy: Path) -> None:
    document = read_alliance_file(demo_copy)
    load(engine, document, demo_copy.parent)
    before = snapshot(engine)

    second = load(engine, read_alliance_file(demo_copy), demo_copy.parent)

    assert second.changed is False
    assert not second.changes
    assert second.summary() == "no changes"
    after = snapshot(engine)
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    # Same ids, same updated_at, same everything; and no audit event for a no-op.
    assert after == before


def test_listing_roles_in_another_order_is_not_a_change(
    engine: Engine, raw_demo: dict[str, Any], tmp_path: Path
) -> None:
    load(engine, parse_alliance_document(raw_demo), tmp_path)
    edited = copy.deepcopy(raw_demo)
    person_with_key(edited, "frank")["roles"] = ["partner", "adviser", "partner"]

    report = load(engine, parse_alliance_document(edited), tmp_path)

    assert report.changed is False, report.summary()
    assert by_key(engine, Person)["frank"].role_set == {"adviser", "partner"}


# -- updates in place ----------------------------------------------------------------------


def test_edits_update_the_same_rows_in_place(
    engine: Engine, raw_demo: dict[str, Any], tmp_path: Path
) -> None:
    load(engine, parse_alliance_document(raw_demo), tmp_path)
    before = snapshot(engine)
    partner_ids = {k: row.id for k, row in by_key(engine, Partner).items()}
    person_ids = {k: row.id for k, row in by_key(engine, Person).items()}

    edited = copy.deepcopy(raw_demo)
    next(p for p in edited["partners"] if p["key"] == "welzijn")["name"] = "Welzijn Betuwe-West"
    person_with_key(edited, "dirk")["roles"] = ["adviser", "ambassador"]
    report = load(engine, parse_alliance_document(edited), tmp_path)

    assert report.changed
    assert report.changes == {"partners updated": 1, "people updated": 1}
    partners = by_key(engine, Partner)
    people = by_key(engine, Person)
    assert {k: row.id for k, row in partners.items()} == partner_ids
    assert {k: row.id for k, row in people.items()} == person_ids
    assert partners["welzijn"].name == "Welzijn Betuwe-West"
    assert people["dirk"].role_set == {"adviser", "ambassador"}
    after = snapshot(engine)
    for table in ("Partner", "Person", "Region", "Identity", "HouseVersion", "Pillar"):
        assert len(after[table]) == len(before[table]), table
    # The rows nobody edited are untouched, column for column.
    untouched = [p for p in after["Person"] if p["key"] != "dirk"]
    assert untouched == [p for p in before["Person"] if p["key"] != "dirk"]
    # An actual change leaves a trace in the audit log.
    assert len(after["AuditEvent"]) == len(before["AuditEvent"]) + 1
    assert after["AuditEvent"][-1]["action"] == "alliance.loaded"
    assert after["AuditEvent"][-1]["detail"] == {"partners updated": 1, "people updated": 1}


def test_editing_the_alliance_section_updates_it_and_its_updated_at(
    engine: Engine, raw_demo: dict[str, Any], tmp_path: Path
) -> None:
    load(engine, parse_alliance_document(raw_demo), tmp_path)
    with Session(engine) as session:
        first = get_alliance(session)

    edited = copy.deepcopy(raw_demo)
    edited["alliance"]["ambition"] = "Een nieuwe ambitie."
    edited["pulse"]["cadence"] = "0 9 * * 1"
    report = load(engine, parse_alliance_document(edited), tmp_path)

    assert report.changes == {"alliance updated": 1}
    with Session(engine) as session:
        second = get_alliance(session)
        assert session.exec(select(Alliance)).all() == [second]
    assert second.id == first.id
    assert second.ambition == "Een nieuwe ambitie."
    assert second.pulse_cadence == "0 9 * * 1"
    assert second.updated_at > first.updated_at
    assert second.created_at == first.created_at


# -- archiving -----------------------------------------------------------------------------


def test_a_partner_removed_from_the_file_is_archived_not_deleted(
    engine: Engine, raw_demo: dict[str, Any], tmp_path: Path
) -> None:
    with_extra = copy.deepcopy(raw_demo)
    with_extra["partners"].append({"key": "bibliotheek", "name": "Bibliotheek Rivierenland"})
    load(engine, parse_alliance_document(with_extra), tmp_path)
    extra_id = by_key(engine, Partner)["bibliotheek"].id

    report = load(engine, parse_alliance_document(raw_demo), tmp_path)

    assert report.changes == {"partners archived": 1}
    partners = by_key(engine, Partner)
    assert len(partners) == 7
    assert partners["bibliotheek"].id == extra_id
    assert partners["bibliotheek"].active is False
    assert all(row.active for key, row in partners.items() if key != "bibliotheek")

    # Loading again does not archive it twice; putting it back brings the same row back.
    assert load(engine, parse_alliance_document(raw_demo), tmp_path).changed is False
    back = load(engine, parse_alliance_document(with_extra), tmp_path)
    assert back.changes == {"partners updated": 1}
    restored = by_key(engine, Partner)["bibliotheek"]
    assert restored.id == extra_id
    assert restored.active is True


def test_a_person_removed_from_the_file_is_archived_with_their_account(
    engine: Engine, raw_demo: dict[str, Any], tmp_path: Path
) -> None:
    load(engine, parse_alliance_document(raw_demo), tmp_path)
    gerda_id = by_key(engine, Person)["gerda"].id
    without = copy.deepcopy(raw_demo)
    without["people"] = [p for p in without["people"] if p["key"] != "gerda"]

    report = load(engine, parse_alliance_document(without), tmp_path)

    assert report.changes == {"people archived": 1}
    gerda = by_key(engine, Person)["gerda"]
    assert gerda.id == gerda_id
    assert gerda.active is False
    with Session(engine) as session:
        identity = session.exec(
            select(Identity).where(Identity.platform == "telegram", Identity.person_id == gerda_id)
        ).one()
    assert identity.external_id == "700100001"


# -- the message house ---------------------------------------------------------------------


def house_rows(engine: Engine, version: int) -> tuple[HouseVersion, list[Pillar], list[ProofPoint]]:
    with Session(engine) as session:
        row = session.exec(select(HouseVersion).where(HouseVersion.version == version)).one()
        pillars = list(
            session.exec(
                select(Pillar)
                .where(Pillar.house_version_id == row.id)
                .order_by(col(Pillar.position))
            )
        )
        proofs = list(
            session.exec(
                select(ProofPoint)
                .where(col(ProofPoint.pillar_id).in_([p.id for p in pillars]))
                .order_by(col(ProofPoint.id))
            )
        )
    return row, pillars, proofs


def test_changing_the_house_adds_version_2_and_keeps_version_1(
    engine: Engine, raw_demo: dict[str, Any], tmp_path: Path
) -> None:
    load(engine, parse_alliance_document(raw_demo), tmp_path)
    v1_before, pillars_before, proofs_before = house_rows(engine, 1)
    v1_dump = v1_before.model_dump()
    pillar_dumps = [p.model_dump() for p in pillars_before]
    proof_dumps = [p.model_dump() for p in proofs_before]

    edited = copy.deepcopy(raw_demo)
    edited["message_house"]["roof"] = "Een nieuw dak."
    edited["message_house"]["pillars"][0]["proof"].append("Een nieuw bewijs")
    edited["message_house"]["pillars"][2]["title"] = "Buren die helpen"
    report = load(engine, parse_alliance_document(edited), tmp_path)

    assert report.changes == {"message house versions": 1}
    v1_after, pillars_after, proofs_after = house_rows(engine, 1)
    assert v1_after.model_dump() == v1_dump
    assert [p.model_dump() for p in pillars_after] == pillar_dumps
    assert [p.model_dump() for p in proofs_after] == proof_dumps

    with Session(engine) as session:
        alliance = get_alliance(session)
        assert alliance.id is not None
        current = current_version(session, alliance.id)
        assert current is not None
        assert current.version == 2
        assert current.source == "alliance_file"
        content = version_content(session, current)
        old = version_content(session, v1_after)
    assert content.roof == "Een nieuw dak."
    assert content.pillars[0].proof[-1] == "Een nieuw bewijs"
    assert content.pillars[2].title == "Buren die helpen"
    assert old.roof == raw_demo["message_house"]["roof"]
    assert old.pillars[0] == PillarContent(
        raw_demo["message_house"]["pillars"][0]["title"],
        raw_demo["message_house"]["pillars"][0]["message"],
        tuple(raw_demo["message_house"]["pillars"][0]["proof"]),
    )
    assert len(old.pillars[0].proof) == 3
    assert len(snapshot(engine)["HouseVersion"]) == 2


def test_an_identical_house_adds_no_version(
    engine: Engine, raw_demo: dict[str, Any], tmp_path: Path
) -> None:
    load(engine, parse_alliance_document(raw_demo), tmp_path)
    # Same content, though written differently (surrounding spaces are stripped).
    respaced = copy.deepcopy(raw_demo)
    respaced["message_house"]["roof"] = "  " + raw_demo["message_house"]["roof"] + "\n"

    report = load(engine, parse_alliance_document(respaced), tmp_path)

    assert report.changed is False, report.summary()
    with Session(engine) as session:
        versions = session.exec(select(HouseVersion)).all()
        assert [v.version for v in versions] == [1]
        expected = HouseContent.from_dicts(
            raw_demo["message_house"]["roof"], raw_demo["message_house"]["pillars"]
        )
        assert version_content(session, versions[0]) == expected


def test_reordering_pillars_is_a_new_version(
    engine: Engine, raw_demo: dict[str, Any], tmp_path: Path
) -> None:
    load(engine, parse_alliance_document(raw_demo), tmp_path)
    edited = copy.deepcopy(raw_demo)
    edited["message_house"]["pillars"].reverse()

    report = load(engine, parse_alliance_document(edited), tmp_path)

    assert report.changes == {"message house versions": 1}
    with Session(engine) as session:
        alliance = get_alliance(session)
        assert alliance.id is not None
        current = current_version(session, alliance.id)
        assert current is not None
        titles = [p.title for p in version_content(session, current).pillars]
    assert titles == [p["title"] for p in reversed(raw_demo["message_house"]["pillars"])]


# -- accounts ------------------------------------------------------------------------------


def test_a_telegram_id_becomes_an_identity_row(
    engine: Engine, raw_demo: dict[str, Any], tmp_path: Path
) -> None:
    load(engine, parse_alliance_document(raw_demo), tmp_path)

    people = by_key(engine, Person)
    with Session(engine) as session:
        identities = session.exec(
            select(Identity).where(Identity.person_id == people["gerda"].id)
        ).all()
        slack = session.exec(select(Identity).where(Identity.person_id == people["anna"].id)).all()
        none = session.exec(select(Identity).where(Identity.person_id == people["ingrid"].id)).all()
    assert [(i.platform, i.external_id) for i in identities] == [("telegram", "700100001")]
    assert isinstance(identities[0].external_id, str)
    assert [(i.platform, i.external_id) for i in slack] == [("slack", "U0ANNA001")]
    assert none == []


def test_a_telegram_id_moved_to_another_person_moves_the_identity(
    engine: Engine, raw_demo: dict[str, Any], tmp_path: Path
) -> None:
    load(engine, parse_alliance_document(raw_demo), tmp_path)
    identity_ids = {row["id"] for row in snapshot(engine)["Identity"]}
    edited = copy.deepcopy(raw_demo)
    del person_with_key(edited, "gerda")["telegram"]
    person_with_key(edited, "ingrid")["telegram"] = 700100001

    report = load(engine, parse_alliance_document(edited), tmp_path)

    assert report.changes == {"accounts moved": 1}
    people = by_key(engine, Person)
    with Session(engine) as session:
        identity = session.exec(
            select(Identity).where(
                Identity.platform == "telegram", Identity.external_id == "700100001"
            )
        ).one()
    assert identity.person_id == people["ingrid"].id
    assert {row["id"] for row in snapshot(engine)["Identity"]} == identity_ids
