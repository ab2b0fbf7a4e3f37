"""One program in a pseudo-terminal, read without blocking on the asyncio loop.

`PtySession.spawn(argv, ...)` starts `argv` (via ptyprocess) as the leader of a new session and
process group, with ``TERM=xterm-256color`` and ``COLORTERM=truecolor``. Output is read in the
loop's reader callback into `pending` and never parsed there: a consumer (the multiplexer's frame
scheduler) takes it with `take(n)`. When more than `HIGH_WATER` bytes wait unparsed the reader is
removed, so the program blocks in write() until the consumer catches up; no byte is dropped.

Exit is watched with a pidfd (a timer where the kernel has none), so a program that exits while
a background child still holds the terminal open is still noticed. `on_exit` fires once the
process is reaped and every byte it wrote has been read into `pending`.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import functools
import os
import re
import shutil
import signal
import struct
import termios
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .transcript import Transcript

__all__ = ["PtySession", "SpawnError", "HIGH_WATER"]

HIGH_WATER = 256 * 1024
READ_CHUNK = 64 * 1024
# The most a Linux pty hands out per read (its 4 KiB buffer less one).
_PTY_READ = 4095
_EXIT_POLL_S = 0.25


class SpawnError(OSError):
    """The program could not be started (not found, not executable, bad cwd)."""

    user_error = True
    exit_code = 1

    def __str__(self) -> str:
        return self.strerror or super().__str__()


def _resolve(argv0: str, path: str | None, cwd: str | None) -> str:
    if "/" in argv0:
        full = Path(cwd or ".") / argv0 if not os.path.isabs(argv0) else Path(argv0)
        if full.is_file() and os.access(full, os.X_OK):
            return str(full)
        raise SpawnError(errno.ENOENT, f"cannot run {argv0!r}: no such executable file")
    found = shutil.which(argv0, path=path)
    if found is None:
        raise SpawnError(errno.ENOENT, f"cannot run {argv0!r}: not found on PATH")
    return found


def terminal_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """The child's environment: the given one (or ours) with the terminal's identity set."""
    out = dict(os.environ if env is None else env)
    out["TERM"] = "xterm-256color"
    out["COLORTERM"] = "truecolor"
    # COLUMNS and LINES of the process that starts the terminal are not the pane's size, and
    # programs that read them (Python's shutil, many CLIs) would lay themselves out for it.
    for leaked in ("TMUX", "TMUX_PANE", "STY", "TERM_PROGRAM", "TERM_PROGRAM_VERSION",
                   "COLUMNS", "LINES"):
        out.pop(leaked, None)
    return out


# Linux's value; Python's termios names it only from 3.13.
IUTF8 = getattr(termios, "IUTF8", 0o40000)


def _exec_child(path: str, argv: list[str], env: dict[str, str]) -> None:
    """Runs in the child between fork and exec. The line discipline is told the input is UTF-8
    (IUTF8, as tmux sets it), so erase in cooked mode (`read`, `cat`, a password prompt) removes
    a whole multi-byte character instead of its last byte."""
    try:
        attrs = termios.tcgetattr(0)
        attrs[0] |= IUTF8
        termios.tcsetattr(0, termios.TCSANOW, attrs)
    except termios.error:
        pass
    os.execve(path, argv, env)


class PtySession:
    """A running program and the master side of its pty. Create with `spawn`."""

    def __init__(self, proc, loop: asyncio.AbstractEventLoop, cols: int, rows: int,
                 transcript: Transcript | None, on_output: Callable[[], None] | None,
                 on_exit: Callable[[], None] | None) -> None:
        self._proc = proc
        self.loop = loop
        self.pid: int = proc.pid
        self.fd: int = proc.fd
        self.cols, self.rows = cols, rows
        self.pending = bytearray()
        self.bytes_read = 0
        self.eof = False
        self.exit_code: int | None = None
        self.exit_signal: int | None = None
        self.reaped = False
        self.finished = False
        self.closed = False
        self.paused_count = 0
        self._reading = False
        self._transcript = transcript
        self._on_output = on_output
        self._on_exit = on_exit
        self._out = bytearray()
        self._writing = False
        self._pidfd: int | None = None
        self._poll_handle: asyncio.TimerHandle | None = None
        self._done: asyncio.Future[None] = loop.create_future()

        flags = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        self._start_reading()
        self._watch_exit()

    @classmethod
    def spawn(cls, argv: Sequence[str], *, cwd: str | os.PathLike[str] | None = None,
              env: Mapping[str, str] | None = None, cols: int = 80, rows: int = 24,
              loop: asyncio.AbstractEventLoop | None = None,
              transcript: str | os.PathLike[str] | Transcript | None = None,
              on_output: Callable[[], None] | None = None,
              on_exit: Callable[[], None] | None = None) -> "PtySession":
        from ptyprocess import PtyProcess

        if not argv:
            raise SpawnError(errno.EINVAL, "nothing to run: the command is empty")
        if cols < 1 or rows < 1:
            raise ValueError(f"terminal size must be at least 1x1, not {cols}x{rows}")
        loop = loop or asyncio.get_running_loop()
        child_env = terminal_env(env)
        cwd_s = None if cwd is None else os.fspath(cwd)
        if cwd_s is not None and not os.path.isdir(cwd_s):
            raise SpawnError(errno.ENOENT, f"cannot run in {cwd_s!r}: no such directory")
        path = _resolve(argv[0], child_env.get("PATH", os.defpath), cwd_s)
        if transcript is not None and not isinstance(transcript, Transcript):
            transcript = Transcript(transcript)
        # ptyprocess would exec with argv[0] replaced by the full path; programs print their
        # argv[0] (shells in errors and $0), so exec from its pre-exec hook with argv as given.
        # A failed exec raises there and ptyprocess reports it back as an error.
        exec_as_given = functools.partial(_exec_child, path, list(argv), child_env)
        try:
            proc = PtyProcess.spawn([path, *argv[1:]], cwd=cwd_s, env=child_env,
                                    dimensions=(rows, cols), preexec_fn=exec_as_given)
        except Exception as e:  # ptyprocess re-raises the child's exec error by its type name
            if transcript is not None:
                transcript.close()
            reason = getattr(e, "strerror", None) or re.sub(r"^\[Errno \d+\] |: '.*'$", "", str(e))
            raise SpawnError(getattr(e, "errno", None) or errno.EIO,
                             f"cannot run {argv[0]!r}: {reason}") from None
        return cls(proc, loop, cols, rows, transcript, on_output, on_exit)

    # -- reading ---------------------------------------------------------------------------

    def _start_reading(self) -> None:
        if not self._reading and not self.eof and not self.closed:
            self.loop.add_reader(self.fd, self._on_readable)
            self._reading = True

    def _stop_reading(self) -> None:
        if self._reading:
            self.loop.remove_reader(self.fd)
            self._reading = False

    @property
    def reading(self) -> bool:
        """False while paused by backpressure (or after EOF)."""
        return self._reading

    def _read_once(self) -> int:
        """Read one chunk; its size, 0 when nothing more is there now (EAGAIN) or ever (EOF)."""
        try:
            data = os.read(self.fd, READ_CHUNK)
        except BlockingIOError:
            return 0
        except OSError as e:
            if e.errno not in (errno.EIO, errno.EBADF):
                raise
            data = b""
        if not data:
            # Linux reports EIO once every slave side is closed: the program is gone.
            self.eof = True
            self._stop_reading()
            return 0
        self.pending += data
        self.bytes_read += len(data)
        if self._transcript is not None:
            self._transcript.write(data)
        return len(data)

    def _on_readable(self) -> None:
        # A pty hands out at most ~4 KiB per read; take up to READ_CHUNK now rather than one
        # loop iteration per 4 KiB.
        got = False
        start = len(self.pending)
        while len(self.pending) - start < READ_CHUNK and len(self.pending) < HIGH_WATER:
            n = self._read_once()
            if not n:
                break
            got = True
            if n < _PTY_READ:
                # Less than the pty hands out at once: most likely all there was. Asking again
                # costs a failed read per frame of every session; if more came meanwhile, the
                # loop reports the fd readable again.
                break
        if len(self.pending) >= HIGH_WATER:
            self._stop_reading()
            self.paused_count += 1
        if got and self._on_output is not None:
            self._on_output()
        if self.reaped:
            self._drain_after_exit()

    def poll(self) -> bool:
        """Read now what the program wrote since the loop last looked (for a consumer busy
        with other sessions that wants this one's answer at once); True when something came."""
        if not self._reading:
            return False
        before = len(self.pending)
        self._on_readable()
        return len(self.pending) > before

    def take(self, n: int) -> bytes:
        """Remove and return up to `n` unparsed bytes; resumes reading below the high-water mark."""
        if not self.pending:
            return b""
        chunk = bytes(self.pending[:n])
        del self.pending[:n]
        if len(self.pending) < HIGH_WATER and not self._reading and not self.eof:
            if self.reaped:
                self._drain_after_exit()
            else:
                self._start_reading()
        return chunk

    # -- exit ------------------------------------------------------------------------------

    def _watch_exit(self) -> None:
        try:
            self._pidfd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            self._poll_handle = self.loop.call_later(_EXIT_POLL_S, self._poll_exit)
            return
        self.loop.add_reader(self._pidfd, self._poll_exit)

    def _poll_exit(self) -> None:
        self._poll_handle = None
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid == 0:
            if self._pidfd is None and not self.closed:
                self._poll_handle = self.loop.call_later(_EXIT_POLL_S, self._poll_exit)
            return
        self._reaped(status)

    def _reaped(self, status: int) -> None:
        if self.reaped:
            return
        self.reaped = True
        if os.WIFSIGNALED(status):
            self.exit_signal = os.WTERMSIG(status)
        else:
            self.exit_code = os.waitstatus_to_exitcode(status)
        # Keep ptyprocess's own bookkeeping true, so its __del__ never waits on a reaped pid.
        p = self._proc
        p.status, p.exitstatus, p.signalstatus, p.terminated = (
            status, self.exit_code, self.exit_signal, True)
        self._close_pidfd()
        if self.closed:
            self._finish()
        else:
            self._drain_after_exit()

    def _drain_after_exit(self) -> None:
        """Read what the program wrote before it died; a child that outlives it may keep the
        terminal open, so stop at the first empty read instead of waiting for EOF."""
        while not self.eof and len(self.pending) < HIGH_WATER:
            if not self._read_once():
                break
            if self._on_output is not None:
                self._on_output()
        if len(self.pending) >= HIGH_WATER and not self.eof:
            self._stop_reading()
            return
        self._stop_reading()
        self._finish()

    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        if self._transcript is not None:
            self._transcript.flush()
        if not self._done.done():
            self._done.set_result(None)
        if self._on_exit is not None:
            self._on_exit()

    def _close_pidfd(self) -> None:
        if self._pidfd is not None:
            self.loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        if self._poll_handle is not None:
            self._poll_handle.cancel()
            self._poll_handle = None

    async def wait(self) -> None:
        """Until the program has exited and its output has been read."""
        await asyncio.shield(self._done)

    @property
    def alive(self) -> bool:
        return not self.reaped

    # -- writing ---------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Queue bytes for the program's input; what the pty cannot take now is sent when it can."""
        if not data or self.closed or self.reaped:
            return
        self._out += data
        if not self._writing:
            self._flush_out()

    def _flush_out(self) -> None:
        while self._out:
            try:
                n = os.write(self.fd, self._out[:READ_CHUNK])
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno not in (errno.EIO, errno.EBADF):
                    raise
                self._out.clear()
                break
            del self._out[:n]
        if self._out and not self._writing:
            self.loop.add_writer(self.fd, self._flush_out)
            self._writing = True
        elif not self._out and self._writing:
            self.loop.remove_writer(self.fd)
            self._writing = False

    # -- control ---------------------------------------------------------------------------

    def resize(self, cols: int, rows: int) -> None:
        """Set the window size; the kernel sends SIGWINCH to the foreground process group."""
        if cols < 1 or rows < 1:
            raise ValueError(f"terminal size must be at least 1x1, not {cols}x{rows}")
        self.cols, self.rows = cols, rows
        if self.closed:
            return
        try:
            fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        except OSError as e:
            if e.errno not in (errno.EIO, errno.EBADF, errno.ENOTTY):
                raise

    def foreground_pgrp(self) -> int | None:
        """The process group reading the terminal now (the shell's, or a job it started)."""
        if self.closed:
            return None
        try:
            return os.tcgetpgrp(self.fd)
        except OSError:
            return None

    def _signal_groups(self, signals: Sequence[int]) -> None:
        if self.reaped:
            return
        groups = {self.pid}
        fg = self.foreground_pgrp()
        if fg and fg > 0:
            groups.add(fg)
        for sig in signals:
            for pgrp in groups:
                try:
                    os.killpg(pgrp, sig)
                except (ProcessLookupError, PermissionError):
                    pass

    def terminate(self) -> None:
        """Hang up on the program and its jobs (SIGHUP, SIGCONT, SIGTERM to the groups), as
        closing a terminal window does."""
        self._signal_groups((signal.SIGHUP, signal.SIGCONT, signal.SIGTERM))

    def kill(self) -> None:
        """SIGKILL to the program's process group and the terminal's foreground group."""
        self._signal_groups((signal.SIGKILL,))

    def close(self) -> None:
        """Close the pty, killing the program if it still runs (it is reaped when it dies, so
        no zombie is left). Unread output is discarded: call it when the screen is done."""
        if self.closed:
            return
        self.kill()
        self._stop_reading()
        if self._writing:
            self.loop.remove_writer(self.fd)
            self._writing = False
        self.closed = True
        if self._transcript is not None:
            self._transcript.close()
        self._proc.closed = True
        try:
            self._proc.fileobj.close()
        except OSError:
            pass
