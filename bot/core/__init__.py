"""The platform-free core: use cases, the data model and the neutral message model.

Nothing under `bot.core` may import Slack, Telegram, Starlette or APScheduler; a test
enforces it, so that every adapter stays a thin translation layer around the same core.
"""

# Every feature's tables, known as soon as any part of the core is imported: a delivery
# refers to the rows it is about (an agreement, a pulse round, a proposal: tables of the
# features above the outbox), and SQLAlchemy cannot write one while a table it refers to
# is unknown. A process that only plans or sends messages (the worker) needs them too.
from bot.core import schema as _schema  # noqa: F401
