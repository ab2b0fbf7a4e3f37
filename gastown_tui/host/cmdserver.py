"""The town's command server, kept beside the host: the process that runs the commands agents
call all the time (`gt done`, `bd ready`, ...) with everything they import already imported
(`commands/served.py`; why it exists is told there).

The host starts it as it starts (unless its environment has `GT_NO_SERVER`), ends it by pid
when it stops, and starts a fresh one when it ends by itself: at once when it found its code
changed (it says so with its exit status), after a growing pause when it failed. The server
watches the read end of a pipe whose only writer is the host, so it also ends when the host
dies by -9. Its output goes to `.runtime/serve.log`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from .runtime import SERVE_LOG_NAME, runtime_dir, serve_socket_path

log = logging.getLogger("gastown_tui.host")

NO_SERVER_VAR = "GT_NO_SERVER"
# commands/served.py's STALE_EXIT (the host layer cannot import the commands layer).
STALE_EXIT = 75
MAX_PAUSE_S = 60.0
STOP_WAIT_S = 3.0
# The package folder's parent is the server's first import path, in place of the directory it
# starts in: a command run from a worktree must not import a file of that worktree.
BOOT = ("import sys; sys.path[0] = sys.argv.pop(1); "
        "from gastown_tui.commands.served import main; sys.exit(main())")


class CommandServer:
    def __init__(self, root: Path, environ: dict[str, str]):
        self.root = Path(root)
        self.environ = environ
        self.proc: subprocess.Popen | None = None
        self._pipe: int | None = None
        self._pidfd: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._pause = 0.0
        self._started_at = 0.0
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        """Start the server now (called on the host's loop)."""
        self._timer = None
        if (self.proc is not None or self._stopping or self.environ.get(NO_SERVER_VAR)
                or serve_socket_path(self.root) is None):
            return
        self._loop = asyncio.get_running_loop()
        import gastown_tui

        package_parent = str(Path(gastown_tui.__file__).resolve().parents[1])
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        try:
            with open(runtime_dir(self.root) / SERVE_LOG_NAME, "ab") as out:
                self.proc = subprocess.Popen(
                    [sys.executable, "-c", BOOT, package_parent, str(self.root), str(read_end)],
                    pass_fds=(read_end,), env=self.environ, cwd=str(self.root),
                    stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        except OSError as e:
            os.close(write_end)
            log.warning("the command server did not start: %s", e)
            return
        finally:
            os.close(read_end)
        self._pipe = write_end
        self._started_at = time.monotonic()
        try:
            self._pidfd = os.pidfd_open(self.proc.pid)
            self._loop.add_reader(self._pidfd, self._ended)
        except (OSError, AttributeError):
            self._pidfd = None  # no pidfd here: an ended server is not replaced

    def _ended(self) -> None:
        proc = self.proc
        self._unwatch()
        if proc is None:
            return
        code = proc.wait()
        self.proc = None
        if self._stopping:
            return
        if code == STALE_EXIT:
            self._pause = 0.0
        else:
            lived = time.monotonic() - self._started_at
            self._pause = 1.0 if lived > MAX_PAUSE_S else min(MAX_PAUSE_S,
                                                                max(1.0, 2 * self._pause))
            log.warning("the command server ended (status %s); another starts in %.0f s",
                        code, self._pause)
        self._timer = self._loop.call_later(self._pause, self.start)

    def _unwatch(self) -> None:
        if self._pidfd is not None:
            self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        if self._pipe is not None:
            os.close(self._pipe)    # the server's signal to go
            self._pipe = None

    async def stop(self) -> None:
        """End the server by its pid (SIGTERM, then SIGKILL), and start no other."""
        self._stopping = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        proc = self.proc
        self._unwatch()
        self.proc = None
        if proc is None:
            return
        proc.terminate()
        deadline = time.monotonic() + STOP_WAIT_S
        while proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if proc.poll() is None:
            proc.kill()
            proc.wait()

