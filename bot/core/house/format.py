"""A proposal typed in a chat: a few labelled lines, in English or Dutch.

    voorstel reden: nieuwe cijfers van 2026
    dak: Samen zorgen we dat ouderen langer thuis wonen.
    pijler: Een huis dat past | We bouwen voor de levensloop.
    bewijs: 1.300 levensloopbestendige woningen gepland

Lines may also be separated by `//`, for chats that send one line at a time. What you leave
out stays as it is: no `dak:` keeps the current roof; a `pijler:` line changes the pillar
with that title (or adds one), and keeps its proof unless `bewijs:` lines follow it;
`weg: <title>` removes a pillar. Nothing here is ever evaluated; it is only split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.house.content import HouseContent, PillarContent

MAX_PILLARS = 5
MAX_FIELD = 1000

_LABELS = {
    "reason": "reason",
    "reden": "reason",
    "roof": "roof",
    "dak": "roof",
    "pillar": "pillar",
    "pijler": "pillar",
    "proof": "proof",
    "bewijs": "proof",
    "remove": "remove",
    "weg": "remove",
}
_FLAGS = {"replace": "replace", "vervang": "replace"}
_LINE = re.compile(r"^\s*([A-Za-z]+)\s*:\s*(.*)$")


class FormatError(ValueError):
    """A line we could not read; `code` and `line` let the reply say which and why."""

    def __init__(self, code: str, line: str = "") -> None:
        super().__init__(f"{code}: {line}")
        self.code = code
        self.line = line


@dataclass
class ParsedProposal:
    reason: str = ""
    roof: str | None = None
    pillars: list[PillarContent] = field(default_factory=list)
    with_proof: set[str] = field(default_factory=set)  # titles whose proof lines were given
    removed: list[str] = field(default_factory=list)
    replace: bool = False

    def content(self, current: HouseContent | None) -> HouseContent:
        """The proposed house: the current one with these lines applied."""
        roof = self.roof if self.roof is not None else (current.roof if current else "")
        pillars = list(current.pillars) if current else []
        for title in self.removed:
            if not any(p.title == title for p in pillars):
                raise FormatError("unknown_pillar", title)
            pillars = [p for p in pillars if p.title != title]
        for given in self.pillars:
            index = next((i for i, p in enumerate(pillars) if p.title == given.title), None)
            if index is None:
                pillars.append(given)
                continue
            proof = given.proof if given.title in self.with_proof else pillars[index].proof
            pillars[index] = PillarContent(given.title, given.message, proof)
        if not roof:
            raise FormatError("no_roof")
        if not pillars:
            raise FormatError("no_pillars")
        if len(pillars) > MAX_PILLARS:
            raise FormatError("too_many_pillars")
        return HouseContent(roof, tuple(pillars))


def split_lines(text: str) -> list[str]:
    return [
        line.strip() for chunk in text.split("\n") for line in chunk.split("//") if line.strip()
    ]


def parse_proposal(text: str) -> ParsedProposal:
    parsed = ParsedProposal()
    for line in split_lines(text):
        if line.lower() in _FLAGS:
            parsed.replace = True
            continue
        if line.startswith(("- ", "• ")):
            _add_proof(parsed, line[2:].strip(), line)
            continue
        match = _LINE.match(line)
        label = _LABELS.get(match.group(1).lower()) if match else None
        if match is None or label is None:
            raise FormatError("unknown_line", line)
        value = match.group(2).strip()
        if not value or len(value) > MAX_FIELD:
            raise FormatError("empty_or_long", line)
        if label == "reason":
            parsed.reason = value
        elif label == "roof":
            parsed.roof = value
        elif label == "pillar":
            title, bar, message = value.partition("|")
            if not bar or not title.strip() or not message.strip():
                raise FormatError("pillar_shape", line)
            parsed.pillars.append(PillarContent(title.strip(), message.strip()))
        elif label == "remove":
            parsed.removed.append(value)
        else:
            _add_proof(parsed, value, line)
    return parsed


def _add_proof(parsed: ParsedProposal, proof: str, line: str) -> None:
    if not parsed.pillars:
        raise FormatError("proof_without_pillar", line)
    if not proof:
        raise FormatError("empty_or_long", line)
    last = parsed.pillars[-1]
    parsed.pillars[-1] = PillarContent(last.title, last.message, (*last.proof, proof))
    parsed.with_proof.add(last.title)


def format_house(content: HouseContent, language: str) -> str:
    """The house as proposal lines, ready to copy, edit and send back."""
    words = ("dak", "pijler", "bewijs") if language == "nl" else ("roof", "pillar", "proof")
    lines = [f"{words[0]}: {content.roof}"]
    for pillar in content.pillars:
        lines.append(f"{words[1]}: {pillar.title} | {pillar.message}")
        lines.extend(f"{words[2]}: {proof}" for proof in pillar.proof)
    return "\n".join(lines)
