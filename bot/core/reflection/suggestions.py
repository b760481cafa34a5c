"""The work that fits each phase (PRACTICE.md), suggested in the weekly digest: a few
concrete steps, in the voice of a colleague, that change when the phase changes."""

from __future__ import annotations

from bot.core.kernel import Texts, _
from bot.core.reflection.models import Phase

SUGGESTIONS: dict[Phase, tuple[str, ...]] = {
    Phase.START: (
        _(
            "Take time to get to know each other's interests: what does each partner need"
            " from the alliance?"
        ),
        _("Agree on a few working agreements, balancing trust and control; not too many rules."),
        _(
            "Name the shared values and the no-go areas out loud, so what is under the table"
            " comes above it."
        ),
    ),
    Phase.DISCOVER: (
        _("Keep the learning agenda short and current: what do we want to learn this period?"),
        _("Plan a moment to reflect together and celebrate progress; a lens check helps."),
        _("Share what works between partners, and what does not, without a scoreboard."),
    ),
    Phase.PRODUCTIVE: (
        _("Harvest results: record what finished agreements brought, in facts and stories."),
        _("Invite critical questions and counter-voices, from inside and outside the alliance."),
        _("Use each other's strengths: who is best placed to carry the next step?"),
    ),
    Phase.RENEW: (
        _(
            "Go back to the ambition and the interests together: what still holds, what must"
            " change?"
        ),
        _("Ask whether new partners belong at the table, and who no longer does."),
        _("Care for the relationships while changing: talk in person before you decide."),
    ),
}


def phase_suggestions(texts: Texts, phase: Phase) -> list[str]:
    return [texts.gettext(text) for text in SUGGESTIONS[phase]]
