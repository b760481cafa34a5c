"""The settings' secret key, handed to the core as the type that never shows it."""

from __future__ import annotations

from bot.core.kernel import LinkKey
from bot.settings import Settings


def link_key(settings: Settings) -> LinkKey | None:
    """`ALLIANCEBOT_SECRET_KEY` as the core takes it (None when unset: links stay random)."""
    secret = settings.alliancebot_secret_key
    return LinkKey(secret.get_secret_value()) if secret is not None else None
