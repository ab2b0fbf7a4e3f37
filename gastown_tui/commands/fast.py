"""The `gt` script's entry: `gt agents` answered without loading the command registry.

Agents and scripts poll `gt agents --json` in loops, and on a loaded machine the registry's
start (click and the command tree) costs more than the whole answer: the interpreter, finding
the town, one request on the host's socket and the rows. So exactly these words (`agents`,
`--all`, `--json`, in any order the registry accepts) are served here with the registry's own
views (`live_views.py`) and printer (`render.emit`). Anything else, and any failure (not in a
town, no host, a refused request), goes to the registry, which says what is wrong in its own
words: the fast path never answers differently, only sooner (a test runs both on the same
host and compares them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence

# What the shells' completion scripts set when they call `gt` back (core.completion_var).
COMPLETE_VAR = "_GT_COMPLETE"


def main(argv: Sequence[str] | None = None) -> None:
    from ..inflight import hold

    hold()
    args = list(sys.argv[1:] if argv is None else argv)
    code = agents(args)
    if code is None:
        from .gt import main as registry_main

        registry_main(args)
    sys.exit(code)


def agents(args: list[str]) -> int | None:
    """Serve `gt agents [--all] [--json]`; None when the registry must answer instead."""
    words = [a for a in args if a != "--json"]
    if words not in (["agents"], ["agents", "--all"]) or os.environ.get(COMPLETE_VAR):
        return None
    from .live_views import AgentRow, Agents
    from .render import Result, emit

    try:
        from ..host.api import Agents as AgentsRequest
        from ..host.client import HostClient
        from ..town.model import find_town

        town = find_town(Path.cwd(), os.environ)
        rows = HostClient(town.root).request(AgentsRequest(all=len(words) == 2, queued=True))
        data = Agents([AgentRow.of(r) for r in rows])
    except Exception:  # noqa: BLE001 - the registry reports every failure in its own words
        return None
    try:
        return emit(Result(data=data, as_json="--json" in args), "gt")
    except BrokenPipeError:
        # `gt agents | head`: the reader went away; that is not our failure (as shell_main).
        sys.stdout = open(os.devnull, "w")
        return 0
