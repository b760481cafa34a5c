"""toolkit: TODO docstring."""

# face: FEATURE
from __future__ import annotations

from bot.core.toolkit.commands import FEATURE
from bot.core.toolkit.compose import Draft, DraftError, compose_snippet
from bot.core.toolkit.models import ToolkitFeedback, ToolkitSnippet
from bot.core.toolkit.page import issue_token, revoke_token, toolkit_page_for_token
from bot.core.toolkit.personalise import current_house
from bot.core.toolkit.plan import coverage, plan_snippets, planned_snippets
from bot.core.toolkit.snippets import AGENDA_LABELS, KIND_LABELS

__all__ = [
    "AGENDA_LABELS",
    "FEATURE",
    "KIND_LABELS",
    "Draft",
    "DraftError",
    "ToolkitFeedback",
    "ToolkitSnippet",
    "compose_snippet",
    "coverage",
    "current_house",
    "issue_token",
    "plan_snippets",
    "planned_snippets",
    "revoke_token",
    "toolkit_page_for_token",
]
