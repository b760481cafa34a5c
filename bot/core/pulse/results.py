"""Pulse results: which groups of one round are shown, as anonymous means of energy and trust.

Pure Python (no database, no platform): the lead's code hands in complete answers
(`Response`) and the alliance's `Structure`; everything that leaves this module is a shown
group's aggregate (respondents, mean energy, mean trust), so the chat, the CLI (`--json`,
`--csv`), the chart and the flags all carry the same privacy by construction.

Anonymity: which groups are shown (`aggregate`), with k = ``min_group_size``
    Groups form two one-level breakdowns of the alliance: regions, and (separately)
    partners. A person may have neither; those without a region form an implicit "no region"
    sibling that is never shown, likewise for partners.

    (a) A group with fewer than k respondents is hidden.
    (b) Complementary suppression, per breakdown: the *residual*, alliance respondents minus
        the shown children (the implicit sibling always belongs to it), must be 0 or >= k.
        While it is 1..k-1, the smallest shown child (ties: by key) is hidden as well.
    (c) An alliance below k hides everything: that round shows nothing.
    (d) Across the two breakdowns: no combination of the shown figures may single out a
        group of 1..k-1 people (see below); while one does, a further child is hidden.

    Why "0 or >= k" and not "at least two hidden": the residual's count and mean follow by
    subtraction (alliance minus the shown children), so it is itself a published group. Two
    hidden regions of one person each would be recoverable *together* as a group of two below
    k. A residual of 0 exposes nobody (its hidden children are empty); a residual >= k reveals
    only the combined mean of >= k people, as acceptable as any shown group.

    Why (d): the two breakdowns cut the same people, and their figures can be combined. With
    regions Noord (5) and Zuid (5) and partners A (4, all in Zuid) and B (6), alliance minus
    Noord minus A is the one person in Zuid with partner B, though (a)-(c) hold. In general
    an attacker learns the sum over any cell set whose indicator is ``g(row) + h(column)``
    on the cross table of (shown region or "rest") x (shown partner or "rest"), assuming
    (worst case) that they know which cells are empty. Such a 0/1 function splits into
    threshold sets, so it is enough to check the sets "rows L, minus every column whose people
    all sit in L" for every subset L of the smaller side; the least positive count among them
    must be >= k. When it is not, the first shown child (smallest first) whose hiding makes
    the table safe is hidden, else the smallest one, and the check repeats. Hiding a shown
    child (>= k people) never breaks (b): a residual of 0 or >= k grows by >= k.

    Means are rounded half up to one decimal from exact integer sums. Nothing else leaves:
    no per-question counts, no minimum or maximum, no distribution.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Level = Literal["alliance", "region", "partner"]
LEVELS: tuple[Level, ...] = ("alliance", "region", "partner")
ALLIANCE_KEY = "alliance"
MAX_AUDIT_SIDE = 20  # rule (d) enumerates 2**side subsets; larger tables lose groups first


@dataclass(frozen=True)
class Response:
    """One respondent's complete answer in one round (energy and trust both answered)."""

    region: str | None
    partner: str | None
    energy: int
    trust: int
    # the lens statements this person answered: (lens, sum of the answers, statements)
    lenses: tuple[tuple[str, int, int], ...] = ()

    def __post_init__(self) -> None:
        for value in (self.energy, self.trust):
            if not 1 <= value <= 5:
                raise ValueError(f"pulse answers are 1-5, not {value}")
        for _lens, total, count in self.lenses:
            if count < 1 or not count <= total <= 5 * count:
                raise ValueError("lens answers are 1-5")


@dataclass(frozen=True)
class Structure:
    """The alliance's regions and partners as ``(key, display name)``, in display order.

    Groups without respondents are siblings all the same: they count for nothing but are
    part of the breakdown. A response whose key is not listed belongs to the never-shown
    "no region" / "no partner" sibling (a key removed from the alliance file stays private).
    """

    regions: tuple[tuple[str, str], ...] = ()
    partners: tuple[tuple[str, str], ...] = ()
    name: str = ""  # the alliance's display name

    @classmethod
    def of(
        cls,
        regions: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        partners: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        name: str = "",
    ) -> Structure:
        def pairs(
            items: Mapping[str, str] | Iterable[tuple[str, str]],
        ) -> tuple[tuple[str, str], ...]:
            found = tuple(items.items() if isinstance(items, Mapping) else items)
            if len({key for key, _ in found}) != len(found):
                raise ValueError("duplicate keys in a pulse structure")
            return found

        return cls(pairs(regions), pairs(partners), name)


@dataclass(frozen=True)
class GroupResult:
    """A shown group's aggregate: the only form in which pulse answers leave this module."""

    level: Level
    key: str
    name: str
    respondents: int
    energy: float  # mean, one decimal
    trust: float
    # per lens, the mean of its statements (one decimal), only for lenses shown for this
    # group: each lens passes the same rules among the people who answered it
    lenses: tuple[tuple[str, float], ...] = ()

    def lens(self, name: str) -> float | None:
        return dict(self.lenses).get(name)


@dataclass(frozen=True)
class RoundResult:
    """One round's shown groups (hidden ones are absent, never present with a blank)."""

    id: int
    opened_at: datetime
    closed_at: datetime | None
    groups: tuple[GroupResult, ...]

    def group(self, level: Level, key: str) -> GroupResult | None:
        return next((g for g in self.groups if (g.level, g.key) == (level, key)), None)


# --- aggregation and suppression ---------------------------------------------------------


def mean_1dp(total: int, count: int, scale: int = 1) -> float:
    """``total / (count * scale)`` rounded half up to one decimal, exactly (integer maths).

    Exact so that 2.25 shows as 2.3 on every platform, not as binary floating point and
    banker's rounding happen to decide; `scale` 10 averages values given in tenths.
    """
    denominator = count * scale
    return ((20 * total + denominator) // (2 * denominator)) / 10


def _residual_safe(parent: int, sizes: Mapping[str, int], k: int) -> set[str]:
    """Rules (a) and (b) for one breakdown: the keys of the children that stay shown."""
    shown = {key for key, n in sizes.items() if n >= k}
    residual = parent - sum(sizes[key] for key in shown)
    while 0 < residual < k and shown:
        smallest = min(shown, key=lambda key: (sizes[key], key))
        shown.remove(smallest)
        residual += sizes[smallest]
    return shown


def smallest_exposed(cells: Mapping[tuple[str | None, str | None], int], k: int) -> int | None:
    """The size of the smallest group (1..k-1) the shown figures single out together, or None.

    `cells` counts respondents per (shown region or None, shown partner or None): the cross
    table as seen through what is published. See rule (d) in the module docstring: for each
    subset L of rows (the smaller side), the people in L minus those of every column lying
    wholly in L; a subset-sum transform gives all 2**rows sums at once. That shortcut needs
    every row and column to hold 0 or >= k people, which rules (a) and (b) guarantee.
    """
    rows = list(dict.fromkeys(row for row, _ in cells))
    columns = list(dict.fromkeys(column for _, column in cells))
    table = dict(cells)
    if len(rows) > len(columns):
        rows, columns = columns, rows
        table = {(column, row): n for (row, column), n in cells.items()}
    if len(rows) > MAX_AUDIT_SIDE:
        raise ValueError("cross table too large to check")
    position = {row: i for i, row in enumerate(rows)}
    row_weight = [0] * len(rows)
    inside = [0] * (1 << len(rows))  # by neighbour mask, then summed over subsets
    for column in columns:
        mask = weight = 0
        for row in rows:
            n = table.get((row, column), 0)
            if n:
                mask |= 1 << position[row]
                weight += n
                row_weight[position[row]] += n
        inside[mask] += weight
    for bit in range(len(rows)):
        for mask in range(1 << len(rows)):
            if mask >> bit & 1:
                inside[mask] += inside[mask ^ (1 << bit)]
    smallest: int | None = None
    total = [0] * (1 << len(rows))
    for mask in range(1, 1 << len(rows)):
        low = mask & -mask
        total[mask] = total[mask ^ low] + row_weight[low.bit_length() - 1]
        exposed = total[mask] - inside[mask]
        if 0 < exposed < k and (smallest is None or exposed < smallest):
            smallest = exposed
    return smallest


def _cross_safe(
    responses: Sequence[Response], regions: set[str], partners: set[str], k: int
) -> tuple[set[str], set[str]]:
    """Rule (d): hide further children until no cross-breakdown combination exposes anyone."""
    sizes = {
        **{("region", key): sum(r.region == key for r in responses) for key in regions},
        **{("partner", key): sum(r.partner == key for r in responses) for key in partners},
    }

    def exposed(regions: set[str], partners: set[str]) -> bool:
        cells = Counter(
            (
                r.region if r.region in regions else None,
                r.partner if r.partner in partners else None,
            )
            for r in responses
        )
        try:
            return smallest_exposed(cells, k) is not None
        except ValueError:
            return True  # too large to check: fall back to fewer groups

    regions, partners = set(regions), set(partners)
    while exposed(regions, partners):
        shown = [("region", key) for key in regions] + [("partner", key) for key in partners]
        shown.sort(key=lambda group: (sizes[group], group))
        choice = next(
            (
                group
                for group in shown
                if not exposed(
                    regions - {group[1]} if group[0] == "region" else regions,
                    partners - {group[1]} if group[0] == "partner" else partners,
                )
            ),
            shown[0],
        )
        (regions if choice[0] == "region" else partners).discard(choice[1])
    return regions, partners


def _group(
    level: Level,
    key: str,
    name: str,
    members: Sequence[Response],
    lenses: Mapping[tuple[Level, str], tuple[tuple[str, float], ...]],
) -> GroupResult:
    n = len(members)
    return GroupResult(
        level,
        key,
        name,
        n,
        mean_1dp(sum(r.energy for r in members), n),
        mean_1dp(sum(r.trust for r in members), n),
        lenses.get((level, key), ()),
    )


def _members(
    answers: Sequence[Response], structure: Structure
) -> tuple[dict[str, list[Response]], dict[str, list[Response]]]:
    by_region: dict[str, list[Response]] = {key: [] for key, _ in structure.regions}
    by_partner: dict[str, list[Response]] = {key: [] for key, _ in structure.partners}
    for answer in answers:
        if answer.region in by_region:
            by_region[answer.region].append(answer)
        if answer.partner in by_partner:
            by_partner[answer.partner].append(answer)
    return by_region, by_partner


def _shown(
    answers: Sequence[Response], structure: Structure, k: int
) -> tuple[set[str], set[str]] | None:
    """Rules (a)-(d): the regions and partners shown; None when the whole is below k."""
    if len(answers) < k:
        return None
    by_region, by_partner = _members(answers, structure)
    regions = _residual_safe(len(answers), {key: len(v) for key, v in by_region.items()}, k)
    partners = _residual_safe(len(answers), {key: len(v) for key, v in by_partner.items()}, k)
    return _cross_safe(answers, regions, partners, k)


def _lens_means(
    answers: Sequence[Response], structure: Structure, k: int
) -> dict[tuple[Level, str], tuple[tuple[str, float], ...]]:
    """Each lens's mean per group, under rules (a)-(d) among those who answered that lens.

    Who answered a lens may be fewer than who answered energy and trust (someone stopped
    tapping halfway), so each lens is checked on its own respondents, with the same rules.
    A lens figure is then published only for a group shown both ways: publishing less than
    a safe publication can single nobody out."""
    found: dict[tuple[Level, str], list[tuple[str, float]]] = {}
    for lens in sorted({lens for r in answers for lens, _t, _n in r.lenses}):
        subset = [r for r in answers if any(name == lens for name, _t, _n in r.lenses)]
        shown = _shown(subset, structure, k)
        if shown is None:
            continue
        by_region, by_partner = _members(subset, structure)
        groups: list[tuple[Level, str, list[Response]]] = [("alliance", ALLIANCE_KEY, subset)]
        groups += [("region", key, by_region[key]) for key in sorted(shown[0])]
        groups += [("partner", key, by_partner[key]) for key in sorted(shown[1])]
        for level, key, members in groups:
            parts = [(t, n) for r in members for name, t, n in r.lenses if name == lens]
            mean = mean_1dp(sum(t for t, _n in parts), sum(n for _t, n in parts))
            found.setdefault((level, key), []).append((lens, mean))
    return {group: tuple(means) for group, means in found.items()}


def aggregate(
    responses: Iterable[Response], structure: Structure, min_group_size: int
) -> list[GroupResult]:
    """The shown groups of one round: the alliance, then regions and partners in order.

    Rules (a)-(d) of the module docstring decide what is shown; an empty list means the
    alliance itself had fewer than `min_group_size` respondents.
    """
    if min_group_size < 1:
        raise ValueError("min_group_size must be at least 1")
    k = min_group_size
    answers = list(responses)
    shown_groups = _shown(answers, structure, k)
    if shown_groups is None:
        return []
    regions, partners = shown_groups
    by_region, by_partner = _members(answers, structure)
    lenses = _lens_means(answers, structure, k)
    shown = [_group("alliance", ALLIANCE_KEY, structure.name, answers, lenses)]
    shown += [
        _group("region", key, name, by_region[key], lenses)
        for key, name in structure.regions
        if key in regions
    ]
    shown += [
        _group("partner", key, name, by_partner[key], lenses)
        for key, name in structure.partners
        if key in partners
    ]
    return shown
