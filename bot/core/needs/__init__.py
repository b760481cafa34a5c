"""needs: each partner's needs, offer and interests, asked in a private intake.

A short conversation (`intake`, skippable, one question at a time; a form on Slack) whose
answers form a versioned partner profile; per answer the partner chooses whether the
coalition may see it. `needs` shows what the partners bring and need — only what each
shared — with the matches between one's need and another's offer. A person's individual
interest stays between them and the coordinators. The intake is offered once, politely,
through the outbox to partner advisers whose partner has none.
"""

from __future__ import annotations

from bot.core.needs.coalition import unanswered_needs
from bot.core.needs.commands import FEATURE
from bot.core.needs.models import (
    FIELDS,
    IndividualInterest,
    IntakeDraft,
    PartnerProfile,
    ProfileField,
)
from bot.core.needs.offers import offer_intake
from bot.core.needs.profiles import (
    active_partners,
    individual_interests,
    latest_profile,
    latest_profiles,
    partner_named,
    profile_json,
    profiles_csv,
    profiles_json,
    save_profile,
    set_individual_interest,
    shared_answers,
)
from bot.core.needs.views import needs_reply

__all__ = [
    "FEATURE",
    "FIELDS",
    "IndividualInterest",
    "IntakeDraft",
    "PartnerProfile",
    "ProfileField",
    "active_partners",
    "individual_interests",
    "latest_profile",
    "latest_profiles",
    "needs_reply",
    "offer_intake",
    "partner_named",
    "profile_json",
    "profiles_csv",
    "profiles_json",
    "save_profile",
    "set_individual_interest",
    "shared_answers",
    "unanswered_needs",
]
