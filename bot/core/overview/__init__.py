"""overview: summaries across capabilities.

The advisers' weekly digest (flags, signals, pulse, agenda, toolkit use) and the content of
a person's home page (Slack's App Home), as neutral replies. It reads every capability's
face and is read by none.
"""

from __future__ import annotations

from bot.core.overview.digest import plan_digest
from bot.core.overview.home import ChartSpot, HomePage, HomePart, home_page

__all__ = ["ChartSpot", "HomePage", "HomePart", "home_page", "plan_digest"]
