"""The platform-free core: one package per capability, each with a public face.

Nothing under `bot.core` may import an adapter, a renderer, a process or a platform or I/O
package (the import contracts in pyproject.toml, and a test that imports it all), so that
every adapter stays a thin translation layer around the same core. ARCHITECTURE.md is the
map of the packages and the imports each may make.
"""

# Every feature's tables, known as soon as any part of the core is imported: a delivery
# refers to the rows it is about (an agreement, a pulse round, a proposal: tables of the
# features above the outbox), and SQLAlchemy cannot write one while a table it refers to
# is unknown. A process that only plans or sends messages (the worker) needs them too.
from bot.core import schema as _schema  # noqa: F401
