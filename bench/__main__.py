"""Run every benchmark module and print its figures (see BENCHMARKS.md for the record)."""

from __future__ import annotations

import datetime
import importlib
import os
import pkgutil
import platform
import sys
from pathlib import Path


def main() -> None:
    print(
        f"# {datetime.date.today()} · {platform.machine()} · {os.cpu_count()} cores"
        f" · Python {platform.python_version()} · {platform.platform()}"
    )
    selected = set(sys.argv[1:])
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if not module.name.startswith("bench_"):
            continue
        if selected and module.name not in selected:
            continue
        print(f"\n## {module.name}")
        for figure in importlib.import_module(f"bench.{module.name}").run():
            print(figure.line())


if __name__ == "__main__":
    main()
