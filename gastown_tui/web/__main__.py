"""`python -m gastown_tui.web TOWN [--read-only]`: one dashboard app, as textual-serve runs it
for each browser tab (see `server.app_command`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..town.paths import TOWN_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gastown_tui.web")
    parser.add_argument("town", type=Path)
    parser.add_argument("--read-only", action="store_true")
    args = parser.parse_args(argv)
    if not (args.town / TOWN_FILE).is_file():
        print(f"gt dashboard: {args.town} is not a town", file=sys.stderr)
        return 1
    from .app import DashboardApp

    DashboardApp(args.town, read_only=args.read_only, environ=dict(os.environ)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
