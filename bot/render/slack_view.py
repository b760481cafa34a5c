"""A Slack view (App Home) of several parts, within the 100 blocks a view may hold.

Slack refuses a whole view with more than 100 blocks, and cutting the list at 100 would
drop the end of the page without a word. The core already keeps each part short (the first
few of each list and a count of the rest), so this is the last guard: when the parts still
do not fit, the longest part gives up blocks from its end, one at a time, and in their place
stands a notice, in the reader's words, of how many it left out and where to see it whole.
A part's buttons and picture are kept: they are what its text is for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.core.kernel import Reply
from bot.render.slack import render_slack

SlackBlock = dict[str, Any]
MAX_VIEW_BLOCKS = 100
_KEPT = frozenset({"actions", "image"})


def reply_blocks(reply: Reply) -> list[SlackBlock]:
    """A reply as one list of blocks (a view is not a message: no 50-block split)."""
    return [block for message in render_slack(reply) for block in message.blocks]


def fit_view(
    parts: Sequence[Sequence[SlackBlock]],
    shortened: Callable[[int, int], Reply],
    limit: int = MAX_VIEW_BLOCKS,
) -> list[SlackBlock]:
    """The parts' blocks in order, at most `limit` of them; `shortened(i, n)` says that
    part `i` left `n` blocks out (rendered where they would have been)."""
    bodies = [[b for b in part if b["type"] not in _KEPT] for part in parts]
    kept = [[b for b in part if b["type"] in _KEPT] for part in parts]
    left = [0] * len(parts)
    notes: list[list[SlackBlock]] = [[] for _ in parts]

    def total() -> int:
        return sum(len(b) + len(k) + len(n) for b, k, n in zip(bodies, kept, notes, strict=True))

    while total() > limit:
        longest = max(range(len(parts)), key=lambda i: len(bodies[i]))
        if len(bodies[longest]) <= 1:
            raise ValueError(f"{len(parts)} parts cannot fit in {limit} blocks")
        bodies[longest].pop()
        left[longest] += 1
        notes[longest] = reply_blocks(shortened(longest, left[longest]))
    return [
        block
        for body, own, note in zip(bodies, kept, notes, strict=True)
        for block in (*body, *note, *own)
    ]
