"""The platform-free core: use cases, the data model and the neutral message model.

Nothing under `bot.core` may import Slack, Telegram, Starlette or APScheduler; a test
enforces it, so that every adapter stays a thin translation layer around the same core.
"""
