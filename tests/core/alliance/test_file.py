"""Checking the alliance file: every problem reported at once, as `path: problem`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.alliance.file import AllianceFile, AllianceFileError, read_alliance_file

DEMO_FILE = Path(__file__).parents[3] / "bot" / "demo" / "alliance.toml"

VALID = """
[alliance]
name = "Alliantie Test"
timezone = "Europe/Amsterdam"

[pulse]
cadence = "{cadence}"

[message_house]
roof = "Samen sterk"
[[message_house.pillars]]
title = "Een"
message = "Eerste boodschap"
proof = ["bewijs"]

[[partners]]
key = "woonkracht"
name = "Woonkracht"

[[partners]]
key = "zorggroep"
name = "Zorggroep"

[[regions]]
key = "noord"
name = "Noord"

[[people]]
key = "anna"
name = "Anna"
roles = ["adviser"]
partner = "woonkracht"

[[people]]
key = "bert"
name = "Bert"
roles = ["ambassador"]
partner = "zorggroep"
region = "noord"
telegram = 100200300

[[people]]
key = "carla"
name = "Carla"
roles = ["partner"]
partner = "{carla_partner}"
"""

# One file with many different problems; each must appear in the one error.
BROKEN = """
[alliance]
ambition = "geen naam"
positioning = "federated"
timezone = "Mars/Olympus"

[pulse]
cadence = "fortnightly"

[message_house]
roof = "Dak"
{pillars}

[[partner]]
key = "oops"
name = "Verkeerd gespeld"

[[partners]]
key = "woonkracht"
name = "Woonkracht"

[[partners]]
key = "woonkracht"
name = "Woonkracht nogmaals"

[[regions]]
key = "noord"
name = "Noord"

[[people]]
key = "anna"
name = "Anna"
roles = []
partner = "wonkracht"
region = "zuid"
telegram = 555

[[people]]
key = "bert"
name = "Bert"
roles = ["adviser"]
telegram = 555
"""

SIX_PILLARS = "\n".join(
    f'[[message_house.pillars]]\ntitle = "Pijler {n}"\nmessage = "Boodschap {n}"' for n in range(6)
)


def write(tmp_path: Path, text: str, name: str = "alliance.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def valid_text(cadence: str = "biweekly", carla_partner: str = "woonkracht") -> str:
    return VALID.format(cadence=cadence, carla_partner=carla_partner)


def problems_of(path: Path) -> list[str]:
    with pytest.raises(AllianceFileError) as caught:
        read_alliance_file(path)
    problems = caught.value.problems
    assert problems, "an AllianceFileError must list at least one problem"
    assert str(caught.value) == "\n".join(problems)
    return problems


def starting_with(problems: list[str], prefix: str) -> list[str]:
    return [p for p in problems if p.startswith(prefix)]


# -- files that are fine -------------------------------------------------------------------


def test_the_demo_file_parses() -> None:
    document = read_alliance_file(DEMO_FILE)

    assert isinstance(document, AllianceFile)
    assert document.alliance.name == "Alliantie Langer Thuis Rivierenland"
    assert document.alliance.positioning == "endorsed"
    assert [p.key for p in document.partners] == [
        "gemeente-tiel",
        "woonkracht",
        "zorggroep",
        "welzijn",
        "huisartsen",
        "zorgverzekeraar",
    ]
    assert [r.key for r in document.regions] == ["west", "tiel", "bommel"]
    assert len(document.people) == 17
    assert document.message_house is not None
    assert len(document.message_house.pillars) == 3
    frank = next(p for p in document.people if p.key == "frank")
    assert frank.roles == ["adviser", "partner"]
    assert frank.language == "en"
    gerda = next(p for p in document.people if p.key == "gerda")
    assert gerda.telegram == 700100001
    assert gerda.region == "west"


def test_a_minimal_valid_file_parses(tmp_path: Path) -> None:
    document = read_alliance_file(write(tmp_path, valid_text()))

    assert document.alliance.name == "Alliantie Test"
    assert document.pulse.cadence == "biweekly"
    assert document.pulse.min_group_size == 3  # the default
    assert [p.key for p in document.people] == ["anna", "bert", "carla"]


@pytest.mark.parametrize(
    "cadence",
    ["weekly", "biweekly", "monthly", "0 9 * * 1", "*/15 9-17 * * mon-fri", "30 8 1,15 * *"],
)
def test_named_and_cron_cadences_are_accepted(tmp_path: Path, cadence: str) -> None:
    document = read_alliance_file(write(tmp_path, valid_text(cadence=cadence)))

    assert document.pulse.cadence == cadence


@pytest.mark.parametrize("cadence", ["fortnightly", "", "0 9 * *", "0 9 * * 1 2026", "daily"])
def test_other_cadences_are_refused(tmp_path: Path, cadence: str) -> None:
    problems = problems_of(write(tmp_path, valid_text(cadence=cadence)))

    assert problems == [
        f"pulse.cadence: {cadence!r} is not weekly, biweekly, monthly"
        " or a cron expression of five fields"
    ]


# -- one problem ---------------------------------------------------------------------------


def test_an_unknown_partner_names_the_person_index_and_the_value(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, valid_text(carla_partner="wonkracht")))

    lines = starting_with(problems, "people[2].partner: unknown partner 'wonkracht'")
    assert len(lines) == 1, problems
    assert "did you mean 'woonkracht'" in lines[0]
    assert len(problems) == 1, problems


# -- many problems at once -----------------------------------------------------------------


def test_every_problem_in_a_file_is_reported_in_one_error(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, BROKEN.format(pillars=SIX_PILLARS)))

    expected_prefixes = {
        "unknown partner": "people[0].partner: unknown partner 'wonkracht'",
        "unknown region": "people[0].region: unknown region 'zuid'",
        "bad positioning": "alliance.positioning: 'federated' is not one of",
        "bad time zone": "alliance.timezone: unknown time zone 'Mars/Olympus'",
        "missing name": "alliance.name: required, but missing",
        "unknown top-level field": "partner: unknown field",
        "duplicate partner key": "partners[1].key: duplicate key 'woonkracht' (also partners[0])",
        "duplicate telegram id": "people[1].telegram: 555 is already used by people[0]",
        "no roles": "people[0].roles:",
        "bad cadence": "pulse.cadence: 'fortnightly' is not",
        "six pillars": "message_house.pillars:",
    }
    missing = {
        what: prefix
        for what, prefix in expected_prefixes.items()
        if len(starting_with(problems, prefix)) != 1
    }
    assert not missing, f"not reported exactly once: {missing}\nall problems:\n" + "\n".join(
        problems
    )
    assert len(problems) == len(set(problems)), "a problem was reported twice"
    assert all(": " in p for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new", "prefix"),
    [
        ('key = "noord"', 'key = "Noord Oost"', "regions[0].key: 'Noord Oost' is not allowed here"),
        ('roles = ["adviser"]', 'roles = ["boss"]', "people[0].roles[0]: 'boss' is not one of"),
        ("telegram = 100200300", "telegram = -5", "people[1].telegram:"),
        ('name = "Anna"', 'name = "   "', "people[0].name:"),
        ('key = "anna"', 'key = "anna"\nslack = "u0anna"', "people[0].slack: 'u0anna'"),
        ('key = "anna"', 'key = "anna"\ntimezone = "Europe/Amsterdan"', "people[0].timezone:"),
        ('key = "anna"', 'key = "anna"\nfavourite = "blauw"', "people[0].favourite: unknown field"),
        ("[pulse]", "[pulse]\nmin_group_size = 1", "pulse.min_group_size:"),
        ('key = "bert"', 'key = "anna"', "people[1].key: duplicate key 'anna' (also people[0])"),
    ],
)
def test_a_single_problem_is_reported_with_its_path(
    tmp_path: Path, old: str, new: str, prefix: str
) -> None:
    text = valid_text()
    assert old in text
    problems = problems_of(write(tmp_path, text.replace(old, new, 1)))

    assert len(starting_with(problems, prefix)) == 1, problems


# -- files that cannot be read at all ------------------------------------------------------


def test_a_toml_syntax_error_is_one_problem_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[alliance\nname = "x"\n')

    problems = problems_of(path)

    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: ")
    assert "not valid TOML" in problems[0]
    assert "line 1" in problems[0]


def test_a_missing_file_is_one_problem_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "alliance.toml"

    assert problems_of(path) == [f"{path}: file not found"]


def test_a_file_that_is_not_utf8_is_one_problem_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[alliance]\nname = "Caf\u00e9 Alliantie"\n'.encode("latin-1"))

    problems = problems_of(path)

    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: not UTF-8 text")


# -- known bugs ----------------------------------------------------------------------------


def test_five_plain_words_are_not_a_cron_cadence(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, valid_text(cadence="every other week on monday")))

    assert len(starting_with(problems, "pulse.cadence:")) == 1


def test_a_list_as_partner_reference_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    text = valid_text().replace('partner = "woonkracht"', 'partner = ["woonkracht"]', 1)

    problems = problems_of(write(tmp_path, text))

    assert len(starting_with(problems, "people[0].partner:")) >= 1


def test_a_time_zone_that_names_a_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    text = valid_text().replace('timezone = "Europe/Amsterdam"', 'timezone = "Europe"', 1)

    problems = problems_of(write(tmp_path, text))

    assert problems == [
        "alliance.timezone: unknown time zone 'Europe' (for example 'Europe/Amsterdam')"
    ]


def test_a_boolean_is_not_a_telegram_id(tmp_path: Path) -> None:
    text = valid_text().replace("telegram = 100200300", "telegram = true", 1)

    problems = problems_of(write(tmp_path, text))

    assert len(starting_with(problems, "people[1].telegram:")) == 1
