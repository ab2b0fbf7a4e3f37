"""The app in a real terminal (issues 6 and 11), each figure beside a reference from the same run.

(a) Start to first frame: `gt` in a pty, in a town with N suspended hooks (default 30): it starts
    a background host, which resumes them, and attaches; until the first frame (the status line)
    is on the terminal, then until every hook's agent runs; `ctrl+b d` detaches (the agents go
    on). Then `gt` again, attaching to the running town: until its first full frame (the status
    line counting the N agents and an agent's screen in a pane); then `ctrl+b q`, `s` (stop the
    town) until the host has suspended them all and the app exited. References: the same in an
    empty town, and `gt --version` (interpreter + CLI start).
(b) Key-to-echo under load: N sessions (default 30) each emitting ~24 KB/s of Ink-style redraws
    (the generator of benchmarks/terminal_mux.py), plus one focused session echoing what it
    reads, in a terminal big enough for 9 (and then 4) visible panes. A key is written to the
    app's terminal every 40-120 ms; latency is from that write until the echoed character is on
    the app's terminal output, end to end. Modes: "embedded", the app running the sessions in
    its own process (as `gt app --embedded` does); "attached", the sessions in a host process
    and the app attached to it over the socket (what `gt` does): its CPU is host + app, and the
    bytes the host sent over the socket are reported per second and per visible pane. Each
    run also says the bytes per second written to its outer terminal (what the terminal
    emulator has to parse: tmux's redraws against the app's).
    References: tmux in the same terminal with the same programs (the echo pane focused beside
    the same number of visible streaming panes, the rest in windows; the CPU of tmux's server
    and of its client, the process in the terminal, as host + app is ours; each process's
    share is shown: the server writes to the client's terminal itself, so the client's is ~0).
(c) Idle: the N sessions idle (`sleep`), nothing typed: the CPU of the embedded app, of the
    attached app + host, and of the tmux server, over the same seconds.
    --busy N runs (b) and (c) with N CPU-bound processes at normal priority beside them for
    the whole run (a busy machine, reproducibly: the figures of a person whose agents work).
    The modes of every pane count run in turns, so a change in the machine's load hits each.
    Like with like: the app's sidebar, borders and status line leave its panes narrower than
    tmux's in the same terminal (at 200x60, 50 columns against 66), and the generator's lines
    wrap and scroll in a narrower pane, which is more work for both. So tmux runs by default
    in the terminal that gives its panes the app's pane size, its other windows resized to
    the size of the app's sessions not shown (--tmux-geometry matched);
    `terminal` runs it in the app's terminal as before; each line says the panes' size.

    python3 benchmarks/app.py [--hooks 30] [--sessions 30] [--seconds 15] [--skip-start]
                              [--busy 2] [--panes 9,4] [--modes embedded,attached,tmux]
                              [--tmux-geometry matched,terminal] [--no-idle]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from benchtown import bench_project  # noqa: E402
from bytecode import compile_package  # noqa: E402
from terminal_mux import FPS_GEN, GENERATOR, _cpu_of, _load, _pct  # noqa: E402

FRAME_BYTES = 24_000 // FPS_GEN   # ~24 KB/s per session
ECHO = r'''
import os, tty
tty.setraw(0)
while True:
    os.write(1, os.read(0, 256))
'''
STATUS_MARK = "? help".encode()


class Terminal:
    """A program in a pty whose output is drained (and timestamped) by a thread."""

    def __init__(self, argv: list[str], cols: int, rows: int, cwd: Path, env: dict[str, str]):
        from ptyprocess import PtyProcess

        self.proc = PtyProcess.spawn(argv, cwd=str(cwd), env=env, dimensions=(rows, cols))
        self.started = time.monotonic()
        self.chunks: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()
        self.tail = b""
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        fd = self.proc.fd
        while True:
            try:
                ready, _, _ = select.select([fd], [], [], 0.2)
                if not ready:
                    if not self.proc.isalive():
                        return
                    continue
                data = os.read(fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.chunks.append((time.monotonic(), data))
                self.tail = (self.tail + data)[-200_000:]

    def wait_for(self, needle: bytes, after: float, timeout: float) -> float | None:
        """Monotonic time of the first chunk after `after` whose text (with some context before
        it) contains `needle`."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            with self.lock:
                chunks = self.chunks[seen:]
                context = b"".join(c for _t, c in self.chunks[max(0, seen - 4):seen])
            for stamp, data in chunks:
                context = (context + data)[-(len(needle) + 65536):]
                if stamp >= after and needle in context:
                    return stamp
            seen += len(chunks)
            time.sleep(0.002)
        return None

    def screen_has(self, needle: bytes) -> bool:
        with self.lock:
            return needle in self.tail

    def write(self, data: bytes) -> float:
        stamp = time.monotonic()
        os.write(self.proc.fd, data)
        return stamp

    def end(self, timeout: float = 20.0) -> float | None:
        deadline = time.monotonic() + timeout
        while self.proc.isalive() and time.monotonic() < deadline:
            time.sleep(0.02)
        ended = time.monotonic() if not self.proc.isalive() else None
        if self.proc.isalive():
            self.proc.kill(9)
        self.proc.close(force=True)
        return ended


# ------------------------------------------------------------------------------ (a) start

def make_town(root: Path, hooks: int) -> Path:
    from gastown_tui.town import find_town
    from gastown_tui.town import hooks as hooks_mod
    from gastown_tui.town.config import set_setting
    from gastown_tui.town.install import install
    from gastown_tui.town.rigs import add_rig
    from gastown_tui.town.sling import sling

    src = root.parent / "src"
    bench_project(src, {"README.md": "# bench\n"})
    install(root)
    town = find_town(root, {})
    add_rig(town, "bench", str(src))
    set_setting(town, "default_agent", "demo", environ=os.environ)
    set_setting(town, "max_polecats", str(max(30, hooks)), environ=os.environ)
    if hooks:
        led = town.rig("bench").ledger("overseer")
        ids = [led.create(f"Task {i}").id for i in range(hooks)]
        for _slung, hook in sling(town, ids, "bench", agent="demo", convoy=False):
            hook = hooks_mod.transition(town, hook, "active")
            hooks_mod.transition(town, hook, "suspended")
    return root


def start_run(town: Path, hooks: int, env: dict[str, str]) -> dict:
    gt = shutil.which("gt") or "gt"
    term = Terminal([gt], 200, 60, town, env)
    first = term.wait_for(STATUS_MARK, term.started, 60)
    want = f"{hooks} agents".encode() if hooks else STATUS_MARK
    every = term.wait_for(want, term.started, 120) if hooks else first
    detached = term.write(b"\x02d")
    term.end(30)
    out = {"first_frame_s": _sec(first, term.started), "all_running_s": _sec(every, term.started)}
    term = Terminal([gt], 200, 60, town, env)  # attach again to the running town
    first = term.wait_for(STATUS_MARK, term.started, 60)
    full = first
    if hooks:
        counted = term.wait_for(want, term.started, 60)
        shown = term.wait_for(b"demo agent", term.started, 60)
        full = max(counted, shown) if counted and shown else None
    out.update(reattach_first_frame_s=_sec(first, term.started),
               reattach_full_frame_s=_sec(full, term.started))
    asked = term.write(b"\x02q")
    term.wait_for(b"Cancel (esc)", asked, 10)
    term.write(b"s")
    ended = term.end(60)
    from gastown_tui.host.runtime import host_running

    deadline = time.monotonic() + 30
    while host_running(town) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    if host_running(town) is not None:
        from gastown_tui.host.headless import stop

        stop(town)  # the app did not stop it: no host is left behind, and the figure says so
        ended = None
    out["stop_s"] = _sec(ended, asked)
    out["detach_to_reattach_s"] = round(term.started - detached, 3)
    if hooks:
        from gastown_tui.town import find_town
        from gastown_tui.town.hooks import all_hooks

        states = [h.state for h in all_hooks(find_town(town, {}))]
        out["suspended_after_stop"] = f"{states.count('suspended')}/{len(states)}"
    return out


def _sec(stamp: float | None, since: float) -> float | None:
    return None if stamp is None else round(stamp - since, 3)


def bench_start(hooks: int, tmp: Path) -> dict:
    env = dict(os.environ, TERM="xterm-256color", GT_DEMO_STEP_SECONDS="600",
               HOME=str(tmp / "home"))
    Path(env["HOME"]).mkdir()
    started = time.monotonic()
    subprocess.run(["gt", "--version"], capture_output=True, env=env, check=True)
    version = round(time.monotonic() - started, 3)
    full = start_run(make_town(tmp / "full" / "town", hooks), hooks, env)
    empty = start_run(make_town(tmp / "empty" / "town", 0), 0, env)
    return {"hooks": hooks, "with_hooks": full, "empty_town": empty, "gt_version_s": version}


# ------------------------------------------------------------------------------ (b) key echo

SESSION_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "xterm-256color"}


def spawn_sessions(mux, sessions: int, seconds: float, gen: str, echo: str,
                   streaming: bool) -> None:
    mux.spawn("echo", [sys.executable, echo], env=SESSION_ENV, cols=50, rows=16)
    for i in range(sessions):
        argv = ([sys.executable, gen, str(seconds + 30), str(FPS_GEN), str(FRAME_BYTES)]
                if streaming else ["sleep", str(seconds + 30)])
        mux.spawn(f"agent{i:02d}", argv, env=SESSION_ENV, cols=50, rows=16)


def child(argv: list[str]) -> int:
    """Runs inside the pty: the app with its own multiplexer and the benchmark's sessions."""
    from gastown_tui.ui.app import AppOptions, GastownApp

    sessions, seconds, gen, echo = int(argv[0]), float(argv[1]), argv[2], argv[3]
    streaming, stats = argv[4] == "1", Path(argv[5])

    class BenchApp(GastownApp):
        async def _start_sessions(self) -> None:
            await super()._start_sessions()
            self.focus_when_started("echo")
            spawn_sessions(self.mux, sessions, seconds, gen, echo, streaming)
            # Once, when the panes are laid out (before the measurement starts, 3 s after the
            # first frame), not at the end: nothing in the app is left to ask by then.
            self.set_timer(2.0, lambda: stats.write_text(json.dumps(pane_geometry(self))))

    BenchApp(AppOptions(environ={"HOME": "/nonexistent"}, start_host=False)).run()
    return 0


def pane_geometry(app) -> dict:
    """The visible panes' inside sizes (what their programs see), the grid's shape and the
    sizes of the sessions not shown (their output is parsed at that width)."""
    panes = [p for p in app.main.grid.panes if not p.has_class("-hidden")]
    sizes = [(p.content_size.width, p.content_size.height) for p in panes]
    shown = {p.session_name for p in panes}
    hidden = ([[s.cols, s.rows] for s in app.mux.sessions() if s.name not in shown]
              if app.mux is not None else [])
    return {"visible": len(panes), "sizes": sizes, "hidden": hidden,
            "grid": [len({p.region.x for p in panes}), len({p.region.y for p in panes})]}


def host_child(argv: list[str]) -> int:
    """A town's host (detached, as `gt` starts one) running the benchmark's sessions."""
    import asyncio
    import signal

    from gastown_tui.host.host import Host
    from gastown_tui.town import Town

    root, sessions, seconds, gen, echo = Path(argv[0]), int(argv[1]), float(argv[2]), \
        argv[3], argv[4]
    streaming = argv[5] == "1"

    async def serve() -> None:
        host = Host(Town(root), mode="detached")
        await host.start()
        spawn_sessions(host.mux, sessions, seconds, gen, echo, streaming)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, host.request_stop)
        await host.stopped.wait()

    asyncio.run(serve())
    return 0


def attach_child(argv: list[str]) -> int:
    """Runs inside the pty: the app attached to the benchmark's host; at the end it writes the
    bytes it received and how many panes it showed to `argv[1]`."""
    from gastown_tui.ui.app import AppOptions, GastownApp

    root, stats = Path(argv[0]), Path(argv[1])

    class BenchApp(GastownApp):
        async def shutdown_sessions(self, stop: bool = False) -> None:
            if self.api is not None:
                stats.write_text(json.dumps({"bytes": self.api.bytes_received,
                                             **pane_geometry(self)}))
            await super().shutdown_sessions(stop)

    app = BenchApp(AppOptions(town_root=root, environ=dict(os.environ)))
    app.focus_when_started("echo")
    app.run()
    return 0


def _write_programs(tmp: Path) -> tuple[Path, Path]:
    gen, echo = tmp / "ink.py", tmp / "echo.py"
    gen.write_text(GENERATOR)
    echo.write_text(ECHO)
    return gen, echo


def idle_cpu(seconds: float, *cpu_pids: int) -> dict:
    """CPU of `cpu_pids` (summed) over `seconds` while nothing is typed."""
    cpu0, wall0 = list(map(_cpu_of, cpu_pids)), time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - wall0
    return {"seconds": round(wall, 1), **_cpu_fields(cpu_pids, cpu0, wall, 2)}


def _cpu_fields(pids: tuple[int, ...], before: list[float], wall: float, digits: int) -> dict:
    """The CPU `pids` used since `before` (their CPU seconds then) as % of a core: summed, and
    each process's share in the order given (host and app; tmux's server and client)."""
    parts = [(_cpu_of(pid) - b) / wall * 100 for pid, b in zip(pids, before)]
    return {"cpu_pct_of_core": round(sum(parts), digits),
            "cpu_pct_parts": [round(p, digits) for p in parts]}


class Busy:
    """`n` CPU-bound processes at normal priority for as long as it is open (a busy machine:
    the agents' own work), ended by pid."""

    def __init__(self, n: int) -> None:
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                      for _ in range(n)]

    def close(self) -> None:
        for proc in self.procs:
            proc.kill()
        for proc in self.procs:
            proc.wait()


def measure(term: Terminal, seconds: float, *cpu_pids: int) -> dict:
    """Type a key every 40-120 ms into the focused program; latency until it is echoed on the
    terminal's output. `cpu_pids`: the processes whose CPU use is reported (summed)."""
    cpu0, wall0 = list(map(_cpu_of, cpu_pids)), time.monotonic()
    with term.lock:
        first_chunk = len(term.chunks)
    latencies: list[float] = []
    missed = 0
    i = 0
    while time.monotonic() - wall0 < seconds:
        char = chr(0x4E00 + i)  # a CJK character no generator prints: unambiguous
        i += 1
        sent = term.write(char.encode())
        seen = term.wait_for(char.encode(), sent, 2.0)
        if seen is None:
            missed += 1
        else:
            latencies.append((seen - sent) * 1000)
        if i % 40 == 0:
            term.write(b"\r")  # a new line now and then, as people type
        time.sleep(random.uniform(0.04, 0.12))
    wall = time.monotonic() - wall0
    cpu = _cpu_fields(cpu_pids, cpu0, wall, 1)
    with term.lock:
        drawn = sum(len(data) for _t, data in term.chunks[first_chunk:])
    return {"seconds": round(wall, 1), "keys": len(latencies), "missed": missed,
            "terminal_kb_per_s": round(drawn / 1000 / wall, 1),
            "p50_ms": round(_pct(latencies, 50), 1), "p95_ms": round(_pct(latencies, 95), 1),
            "p99_ms": round(_pct(latencies, 99), 1),
            "max_ms": round(max(latencies), 1) if latencies else None,
            **cpu}


def echo_run(cols: int, rows: int, sessions: int, seconds: float, streaming: bool,
             tmp: Path) -> dict:
    """The embedded app: keys typed while the sessions stream, or (not `streaming`) its CPU
    while the sessions idle and nothing is typed."""
    gen, echo = _write_programs(tmp)
    stats = tmp / f"embedded-{time.monotonic_ns()}.json"
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", str(sessions),
            str(seconds), str(gen), str(echo), "1" if streaming else "0", str(stats)]
    env = dict(os.environ, TERM="xterm-256color")
    term = Terminal(argv, cols, rows, tmp, env)
    try:
        if term.wait_for(STATUS_MARK, term.started, 60) is None:
            raise SystemExit("benchmark: the app never drew its first frame")
        time.sleep(3.0)  # every session started and streaming
        result = (measure(term, seconds, term.proc.pid) if streaming
                  else idle_cpu(seconds, term.proc.pid))
        term.write(b"\x02q")  # the prefix, then q: the app quits and ends its sessions
    finally:
        term.end(20)
    geometry = json.loads(stats.read_text()) if stats.exists() else None
    return {"size": f"{cols}x{rows}", "program": "gt --embedded", **result,
            **_geometry_fields(geometry)}


def attached_echo_run(cols: int, rows: int, sessions: int, seconds: float, tmp: Path,
                      streaming: bool = True) -> dict:
    """The sessions in a host process, the app attached to it over the socket (not
    `streaming`: the CPU of both while the sessions idle and nothing is typed)."""
    from gastown_tui.town.install import install

    gen, echo = _write_programs(tmp)
    town = tmp / f"attached-{cols}x{rows}-{'s' if streaming else 'i'}-{time.monotonic_ns()}" / "town"
    install(town)
    (town / ".runtime").mkdir(mode=0o700, exist_ok=True)
    me = str(Path(__file__).resolve())
    log = open(town / ".runtime" / "host.log", "ab")
    host = subprocess.Popen([sys.executable, me, "--host-child", str(town), str(sessions),
                             str(seconds), str(gen), str(echo), "1" if streaming else "0"],
                            stdout=log, stderr=log,
                            start_new_session=True)
    log.close()
    stats = town.parent / "stats.json"
    try:
        from gastown_tui.host.client import HostClient

        deadline = time.monotonic() + 30
        while True:
            try:
                HostClient(town, timeout=2).call("ping")
                break
            except Exception:  # noqa: BLE001 - not listening yet
                if time.monotonic() > deadline or host.poll() is not None:
                    raise SystemExit("benchmark: the host did not start; see "
                                     f"{town / '.runtime' / 'host.log'}")
                time.sleep(0.05)
        env = dict(os.environ, TERM="xterm-256color")
        term = Terminal([sys.executable, me, "--attach-child", str(town), str(stats)], cols,
                        rows, tmp, env)
        try:
            if term.wait_for(STATUS_MARK, term.started, 60) is None:
                raise SystemExit("benchmark: the attached app never drew its first frame")
            time.sleep(3.0)
            received = None
            result = (measure(term, seconds, term.proc.pid, host.pid) if streaming
                      else idle_cpu(seconds, term.proc.pid, host.pid))
            term.write(b"\x02d")  # detach: the app ends and says what it received
        finally:
            term.end(20)
        if stats.exists():
            received = json.loads(stats.read_text())
    finally:
        host.terminate()
        try:
            host.wait(20)
        except subprocess.TimeoutExpired:
            host.kill()
            host.wait()
    out = {"size": f"{cols}x{rows}", "program": "gt (attached)", **result,
           **_geometry_fields(received)}
    if received and streaming:
        wall = result["seconds"] + 3.0
        visible = max(1, received["visible"])
        out["socket_kb_per_s"] = round(received["bytes"] / 1000 / wall, 1)
        out["socket_kb_per_s_per_pane"] = round(received["bytes"] / 1000 / wall / visible, 1)
    return out


def _geometry_fields(stats: dict | None) -> dict:
    """What a run of the app reports of its panes: their count, inside size (the most common,
    which every pane has in a uniform grid) and the grid's columns x rows."""
    if not stats or not stats.get("sizes"):
        return {}
    sizes = [tuple(size) for size in stats["sizes"]]
    width, height = max(set(sizes), key=sizes.count)
    out = {"pane_size": [width, height], "grid": stats["grid"],
           "panes": f"{len(sizes)} panes of {width}x{height}"
                    + ("" if len(set(sizes)) == 1 else " (some taller)")}
    hidden = [tuple(size) for size in stats.get("hidden") or []]
    if hidden:
        out["hidden_size"] = list(max(set(hidden), key=hidden.count))
        out["panes"] += ", the other sessions %dx%d" % tuple(out["hidden_size"])
    return out


def tmux_size_for(pane: list[int], grid: list[int]) -> tuple[int, int]:
    """The terminal in which tmux's tiled layout of grid[0] x grid[1] panes gives each pane
    `pane` (width, height) inside: one column or row of border between panes, one row of
    status line."""
    (width, height), (across, down) = pane, grid
    return across * width + across - 1, down * height + down - 1 + 1


def tmux_echo_run(cols: int, rows: int, panes: int, sessions: int, seconds: float,
                  tmp: Path, streaming: bool = True,
                  hidden: list[int] | None = None) -> dict | None:
    """The reference: tmux in a terminal of `cols` x `rows`, the echo program in the focused
    pane beside `panes - 1` streaming panes (tiled), the other streaming sessions in windows
    (of `hidden` (width, height) when given, else the terminal's size), or (not `streaming`)
    the server's and client's CPU while they idle and nothing is typed."""
    tmux = shutil.which("tmux")
    if tmux is None:
        return None
    gen, echo = _write_programs(tmp)
    socket = f"gt-app-bench-{os.getpid()}"
    base = [tmux, "-f", "/dev/null", "-L", socket]
    env = dict(os.environ, TERM="xterm-256color", TMUX_TMPDIR=str(tmp))
    env.pop("TMUX", None)
    stream = (f"{sys.executable} {gen} {seconds + 30} {FPS_GEN} {FRAME_BYTES}" if streaming
              else f"sleep {seconds + 30}")
    term = Terminal(base + ["new-session", f"{sys.executable} {echo}"], cols, rows, tmp, env)
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(base + ["has-session"], env=env, capture_output=True).returncode:
            if time.monotonic() > deadline:
                raise SystemExit("benchmark: tmux did not start")
            time.sleep(0.05)
        for i in range(sessions):
            where = (["split-window", "-d"] if i < panes - 1
                     else ["new-window", "-d", "-P", "-F", "#{window_id}"])
            made = subprocess.run(base + where + [stream], env=env, capture_output=True,
                                  text=True, check=True)
            if i < panes - 1:
                subprocess.run(base + ["select-layout", "tiled"], env=env, capture_output=True)
            elif hidden:
                subprocess.run(base + ["resize-window", "-t", made.stdout.strip(), "-x",
                                       str(hidden[0]), "-y", str(hidden[1])],
                               env=env, capture_output=True, check=True)
        server = int(subprocess.run(base + ["display-message", "-p", "#{pid}"], env=env,
                                    capture_output=True, text=True).stdout.strip())
        others = subprocess.run(base + ["list-windows", "-F",
                                        "#{window_width} #{window_height}"],
                                env=env, capture_output=True, text=True).stdout.split()[2:]
        listed = subprocess.run(base + ["list-panes", "-t", ":0", "-F",
                                        "#{pane_width} #{pane_height} #{pane_left} #{pane_top}"],
                                env=env, capture_output=True, text=True).stdout.split("\n")
        shown = [[int(n) for n in line.split()] for line in listed if line.strip()]
        geometry = {"sizes": [p[:2] for p in shown],
                    "grid": [len({p[2] for p in shown}), len({p[3] for p in shown})],
                    "hidden": [[int(others[i]), int(others[i + 1])]
                               for i in range(0, len(others) - 1, 2)]}
        time.sleep(3.0)
        # What tmux costs is its server and its client (the process in the terminal), as host
        # + app is ours; the server writes to the client's terminal itself.
        client = term.proc.pid
        result = (measure(term, seconds, server, client) if streaming
                  else idle_cpu(seconds, server, client))
    finally:
        subprocess.run(base + ["kill-server"], env=env, capture_output=True)
        term.end(10)
    return {"size": f"{cols}x{rows}", "program": "tmux", **result, **_geometry_fields(geometry)}


RUNS = {"embedded": lambda c, r, p, n, s, t, streaming: echo_run(c, r, n, s, streaming, t),
        "attached": lambda c, r, p, n, s, t, streaming: attached_echo_run(c, r, n, s, t,
                                                                          streaming),
        "tmux": lambda c, r, p, n, s, t, streaming, hidden=None: tmux_echo_run(
            c, r, p, n, s, t, streaming, hidden)}
# The app shows as many panes as fit at its minimum pane size (ui/widgets/grid.py), so the
# terminal decides the count: 200x60 shows 15 panes, 150x46 shows 8. These show 9 and 4.
SIZES = {9: (200, 40), 4: (150, 30)}


def bench_echo(sessions: int, seconds: float, tmp: Path, panes: list[int], modes: list[str],
               idle: bool, geometries: list[str]) -> dict:
    """Every mode at every pane count. The app runs first; with the geometry "matched", tmux
    then runs in the terminal that gives its panes the app's pane size (the app's sidebar,
    borders and status line leave its panes smaller than tmux's in the same terminal, and a
    narrower pane wraps and scrolls more); with "terminal", tmux runs in the app's terminal."""
    out = {"sessions": sessions, "kb_per_s_each": FRAME_BYTES * FPS_GEN // 1000, "runs": [],
           "idle": []}
    order = sorted(modes, key=lambda m: m == "tmux")
    for count in panes:
        cols, rows = SIZES[count]
        app_geometry = None
        for mode in order:
            if mode != "tmux":
                run = RUNS[mode](cols, rows, count, sessions, seconds, tmp, True)
                run.update(visible=f"{count} panes", load=_load(), geometry="app")
                out["runs"].append(run)
                if run.get("hidden_size") or not app_geometry:
                    app_geometry = run if run.get("pane_size") else app_geometry
                continue
            for geometry in geometries:
                size, hidden = (cols, rows), None
                if geometry == "matched":
                    if app_geometry is None:
                        continue  # no app run to match
                    size = tmux_size_for(app_geometry["pane_size"], app_geometry["grid"])
                    hidden = app_geometry.get("hidden_size")
                run = RUNS[mode](*size, count, sessions, seconds, tmp, True, hidden)
                if run is not None:
                    run.update(visible=f"{count} panes", load=_load(), geometry=geometry)
                    out["runs"].append(run)
    if idle:
        for mode in modes:
            run = RUNS[mode](*SIZES[9], 9, sessions, min(seconds, 10.0), tmp, False)
            if run is not None:
                run.update(visible="9 panes", load=_load())
                out["idle"].append(run)
    return out


def _parts(run: dict) -> str:
    """Each process's share when a run has two: host and app, tmux's server and client."""
    parts = run.get("cpu_pct_parts") or []
    if len(parts) < 2:
        return ""
    names = ("server", "client") if run["program"] == "tmux" else ("app", "host")
    return " (" + ", ".join(f"{n} {p}" for n, p in zip(names, parts)) + ")"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        return child(argv[1:])
    if argv and argv[0] == "--host-child":
        return host_child(argv[1:])
    if argv and argv[0] == "--attach-child":
        return attach_child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hooks", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--skip-start", action="store_true", help="only the key-echo part")
    parser.add_argument("--busy", type=int, default=0, metavar="N",
                        help="N CPU-bound processes beside the key-echo and idle runs")
    parser.add_argument("--panes", default="9,4", help="visible pane counts: 9, 4 or both")
    parser.add_argument("--modes", default="embedded,attached,tmux",
                        help="which of embedded, attached, tmux to run")
    parser.add_argument("--no-idle", action="store_true", help="skip the idle CPU runs")
    parser.add_argument("--tmux-geometry", default="matched",
                        help="matched (tmux's panes the size of the app's), terminal (tmux in "
                             "the app's terminal: wider panes) or both: matched,terminal")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.hooks < 0 or args.sessions < 0 or args.seconds <= 0 or args.busy < 0:
        parser.error("--hooks, --sessions and --busy must be >= 0 and --seconds > 0")
    try:
        panes = [int(n) for n in args.panes.split(",") if n]
    except ValueError:
        panes = [0]
    modes = [m for m in args.modes.split(",") if m]
    if not panes or any(n not in SIZES for n in panes):
        parser.error("--panes takes 9, 4 or 9,4")
    if not modes or any(m not in RUNS for m in modes):
        parser.error(f"--modes takes a comma-separated list of {', '.join(RUNS)}")
    geometries = [g for g in args.tmux_geometry.split(",") if g]
    if not geometries or any(g not in ("matched", "terminal") for g in geometries):
        parser.error("--tmux-geometry takes matched, terminal or matched,terminal")
    compile_package()
    report: dict = {"load_before": _load(), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="gt-app-bench-") as name:
        tmp = Path(name)
        if not args.skip_start:
            report["start"] = bench_start(args.hooks, tmp)
        busy = Busy(args.busy)
        try:
            report["busy"] = args.busy
            report["echo"] = bench_echo(args.sessions, args.seconds, tmp, panes, modes,
                                        not args.no_idle, geometries)
        finally:
            busy.close()
    report["load_after"] = _load()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    if "start" in report:
        s = report["start"]
        w = s["with_hooks"]
        print(f"start, {s['hooks']} suspended hooks: first frame {w['first_frame_s']} s, all "
              f"{s['hooks']} agents running {w['all_running_s']} s; attach again to the running "
              f"town: first frame {w['reattach_first_frame_s']} s, full frame (the {s['hooks']}"
              f" agents counted, an agent's screen shown) {w['reattach_full_frame_s']} s; stop "
              f"the town {w['stop_s']} s, suspended after stop {w.get('suspended_after_stop')}")
        print(f"  reference: empty town first frame {s['empty_town']['first_frame_s']} s, "
              f"again {s['empty_town']['reattach_first_frame_s']} s, stop "
              f"{s['empty_town']['stop_s']} s; `gt --version` {s['gt_version_s']} s")
    e = report["echo"]
    busy = f", {report['busy']} CPU-bound processes beside" if report["busy"] else ""
    print(f"key-to-echo, {e['sessions']} sessions at ~{e['kb_per_s_each']} KB/s each{busy} "
          "(gt --embedded: one process; gt (attached): host + app; tmux: the same programs in "
          "tmux):")
    for run in e["runs"]:
        socket = (f"; socket {run['socket_kb_per_s']} KB/s, {run['socket_kb_per_s_per_pane']} "
                  "KB/s per visible pane" if "socket_kb_per_s" in run else "")
        shape = run.get("panes", run["visible"])
        label = {"matched": ", sized to the app's panes", "terminal": ", the app's terminal"}
        print(f"  {run['size']} ({shape}{label.get(run['geometry'], '')}) {run['program']}: "
              f"p50 {run['p50_ms']} ms, "
              f"p95 {run['p95_ms']} ms, p99 {run['p99_ms']} ms, max {run['max_ms']} ms over "
              f"{run['keys']} keys ({run['missed']} missed); CPU {run['cpu_pct_of_core']}% of a "
              f"core{_parts(run)}; to the terminal {run['terminal_kb_per_s']} KB/s{socket} "
              f"(load {run['load']})")
    if e["idle"]:
        print(f"idle, {e['sessions']} sessions idle, nothing typed{busy}: " + "; ".join(
            f"{run['program']} {run['cpu_pct_of_core']}% of a core{_parts(run)}"
            for run in e["idle"])
            + f" over {e['idle'][0]['seconds']} s")
    print(f"load average before {report['load_before']}, after {report['load_after']} "
          f"({report['cpus']} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
