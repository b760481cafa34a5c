"""The server's key for links it must be able to show again, kept out of every repr.

Why a class around bytes: the key rides along in a command's context (the adapter knows the
settings, the feature that makes the link does not), and a context may end up in a repr or a
log line; this type never shows its bytes there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


class LinkKey:
    """`ALLIANCEBOT_SECRET_KEY`, as the core uses it: only to derive link tokens."""

    __slots__ = ("_key",)

    def __init__(self, key: str | bytes) -> None:
        raw = key.encode("utf-8") if isinstance(key, str) else key
        if not raw:
            raise ValueError("an empty key derives guessable links")
        self._key = raw

    def derive(self, purpose: str, nonce: str) -> str:
        """A URL-safe token for `purpose` (e.g. "toolkit") and `nonce`: the same inputs give
        the same token, and without the key neither says anything about it."""
        digest = hmac.new(self._key, f"{purpose}:{nonce}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode("ascii")

    def __repr__(self) -> str:
        return "LinkKey(**********)"

    __str__ = __repr__
