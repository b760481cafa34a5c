"""toolkit: ready-made texts for partners, timed to their own agendas.

The snippet library (files and what advisers compose), personalisation per partner and per
positioning, planning snippets weeks ahead of agenda moments, what partners did with them
(feedback, coverage), the personal toolkit page, and the chat commands and compose form.
"""

from __future__ import annotations

from bot.core.toolkit.commands import FEATURE
from bot.core.toolkit.feedback import coverage, planned_counts, planned_snippets
from bot.core.toolkit.hints import plan_hints
from bot.core.toolkit.models import ToolkitFeedback, ToolkitSnippet
from bot.core.toolkit.page import current_token, issue_token, revoke_token, toolkit_page_for_token
from bot.core.toolkit.plan import plan_snippets
from bot.core.toolkit.snippets import AGENDA_LABELS

__all__ = [
    "AGENDA_LABELS",
    "FEATURE",
    "ToolkitFeedback",
    "ToolkitSnippet",
    "coverage",
    "current_token",
    "issue_token",
    "plan_hints",
    "plan_snippets",
    "planned_counts",
    "planned_snippets",
    "revoke_token",
    "toolkit_page_for_token",
]
