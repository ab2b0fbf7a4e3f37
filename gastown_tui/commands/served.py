"""The town's command server: the commands agents call all the time, run in a process that
has already imported everything they need, as build daemons and nailgun serve theirs.

A `gt done` started from nothing spends ~40 ms importing pygit2 (libgit2, its OpenSSL, its
enums) and ~25 ms more on the standard modules and ours before it does any work: more than
the whole budget agents' commands have over a bare interpreter. So the town's host keeps this
process beside itself (`host/cmdserver.py`): it imports the registry, pygit2 (through
`gitload`) and the domain modules the served commands use, freezes them out of the cycle
collector's sight, and listens on `<town>/.runtime/serve.sock` (0600, in the 0700 runtime
folder; a peer of another user is refused). Each connection is one command, taken by a
process the server forked ahead (the spare: no caller waits for a fork, nor for the server
to pass the connection on), which tells the server and forks no more: it takes the caller's
arguments, directory, environment, umask and its standard input, output and error themselves
(passed as file descriptors, so a terminal is a terminal and a pipe a pipe), runs the very
entry the `gt` and `bd` scripts run (`fast.py`), says how it ended and exits (should a signal
end it, the server says so). The server forks the next spare once the commands running have
ended, or at once for a caller who finds none. The caller's side is `fast.served`.

The server answers `stale` and ends (the host starts a fresh one) once a module file it loaded
changed, and refuses a caller of another installation, interpreter or protocol, or whose
environment differs where a started process would have read it once (a child cannot take it
over: libgit2 reads HOME once, Python its locale and PYTHON* settings at start): such callers
run the command in their own process, as they would without a server.

What a served command cannot share with its caller's process: the caller passes on SIGINT,
SIGTERM and SIGHUP, but a caller stopped (Ctrl-Z) or killed by SIGKILL leaves the command
running to its end, and the command's process has no controlling terminal of its own (it
writes to the caller's, as passed).

    python -c '...main()' TOWN_ROOT WATCH_FD    (started by the host; WATCH_FD: the read end
                                                of a pipe whose writer is the host, so the
                                                server ends when the host does, even by -9)
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path
from typing import Any

PROTOCOL = b"gt-serve/1"
STATUS = b"gt-serve/status"
# What the caller passes on to the command's process (fast._await): SIGINT, SIGTERM, SIGHUP.
FORWARDED = (2, 15, 1)
# The exit status of a server that found its code changed: the host starts a fresh one.
STALE_EXIT = 75
# How long a caller may take to send its request once connected (it sends it at once).
REQUEST_TIMEOUT_S = 2.0
# How long a stopping server waits for the commands it runs before it leaves them to finish.
DRAIN_S = 30.0
MAX_REQUEST = 1 << 20
SPARE_AFTER_S = 0.02
# Variables a started process reads once, at its start or at its first use of libgit2 or
# OpenSSL's paths: a caller whose values differ from the server's runs in its own process.
FIXED_AT_START = ("HOME", "XDG_CONFIG_HOME", "LANG", "LC_ALL", "LC_CTYPE", "SSL_CERT_FILE",
                  "SSL_CERT_DIR", "GIT_CONFIG_NOSYSTEM")
# What the served commands import beyond the registry's modules (fast_words.py) and pygit2:
# the domain modules their bodies import as they run.
WARM = (
    "sqlite3", "json", "tomllib", "shutil", "tempfile", "uuid", "locale", "traceback",
    "gastown_tui.beads", "gastown_tui.beads.store", "gastown_tui.town", "gastown_tui.town.done",
    "gastown_tui.town.prime", "gastown_tui.town.hooks", "gastown_tui.town.mail",
    "gastown_tui.town.mq", "gastown_tui.town.worktrees", "gastown_tui.town.snapshots",
    "gastown_tui.town.addresses", "gastown_tui.town.session_hooks", "gastown_tui.town.convoys",
    "gastown_tui.town.schema", "gastown_tui.inflight", "hashlib", "_sha256", "mmap",
    "gastown_tui.host.api", "gastown_tui.host.client", "gastown_tui.host.events",
    "gastown_tui.when",
)


def package_dir() -> str:
    """The folder of the gastown_tui this process runs: a caller of another one is refused."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Server:
    def __init__(self, root: Path, watch_fd: int):
        self.root = root
        self.watch_fd = watch_fd
        self.files: dict[str, int] = {}
        self.children: dict[int, Any] = {}   # pid -> the caller's connection
        self.sock: Any = None
        self.path: str | None = None
        self.stale = False
        self.stopping = False
        self.served = 0
        # The process forked ahead for the next caller: (pid, the channel it reports on).
        self.spare: tuple[int, Any] | None = None
        self.quiet_since = 0.0  # when the last command ended

    # ------------------------------------------------------------------ start

    def load(self) -> None:
        """Import what the served commands need, then note the files it came from."""
        import importlib

        from ..gitload import install

        install()
        import pygit2  # noqa: F401 - the point of the server

        from . import bd, fast, gt  # noqa: F401 - the registry, for words fast.py leaves to it
        from .fast_words import WORDS

        for module, _name, _params in WORDS.values():
            importlib.import_module(module)
        for name in WARM:
            try:
                importlib.import_module(name)
            except ImportError:
                pass    # a module the code no longer has: the command imports what it needs
        mine = package_dir() + os.sep
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if path and path.startswith(mine):
                try:
                    self.files[path] = os.stat(path).st_mtime_ns
                except OSError:
                    pass
        self.python = os.path.realpath(sys.executable)
        self.pythons: dict[str, str] = {}
        self.package = package_dir()
        self.environ = {k: os.environ.get(k) for k in FIXED_AT_START}
        self.python_vars = {k: v for k, v in os.environ.items() if _python_var(k)}
        gc.collect()
        gc.freeze()

    def listen(self, path: str) -> None:
        import socket

        self.path = path
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            os.unlink(path)   # the host starts one server at a time: an old file is a dead one's
        except FileNotFoundError:
            pass
        old = os.umask(0o177)
        try:
            sock.bind(path)
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        sock.listen(64)
        self.sock = sock

    # ------------------------------------------------------------------ the loop

    def run(self) -> int:
        import select
        import signal

        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.wake = (wake_r, wake_w)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        deadline = None
        while True:
            if self.stopping or self.stale:
                self._close_listener()
                if not self.children:
                    break
                if deadline is None:
                    deadline = time.monotonic() + DRAIN_S
                elif time.monotonic() > deadline:
                    break
            watched = [wake_r]
            if self.sock is not None:
                watched.append(self.watch_fd)
                # Callers are the spare's to take; with none waiting, a caller that comes
                # gets one forked at once.
                watched.append(self.spare[1] if self.spare is not None else self.sock)
            timeout = 1.0 if deadline else None
            spare_at = None
            if self.spare is None and self.sock is not None and not self.children:
                # Otherwise the next spare is forked once the commands running have ended
                # and their callers had a moment to finish: a fork competes with them for
                # the CPU.
                spare_at = self.quiet_since + SPARE_AFTER_S
                timeout = max(0.0, spare_at - time.monotonic())
            try:
                ready, _, _ = select.select(watched, [], [], timeout)
            except InterruptedError:
                ready = []
            if wake_r in ready:
                try:
                    while os.read(wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
            self._reap()
            if self.watch_fd in ready:
                self.stopping = True    # the host ended (its end of the pipe closed)
            elif self.spare is not None and self.spare[1] in ready:
                self._spare_said()
            elif self.sock is not None and self.sock in ready:
                self._fork_spare()
            elif not ready and spare_at is not None and time.monotonic() >= spare_at:
                self._fork_spare()
        return STALE_EXIT if self.stale else 0

    def _stop(self, *_: Any) -> None:
        self.stopping = True

    def _close_listener(self) -> None:
        if self.sock is None:
            return
        if self.spare is not None:
            self.spare[1].close()   # the spare ends
            self.spare = None
        self.sock.close()
        self.sock = None
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is None:
                continue
            self.quiet_since = time.monotonic()
            # The child said how it ended unless a signal ended it (saying it twice is
            # harmless: the caller reads the first).
            if os.WIFSIGNALED(status):
                said = b"signal %d\n" % os.WTERMSIG(status)
            else:
                said = b"exit %d\n" % os.waitstatus_to_exitcode(status)
            try:
                conn.sendall(said)
            except OSError:
                pass    # the caller went away
            conn.close()

    def _fork_spare(self) -> None:
        """Fork the process that takes the next caller, while no caller waits for it (a fork
        of this process costs ~2.5 ms)."""
        import socket

        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            mine.close()
            self._wait_for_work(theirs)     # never returns
        theirs.close()
        self.spare = (pid, mine)

    def _spare_said(self) -> None:
        """The spare took a caller (and passed its connection, to say how the command ended
        should a signal end it), found the code changed, or ended."""
        import socket

        pid, channel = self.spare
        self.spare = None
        try:
            said, fds = _receive(channel, 1)
        except OSError:
            said, fds = b"", []
        channel.close()
        if said == b"took" and len(fds) == 1:
            self.served += 1
            self.children[pid] = socket.socket(fileno=fds[0])
            return
        for fd in fds:
            os.close(fd)
        if said == b"stale":
            self.stale = True

    def _judge(self, fields: list[bytes], fds: list[int]) -> bytes | None:
        """Why this server must not run the request (a line for the caller), or None."""
        if not fields or fields[0] != PROTOCOL:
            return b"protocol " + PROTOCOL
        if len(fds) != 3:
            return b"decline no standard files"
        try:
            request = Request.parse(fields)
        except (ValueError, IndexError):
            return b"protocol " + PROTOCOL
        if request.package != self.package or self._python(request.python) != self.python:
            return b"decline another installation"
        env = request.environ
        if any(env.get(k) != v for k, v in self.environ.items()) or \
                {k: v for k, v in env.items() if _python_var(k)} != self.python_vars:
            return b"decline another environment"
        if self._changed():
            self.stale = True
            return b"stale"
        return None

    def _python(self, path: str) -> str:
        real = self.pythons.get(path)
        if real is None:
            real = self.pythons[path] = os.path.realpath(path)
        return real

    def _changed(self) -> bool:
        for path, mtime in self.files.items():
            try:
                if os.stat(path).st_mtime_ns != mtime:
                    return True
            except OSError:
                return True
        return False

    # ------------------------------------------------------------------ the spare

    def _wait_for_work(self, channel: Any) -> None:
        """The spare process: take the next caller whose command this server may run (it
        answers the others), tell the server, and become the command's process; end when
        the server closes the channel."""
        code = 1
        try:
            import select
            import signal
            import socket
            import struct

            # The caller's signals wait until its command runs (`_exit_status`).
            signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for other in self.children.values():
                other.close()
            for fd in (self.watch_fd, *self.wake):
                os.close(fd)
            listener = self.sock
            listener.setblocking(False)
            while True:
                ready, _, _ = select.select([listener, channel], [], [])
                if channel in ready:
                    os._exit(0)     # the server closed it: it is stopping
                try:
                    conn, _ = listener.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                fds: list[int] = []
                try:
                    conn.setblocking(True)
                    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                            struct.calcsize("3i"))
                    if struct.unpack("3i", creds)[1] != os.getuid():
                        conn.close()
                        continue
                    conn.settimeout(REQUEST_TIMEOUT_S)
                    fields, fds = _read_request(conn)
                    if fields == [STATUS] and not fds:
                        # What a test or a person asks: is it this server, has it served?
                        conn.sendall(b"served %d pid %d\n" % (self.served, os.getppid()))
                        conn.close()
                        continue
                    refusal = self._judge(fields, fds)
                    if refusal is not None:
                        for fd in fds:
                            os.close(fd)
                        conn.sendall(refusal + b"\n")
                        conn.close()
                        if self.stale:
                            channel.sendall(b"stale")
                            os._exit(0)
                        continue
                    conn.settimeout(None)
                except OSError:
                    for fd in fds:
                        os.close(fd)
                    conn.close()
                    continue
                break
            import array

            channel.sendmsg([b"took"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                         array.array("i", [conn.fileno()]).tobytes())])
            channel.close()
            listener.close()
            # From here the caller sends its signals to this process.
            conn.sendall(b"pid %d\n" % os.getpid())
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            for fd in fds:
                if fd > 2:
                    os.close(fd)
            request = Request.parse(fields)
            code = request.run()
            # The caller's files closed and its status sent before this process's memory is
            # given back: the caller need not wait for that, nor a reader of its output.
            for fd in (0, 1, 2):
                os.close(fd)
            conn.sendall(b"exit %d\n" % code)
            _after_answer()
            # Giving back this process's memory is nobody's wait any more: it yields to
            # the caller, which is finishing now.
            os.nice(19)
        except BaseException:   # noqa: BLE001 - a child must never return into the server
            try:
                import traceback

                traceback.print_exc()
            finally:
                os._exit(1)
        os._exit(code)


class Request:
    """One command as the caller would have run it."""

    def __init__(self, **kw: Any):
        self.__dict__.update(kw)

    @classmethod
    def parse(cls, fields: list[bytes]) -> "Request":
        dec = os.fsdecode
        at = 8
        nargs = int(fields[7])
        args = [dec(a) for a in fields[at:at + nargs]]
        at += nargs
        stdio = [f.decode("ascii") for f in fields[at:at + 6]]
        at += 6
        environ = {}
        for entry in fields[at:]:
            key, eq, value = entry.partition(b"=")
            if eq:
                environ[dec(key)] = dec(value)
        if len(stdio) != 6:
            raise ValueError("short request")
        return cls(package=dec(fields[1]), python=dec(fields[2]), program=dec(fields[3]),
                   cwd=dec(fields[4]), umask=int(fields[5]), argv0=dec(fields[6]), args=args,
                   stdio=stdio, environ=environ)

    def run(self) -> int:
        """In the forked child: become the caller's process, run its command, and return the
        status its own process would have exited with. The environment is replaced whole;
        what Python keeps from it once is taken again (the time zone, tempfile's folder), and
        no module of ours reads it at import (the values that matter at start are the same as
        the server's, or the server refused the caller)."""
        from ..beads import store
        from . import calls

        store.RETIRED = []
        calls.AFTER_ANSWER = []
        os.environ.clear()
        os.environ.update(self.environ)
        time.tzset()
        tempfile = sys.modules.get("tempfile")
        if tempfile is not None:
            tempfile.tempdir = None     # chosen from TMPDIR on first use: the caller's
        os.umask(self.umask)
        sys.argv = [self.argv0, *self.args]
        _stdio(self.stdio)
        try:
            os.chdir(self.cwd)
        except OSError as e:
            sys.stderr.write(f"{self.program}: error: cannot enter {self.cwd}: "
                             f"{e.strerror}\n")
            return 1
        return _exit_status(self.program, self.args)


def _python_var(name: str) -> bool:
    # The caller's stdio encodings come with the request (PYTHONIOENCODING is honoured).
    return name.startswith("PYTHON") and name != "PYTHONIOENCODING"


def _stdio(encodings: list[str]) -> None:
    """sys.stdin, stdout and stderr over the caller's descriptors, made as Python makes them
    at start, with the caller's encodings and error handlers."""
    import io

    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        encoding, errors = encodings[2 * fd], encodings[2 * fd + 1]
        raw = io.FileIO(fd, mode + "b", closefd=False)
        raw.name = f"<{name}>"
        buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
        text = io.TextIOWrapper(buffered, encoding, errors, newline="\n",
                                line_buffering=fd == 2 or raw.isatty())
        text.mode = mode
        setattr(sys, name, text)
        setattr(sys, f"__{name}__", text)


def _exit_status(program: str, args: list[str]) -> int:
    """Run the entry as the `gt`/`bd` script does and end as the interpreter would: its
    exit handlers, its standard files flushed, an uncaught KeyboardInterrupt shown and
    ended by SIGINT."""
    import atexit
    import signal

    from . import fast

    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED)
        fast.run_here(program, args)
        code = 0
    except SystemExit as e:
        code = _code_of(e.code)
    except KeyboardInterrupt:
        import traceback

        traceback.print_exc()
        _finish()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        code = 130
    except BaseException:  # noqa: BLE001 - what the interpreter does with an uncaught one
        import traceback

        traceback.print_exc()
        code = 1
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()   # noqa: SLF001 - the interpreter waits for its threads too
    atexit._run_exitfuncs()    # noqa: SLF001
    if not _finish():
        code = 120
    return code


def _after_answer() -> None:
    """What the command left for after its answer (`calls.after_answer`); its failures are
    nobody's to see any more, as its standard files are closed."""
    from . import calls

    for work in calls.AFTER_ANSWER or ():
        try:
            work()
        except Exception:  # noqa: BLE001
            pass


def _code_of(code: Any) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write(f"{code}\n")
    return 1


def _finish() -> bool:
    ok = True
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - as the interpreter at exit: the status says it
            ok = False
    return ok


def _read_request(conn: Any) -> tuple[list[bytes], list[int]]:
    """A caller's length-prefixed request (fields split at NULs) and the descriptors of its
    standard files that came with it."""
    import array
    import socket

    fds = array.array("i")
    data, ancillary, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(3 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    fds_list = list(fds)
    if len(data) < 4:
        return [], fds_list
    size = int.from_bytes(data[:4], "big")
    if size > MAX_REQUEST:
        return [], fds_list
    body = bytearray(data[4:])
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            return [], fds_list
        body += chunk
    return bytes(body).split(b"\0"), fds_list


def _receive(channel: Any, files: int) -> tuple[bytes, list[int]]:
    """A short message on the spare's channel, and the descriptors that came with it."""
    import array
    import socket

    fds = array.array("i")
    data, ancillary, _flags, _addr = channel.recvmsg(64, socket.CMSG_SPACE(files * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    return data, list(fds)


def main(argv: list[str] | None = None) -> int:
    from ..host.runtime import serve_socket_path

    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0])
    path = serve_socket_path(root)
    if path is None:
        return 0
    server = Server(root, int(args[1]))
    server.load()
    server.listen(str(path))
    sys.stderr.write(f"command server listening on {path} (pid {os.getpid()})\n")
    sys.stderr.flush()
    code = server.run()
    if code == STALE_EXIT:
        sys.stderr.write("command server: its code changed; a fresh one takes over\n")
    return code
