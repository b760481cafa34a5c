"""A fake Slack Web API: records calls, opens DMs, answers errors and 429s on demand."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http import FakeServer


@dataclass
class SlackRules:
    errors: dict[str, str] = field(default_factory=dict)  # channel -> error code
    rate_limited: int = 0  # answer this many chat.postMessage calls with 429
    retry_after: int = 1


class FakeSlackApi(FakeServer):
    def __init__(self, rules: SlackRules | None = None) -> None:
        super().__init__()
        self.rules = rules or SlackRules()
        self.posts: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []  # what was sent to response_url
        self.views: list[tuple[str, dict[str, Any]]] = []  # views.open / views.publish
        self.emails: dict[str, str] = {}  # user id -> e-mail, for users.info
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ts = itertools.count(1)

    def response_url(self, n: int = 1) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{n}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def handle(
        self, path: str, params: dict[str, Any], headers: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        method = path.removeprefix("/api/")
        with self.lock:
            self.calls.append((method, params))
            if path.startswith("/respond/"):
                self.responses.append(params)
                return 200, {"ok": True}, {}
            if method in ("views.open", "views.publish"):
                view: Any = params.get("view")
                self.views.append((method, json.loads(view) if isinstance(view, str) else view))
                return 200, {"ok": True, "view": {"id": "V1"}}, {}
            if method == "users.info":
                user = str(params.get("user", ""))
                if user not in self.emails:
                    return 200, {"ok": False, "error": "user_not_found"}, {}
                profile = {"email": self.emails[user]}
                return 200, {"ok": True, "user": {"id": user, "profile": profile}}, {}
            if method == "conversations.open":
                return 200, {"ok": True, "channel": {"id": "D" + str(params.get("users", ""))}}, {}
            if method == "chat.postMessage":
                channel = str(params.get("channel", ""))
                if self.rules.rate_limited > 0:
                    self.rules.rate_limited -= 1
                    return (
                        429,
                        {"ok": False, "error": "ratelimited"},
                        {"Retry-After": str(self.rules.retry_after)},
                    )
                if channel in self.rules.errors:
                    return 200, {"ok": False, "error": self.rules.errors[channel]}, {}
                ts = f"{time.time():.0f}.{next(self._ts):06d}"
                self.posts.append({**params, "ts": ts})
                return 200, {"ok": True, "channel": channel, "ts": ts}, {}
            if method == "auth.test":
                return 200, {"ok": True, "user_id": "UBOT", "team_id": "T1", "bot_id": "B1"}, {}
            return 200, {"ok": True}, {}
