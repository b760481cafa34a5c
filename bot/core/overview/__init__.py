"""overview: TODO docstring."""

from __future__ import annotations

from bot.core.overview.digest import plan_digest

__all__ = ["plan_digest"]
