"""The core stays platform-free: importing all of it pulls in no platform package."""

from __future__ import annotations

import json
import subprocess
import sys

PLATFORM_PACKAGES = ("slack_bolt", "slack_sdk", "telegram", "starlette", "apscheduler", "uvicorn")

SCRIPT = """
import importlib, json, pkgutil, sys
import bot.core
for module in pkgutil.walk_packages(bot.core.__path__, "bot.core."):
    importlib.import_module(module.name)
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in {packages!r})))
"""


def test_importing_every_core_module_imports_no_platform_package() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(packages=set(PLATFORM_PACKAGES))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == []


def test_the_check_would_notice_a_platform_import() -> None:
    """Guards the guard: the same script does see a platform package when one is imported."""
    script = "import starlette\n" + SCRIPT.format(packages=set(PLATFORM_PACKAGES))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "starlette" in json.loads(result.stdout)
