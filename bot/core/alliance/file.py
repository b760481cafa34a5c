"""Reading and checking the alliance file (TOML).

The file is checked whole before anything is written: every problem is reported as
``path: problem`` (``people[3].partner: unknown partner 'wonkracht'``), so an adviser fixes
them in one go instead of one per run. Paths count from 0, as in the file's arrays.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, ValidationError

from bot.core.house import HouseContent

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# `coordinator`: the alliance's own communication adviser; a file naming none treats every
# adviser as one (`bot.core.kernel.coordinators`)
Role = Literal["coordinator", "adviser", "ambassador", "partner"]
Language = Literal["nl", "en"]
Channel = Literal["slack", "telegram", "email"]  # where unsolicited messages reach a person

CADENCES = ("weekly", "biweekly", "monthly")

# minute, hour, day of month, month, day of week: (lowest, highest, names)
_CRON_FIELDS: tuple[tuple[int, int, tuple[str, ...]], ...] = (
    (0, 59, ()),
    (0, 23, ()),
    (1, 31, ()),
    (1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    (0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)
_CRON_ITEM = re.compile(r"(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?")


def _cron_value(token: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    if token.isdigit():
        return low <= int(token) <= high
    return token in names


def is_cron_expression(expression: str) -> bool:
    """Five cron fields with values in range (names like `mon` and `jan` allowed)."""
    fields = expression.lower().split()
    if len(fields) != len(_CRON_FIELDS):
        return False
    for field, (low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for item in field.split(","):
            match = _CRON_ITEM.fullmatch(item)
            if match is None or (match.group(2) is not None and int(match.group(2)) == 0):
                return False
            if match.group(1) != "*" and not all(
                _cron_value(part, low, high, names) for part in match.group(1).split("-")
            ):
                return False
    return True


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AllianceSection(_Strict):
    name: Text
    ambition: str = ""
    task: str = ""
    positioning: Literal["monolithic", "branded", "endorsed"] = "endorsed"
    language: Language = "nl"
    timezone: str = "Europe/Amsterdam"
    adviser_channel: str | None = None
    quorum: int | None = Field(default=None, ge=1)
    phase: Literal["start", "discover", "productive", "renew"] | None = None


class PulseSection(_Strict):
    min_group_size: int = Field(default=3, ge=2, le=100)
    cadence: str = "biweekly"


class DeliverySection(_Strict):
    quiet_hours: Annotated[
        str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
    ] = "21:00-08:00"
    weekly_cap: int = Field(default=3, ge=1, le=50)


class PillarSection(_Strict):
    title: Text
    message: Text
    proof: list[Text] = []


class HouseSection(_Strict):
    roof: Text
    pillars: list[PillarSection] = Field(min_length=1, max_length=5)


class PartnerSection(_Strict):
    key: Key
    name: Text
    constituency: str = ""
    agenda: str | None = None


class RegionSection(_Strict):
    key: Key
    name: Text


class PersonSection(_Strict):
    key: Key
    name: Text
    roles: list[Role] = Field(min_length=1)
    partner: str | None = None
    region: str | None = None
    slack: Annotated[str, StringConstraints(pattern=r"^[UW][A-Z0-9]{2,20}$")] | None = None
    telegram: StrictInt | None = Field(default=None, gt=0)
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    language: Language | None = None
    timezone: str | None = None
    channel: Channel | None = None  # unset: the first they have of Slack, Telegram, e-mail


class AllianceFile(_Strict):
    alliance: AllianceSection
    pulse: PulseSection = PulseSection()
    delivery: DeliverySection = DeliverySection()
    message_house: HouseSection | None = None
    partners: list[PartnerSection] = Field(min_length=1)
    regions: list[RegionSection] = []
    people: list[PersonSection] = []


class AllianceFileError(ValueError):
    """The file cannot be used; `problems` lists every `path: problem`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_alliance_file(path: Path) -> AllianceFile:
    """Parse and check the file; raise `AllianceFileError` with every problem found."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise AllianceFileError([f"{path}: file not found"]) from error
    except UnicodeDecodeError as error:
        raise AllianceFileError([f"{path}: not UTF-8 text ({error.reason})"]) from error
    except tomllib.TOMLDecodeError as error:
        raise AllianceFileError([f"{path}: not valid TOML: {error}"]) from error
    return parse_alliance_document(raw)


def parse_alliance_document(raw: dict[str, Any]) -> AllianceFile:
    problems: list[str] = []
    parsed: AllianceFile | None = None
    try:
        parsed = AllianceFile.model_validate(raw)
    except ValidationError as error:
        problems.extend(_describe(e) for e in error.errors())
    problems.extend(_reference_problems(raw))
    if problems or parsed is None:
        raise AllianceFileError(list(dict.fromkeys(problems)))
    return parsed


def _describe(error: Any) -> str:
    path = _format_path(error["loc"])
    kind, message = error["type"], error["msg"]
    if kind == "missing":
        message = "required, but missing"
    elif kind == "extra_forbidden":
        message = "unknown field (check the spelling)"
    elif kind == "string_pattern_mismatch":
        message = f"{error['input']!r} is not allowed here: {_pattern_hint(path)}"
    elif kind == "literal_error":
        message = f"{error['input']!r} is not one of {error['ctx']['expected']}"
    return f"{path}: {message}"


def _pattern_hint(path: str) -> str:
    if path.endswith(".quiet_hours"):
        return "write it as 'HH:MM-HH:MM', for example '21:00-08:00'"
    if path.endswith(".slack"):
        return "a Slack user id looks like 'U0123ABCD'"
    if path.endswith(".email"):
        return "an e-mail address looks like 'name@example.org'"
    return "use lowercase letters, digits, '-' and '_' (at most 40)"


def _format_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(file)"


def _entries(raw: dict[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    value = raw.get(section, [])
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _reference_problems(raw: dict[str, Any]) -> list[str]:
    """Problems between entries, checked even when single fields are wrong."""
    problems: list[str] = []
    known: dict[str, set[str]] = {}
    for section in ("partners", "regions", "people"):
        seen: dict[str, int] = {}
        for index, item in _entries(raw, section):
            key = item.get("key")
            if isinstance(key, str):
                if key in seen:
                    problems.append(
                        f"{section}[{index}].key: duplicate key {key!r}"
                        f" (also {section}[{seen[key]}])"
                    )
                seen.setdefault(key, index)
        known[section] = set(seen)

    accounts: dict[tuple[str, str], int] = {}
    for index, person in _entries(raw, "people"):
        who = f" (person {person.get('key')!r})" if person.get("key") else ""
        for field, section, noun in (
            ("partner", "partners", "partner"),
            ("region", "regions", "region"),
        ):
            ref = person.get(field)
            if isinstance(ref, str) and ref not in known[section]:
                hint = _closest(str(ref), known[section])
                problems.append(f"people[{index}].{field}: unknown {noun} {ref!r}{who}{hint}")
        for platform in ("slack", "telegram", "email"):
            account = person.get(platform)
            if not isinstance(account, str | int) or isinstance(account, bool):
                continue
            same = str(account).lower() if platform == "email" else str(account)
            if (platform, same) in accounts:
                other = accounts[(platform, same)]
                problems.append(
                    f"people[{index}].{platform}: {account!r} is already used by people[{other}]"
                )
            accounts.setdefault((platform, same), index)
        if person.get("channel") == "email" and not person.get("email"):
            problems.append(f"people[{index}].channel: 'email' needs an e-mail address{who}")
        if person.get("timezone") is not None:
            problems.extend(_timezone_problem(f"people[{index}].timezone", person["timezone"]))

    alliance = raw.get("alliance")
    if isinstance(alliance, dict) and "timezone" in alliance:
        problems.extend(_timezone_problem("alliance.timezone", alliance["timezone"]))
    pulse = raw.get("pulse")
    if isinstance(pulse, dict) and isinstance(pulse.get("cadence"), str):
        cadence = pulse["cadence"]
        if cadence not in CADENCES and not is_cron_expression(cadence):
            problems.append(
                f"pulse.cadence: {cadence!r} is not weekly, biweekly, monthly"
                " or a cron expression of five fields"
            )
    return problems


def _timezone_problem(path: str, value: Any) -> list[str]:
    if not isinstance(value, str):
        return []  # the schema check reports the type
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, a long name
        return [f"{path}: unknown time zone {value!r} (for example 'Europe/Amsterdam')"]
    return []


def _closest(value: str, candidates: set[str]) -> str:
    import difflib

    match = difflib.get_close_matches(value, sorted(candidates), n=1)
    return f"; did you mean {match[0]!r}?" if match else ""


class HouseFile(_Strict):
    """A proposal file for `alliancebot house propose`: the house, and optionally why."""

    reason: str = ""
    message_house: HouseSection


def read_house_file(path: Path) -> tuple[HouseContent, str]:
    """A `[message_house]` table as in the alliance file, checked the same way."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        document = HouseFile.model_validate(raw)
    except FileNotFoundError as error:
        raise AllianceFileError([f"{path}: file not found"]) from error
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise AllianceFileError([f"{path}: not valid UTF-8 TOML: {error}"]) from error
    except ValidationError as error:
        raise AllianceFileError([_describe(e) for e in error.errors()]) from error
    house = document.message_house
    content = HouseContent.from_dicts(house.roof, [p.model_dump() for p in house.pillars])
    return content, document.reason
