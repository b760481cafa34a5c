"""A Slack view (App Home) of several parts, within the 100 blocks a view may hold.

Slack refuses a whole view with more than 100 blocks, and cutting the list at 100 would
drop the end of the page without a word. The core already keeps each part short (the first
few of each list and a count of the rest), so this is the last guard: when the parts still
do not fit, runs of small print (one context block per line, as a list of objections comes
out) are first joined into as few blocks as their texts allow, which loses nothing; then the
longest part gives up blocks from its end, one at a time, and in their place stands a
notice, in the reader's words, of how many it left out and where to see it whole. A part's
buttons and picture are kept: they are what its text is for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.core.kernel import Reply
from bot.render.limits import utf16_len
from bot.render.slack import MAX_TEXT, render_slack

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
    if sum(len(part) for part in parts) > limit:
        parts = [_join_small_print(part) for part in parts]
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


def _join_small_print(blocks: Sequence[SlackBlock]) -> list[SlackBlock]:
    """Consecutive one-line context blocks as one, line under line, within 3,000 characters."""
    joined: list[SlackBlock] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        if previous is not None and _one_text(previous) and _one_text(block):
            text = previous["elements"][0]["text"] + "\n" + block["elements"][0]["text"]
            if utf16_len(text) <= MAX_TEXT:
                joined[-1] = {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
                continue
        joined.append(block)
    return joined


def _one_text(block: SlackBlock) -> bool:
    elements = block.get("elements", [])
    return block["type"] == "context" and len(elements) == 1 and elements[0]["type"] == "mrkdwn"
