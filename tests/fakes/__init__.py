"""Local fakes of the Telegram Bot API and the Slack Web API, for tests and benchmarks.

They listen on 127.0.0.1 port 0, record every call, enforce the platforms' rate limits the
way the real services do (429 with `retry_after` / `Retry-After`), and answer 403, 400 or
5xx on demand.
"""
