"""toolkit: TODO docstring."""

from __future__ import annotations

from bot.core.toolkit.compose import Draft, DraftError, compose_snippet
from bot.core.toolkit.handlers import handle_agenda, handle_toolkit, press_feedback
from bot.core.toolkit.models import ToolkitFeedback, ToolkitSnippet
from bot.core.toolkit.page import issue_token, revoke_token, toolkit_page_for_token
from bot.core.toolkit.plan import (
    FEEDBACK_VERB,
    coverage,
    plan_snippets,
    planned_snippets,
)
from bot.core.toolkit.snippets import AGENDA_LABELS, KIND_LABELS, current_house

__all__ = [
    "AGENDA_LABELS",
    "FEEDBACK_VERB",
    "KIND_LABELS",
    "Draft",
    "DraftError",
    "ToolkitFeedback",
    "ToolkitSnippet",
    "compose_snippet",
    "coverage",
    "current_house",
    "handle_agenda",
    "handle_toolkit",
    "issue_token",
    "plan_snippets",
    "planned_snippets",
    "press_feedback",
    "revoke_token",
    "toolkit_page_for_token",
]
