"""What the host knows of its agents and how it is timed: `Agent` records and `Settings`.

Kept apart from `host.py` so supervision, actions, the ledger watch and the request handlers
can use them without importing the `Host` that calls them (see `context.py`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Mapping

from ..town import Town, TownError
from ..town import hooks as hooks_mod
from .runtime import HostError

MAYOR = "mayor"
COLS, ROWS = 120, 36


@dataclasses.dataclass
class Settings:
    """Supervision timings; defaults for people, environment overrides for tests and benches."""

    respawn_limit: int = hooks_mod.MAX_RESPAWNS
    respawn_backoff: float = 2.0
    stall_seconds: float = 15 * 60
    snapshot_seconds: float = 300.0
    watch_seconds: float = 0.5
    done_grace: float = 3.0
    # A finished agent's terminal waits for its gt/bd commands to end (inflight.py), at most
    # this long after its work finished; a command still running then is reported.
    done_wait_limit: float = 600.0
    nudge_wait_seconds: float = 15.0   # wait-idle nudges queue after waiting this long
    merge_check_seconds: float = 60.0  # finished worktrees whose branch was merged: archived
    window_size: str = "latest"        # the town's `window_size` (see sizes.py)
    notify_command: str = ""           # the town's: run with each notice (town/notify.py)
    notify_desktop: bool = True
    notify_window: float = 60.0        # at most 5 notices in this many seconds
    # An agent still waiting this long after its dialog showed is a person's (the host answers
    # start-up dialogs within a second: those are no news).
    notify_wait_grace: float = 10.0
    limit_retry_seconds: float = 300.0  # a usage limit with no reset time: tried again after

    config_mtime: float | None = None  # of the town settings stall_seconds was read from

    @classmethod
    def from_env(cls, town: Town, environ: Mapping[str, str]) -> "Settings":
        s = cls()
        s.reread(town, environ)
        for field, var in (("respawn_backoff", "GT_RESPAWN_BACKOFF"),
                           ("stall_seconds", "GT_STALL_SECONDS"),
                           ("snapshot_seconds", "GT_SNAPSHOT_SECONDS"),
                           ("watch_seconds", "GT_WATCH_SECONDS"),
                           ("done_grace", "GT_DONE_GRACE"),
                           ("done_wait_limit", "GT_DONE_WAIT_LIMIT"),
                           ("nudge_wait_seconds", "GT_NUDGE_WAIT_SECONDS"),
                           ("merge_check_seconds", "GT_MERGE_CHECK_SECONDS"),
                           ("notify_window", "GT_NOTIFY_WINDOW_SECONDS"),
                           ("notify_wait_grace", "GT_NOTIFY_WAIT_SECONDS"),
                           ("limit_retry_seconds", "GT_LIMIT_RETRY_SECONDS")):
            if environ.get(var):
                try:
                    setattr(s, field, float(environ[var]))
                except ValueError:
                    raise HostError(f"{var}={environ[var]!r} is not a number") from None
        return s

    def reread(self, town: Town, environ: Mapping[str, str]) -> None:
        """`stall_minutes`, `window_size` and the notify settings from the town settings when
        they changed since the last read, so `gt config set` applies to a running host
        (GT_STALL_SECONDS wins)."""
        from ..town.paths import CONFIG_FILE

        try:
            mtime = (Path(town.root) / CONFIG_FILE).stat().st_mtime
        except OSError:
            return
        if mtime == self.config_mtime:
            return
        self.config_mtime = mtime
        try:
            config = town.config()
        except TownError:
            return
        if not environ.get("GT_STALL_SECONDS"):
            try:
                self.stall_seconds = float(config.get("stall_minutes", 15)) * 60
            except (TypeError, ValueError):
                pass
        self.window_size = str(config.get("window_size") or "latest")
        self.notify_command = str(config.get("notify_command") or "")
        self.notify_desktop = config.get("notify_desktop", True) is not False


@dataclasses.dataclass
class Agent:
    """One agent terminal the host runs."""

    name: str            # session name: "mayor" or "<rig>/<polecat>"
    role: str            # mayor | polecat | crew
    rig: str | None
    polecat: str | None
    kind: str            # polecats | crew | mayor
    agent: str           # preset name
    started: float
    issue: str | None = None
    hook_state: str | None = None
    stalled: bool = False
    stuck: bool = False
    expected_exit: bool = False   # stop, handoff restart, finished work: not a crash
    finished_at: float | None = None
    end_forced: bool = False      # ended with a gt/bd command still running (said once)
    last_snapshot: float = 0.0
    pid: int = 0
    restarting: bool = False
    dialogs: set[str] = dataclasses.field(default_factory=set)
    dialog_check: bool = False
    # The agent program it runs (claude, codex, gemini, shell, demo, generic), also for a
    # custom preset such as "claude --model x": its dialogs, resume flags and first prompt.
    family: str = ""
    worktree: str | None = None   # where it works (a hook's worktree), watched for deletion
    # Stuck recovery (stalls.py): when its screen last said something new, and how far up
    # the ladder (nudged, restarted, reported) it is, since when.
    progress_at: float = 0.0
    screen_mark: int = 0
    stalled_at: float = 0.0
    recovery: int = 0
    recovery_at: float = 0.0
    recovering: bool = False
    # A usage limit (state `limited`): when it resets (epoch seconds), if its screen says.
    limit_resets_at: float | None = None
