"""A fake Slack Web API: records calls, opens DMs, answers errors and 429s on demand.

File uploads follow `files_upload_v2`: ``files.getUploadURLExternal`` hands out an upload
URL on this server, the client POSTs the raw bytes there, and ``files.completeUploadExternal``
shares the file in a channel; only then is it recorded in `uploads`.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http import FakeServer, round_trip


@dataclass
class SlackRules:
    errors: dict[str, str] = field(default_factory=dict)  # channel -> error code
    rate_limited: int = 0  # answer this many chat.postMessage calls with 429
    retry_after: int = 1
    uploads_rate_limited: int = 0  # answer this many files.getUploadURLExternal with 429
    upload_errors: dict[str, str] = field(default_factory=dict)  # channel -> error code
    delay: float = 0.0  # seconds before each answer, response_url included (a round trip)…
    jitter: float = 0.0  # …give or take up to this much, uniformly


@dataclass
class Upload:
    """A file shared in a channel: what `files.completeUploadExternal` completed."""

    file_id: str
    channel: str
    filename: str
    title: str
    alt: str
    data: bytes

    @property
    def length(self) -> int:
        return len(self.data)


class FakeSlackApi(FakeServer):
    def __init__(self, rules: SlackRules | None = None) -> None:
        super().__init__()
        self.rules = rules or SlackRules()
        self.posts: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []  # what was sent to response_url
        self.views: list[tuple[str, dict[str, Any]]] = []  # views.open / views.publish
        self.emails: dict[str, str] = {}  # user id -> e-mail, for users.info
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.uploads: list[Upload] = []  # files shared in a channel, in order
        self._pending_files: dict[str, dict[str, Any]] = {}  # file id -> upload so far
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)

    def response_url(self, n: int = 1) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{n}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def handle(
        self, path: str, params: dict[str, Any], headers: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        method = path.removeprefix("/api/")
        round_trip(self.rules.delay, self.rules.jitter)  # not under the lock: calls overlap
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
            if method.startswith(("files.", "/upload/")):
                return self._files(method, params)
            if method == "auth.test":
                return 200, {"ok": True, "user_id": "UBOT", "team_id": "T1", "bot_id": "B1"}, {}
            return 200, {"ok": True}, {}

    def _files(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "files.getUploadURLExternal":
            if self.rules.uploads_rate_limited > 0:
                self.rules.uploads_rate_limited -= 1
                return (
                    429,
                    {"ok": False, "error": "ratelimited"},
                    {"Retry-After": str(self.rules.retry_after)},
                )
            file_id = f"F{next(self._file_ids):06d}"
            self._pending_files[file_id] = {
                "filename": str(params.get("filename", "")),
                "length": int(params.get("length", 0)),
                "alt": str(params.get("alt_txt", "")),
            }
            url = f"http://127.0.0.1:{self.port}/upload/{file_id}"
            return 200, {"ok": True, "upload_url": url, "file_id": file_id}, {}
        if method.startswith("/upload/"):
            pending = self._pending_files.get(method.removeprefix("/upload/"))
            if pending is None:
                return 404, {"ok": False}, {}
            pending["data"] = params.get("_raw", b"")
            return 200, {"ok": True}, {}
        if method == "files.completeUploadExternal":
            channel = str(params.get("channel_id", ""))
            errors = {**self.rules.errors, **self.rules.upload_errors}
            if channel in errors:
                return 200, {"ok": False, "error": errors[channel]}, {}
            shared = []
            for item in json.loads(str(params.get("files", "[]"))):
                pending = self._pending_files.pop(str(item["id"]), None)
                if pending is None or "data" not in pending:
                    return 200, {"ok": False, "error": "file_not_found"}, {}
                if len(pending["data"]) != pending["length"]:
                    return 200, {"ok": False, "error": "file_upload_size_mismatch"}, {}
                title = str(item.get("title", ""))
                self.uploads.append(
                    Upload(
                        str(item["id"]),
                        channel,
                        pending["filename"],
                        title,
                        pending["alt"],
                        pending["data"],
                    )
                )
                shared.append({"id": item["id"], "title": title, "name": pending["filename"]})
            return 200, {"ok": True, "files": shared}, {}
        return 200, {"ok": False, "error": "unknown_method"}, {}

    def uploads_to(self, channel: str) -> list[Upload]:
        return [u for u in self.uploads if u.channel == channel]
