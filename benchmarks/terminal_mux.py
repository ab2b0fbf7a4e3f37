"""The multiplexer under load (issue 4, points 9b-d), with tmux as the reference in the same run.

(b) N sessions (default 30) each emitting ~24 KB/s of Ink-style redraws (erase the previous
    frame line by line, write a new coloured one, inside synchronized-output brackets) for S
    seconds (default 30), plus one focused session echoing keys typed every ~50 ms. Reports
    whether every byte was parsed with no session throttled (each generator kept its schedule;
    no pty hit the backpressure mark), the scheduler tick p50/p99/max, key-to-screen latency
    p50/p99 (goal p99 <= 30 ms: from writing the key to the event that shows it), and our CPU
    against the tmux server's CPU for the same generators.
(c) Memory per session with 10,000 lines of 100-column scrollback: RSS growth of this process
    per session against the tmux server's per window.
(d) CPU with N idle shells over 10 s (goal <= 1% of a core), against tmux's.

    python3 benchmarks/terminal_mux.py [--sessions 30] [--seconds 30] [--no-tmux]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gastown_tui.term import events as ev  # noqa: E402
from gastown_tui.term.mux import Multiplexer  # noqa: E402

COLS, ROWS = 120, 40
FPS_GEN = 20
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PS1": "$ "}

# Ink redraws its whole output each frame: cursor up and erase per line, then the new frame
# (frame_bytes long, padded with blanks). benchmarks/engine.py and the engine's tests feed the
# same frames in process (ink_frames).
INK_FRAME = r'''
spin = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
lines = 12
def frame(i, frame_bytes):
    body = []
    for n in range(lines):
        body.append("\x1b[2K\x1b[1m\x1b[38;5;%dm%s\x1b[0m \x1b[36mstep %d\x1b[0m: working on "
                    "item %06d \x1b[2m(esc to interrupt)\x1b[0m"
                    % (n % 200 + 16, spin[(i + n) % 10], n, i * lines + n))
    out = "\x1b[?2026h" + ("\x1b[2K\x1b[1A" * lines) + "\x1b[2K\x1b[G" + "\r\n".join(body)
    out = out.encode()
    pad = frame_bytes - len(out) - len(b"\x1b[?2026l")
    return out + b" " * max(0, pad) + b"\x1b[?2026l"
'''

GENERATOR = r'''
import os, sys, time, tty
tty.setraw(1)
seconds, fps, frame_bytes = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
''' + INK_FRAME + r'''
start = time.monotonic()
total = frames = 0
late = 0.0
n = int(seconds * fps)
for i in range(n):
    due = start + i / fps
    now = time.monotonic()
    if now < due:
        time.sleep(due - now)
    else:
        late = max(late, now - due)
    data = frame(i, frame_bytes)
    os.write(1, data)
    total += len(data)
os.write(1, ("\r\nDONE bytes=%d late=%.3f\r\n" % (total, late)).encode())
'''


def ink_frames(first: int, count: int, frame_bytes: int = 1200) -> list[bytes]:
    """The generator's frames first..first+count-1 (1200 bytes: benchmarks/app.py's 24 KB/s
    at 20 frames a second)."""
    ns: dict = {}
    exec(INK_FRAME, ns)
    return [ns["frame"](i, frame_bytes) for i in range(first, first + count)]


ECHO = r'''
import os, tty
tty.setraw(0)
n = 0
while True:
    data = os.read(0, 64)
    for b in data:
        n += 1
        os.write(1, b"\r\x1b[2Kkey %d" % n)
'''


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) of a process and its reaped children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def _rss_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Tmux:
    """A private tmux server (own socket, no config) running the same programs."""

    def __init__(self, tmp: Path) -> None:
        self.socket = f"gt-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.env = {"PATH": ENV["PATH"], "LANG": "C.UTF-8", "TERM": "xterm-256color",
                    "HOME": str(tmp), "TMUX_TMPDIR": str(tmp)}
        self.windows = 0

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-f", "/dev/null", "-L", self.socket, *args],
                              env=self.env, capture_output=True, text=True, check=True).stdout

    def spawn(self, argv: list[str]) -> None:
        command = shlex.join(["env", "-i", *[f"{k}={v}" for k, v in ENV.items()],
                              "TERM=xterm-256color", *argv])
        if self.windows == 0:
            self.run("start-server", ";", "set", "-g", "status", "off", ";",
                     "set", "-g", "history-limit", "10000", ";", "set", "-g", "remain-on-exit",
                     "on", ";", "new-session", "-d", "-s", "bench", "-x", str(COLS), "-y",
                     str(ROWS), command)
        else:
            self.run("new-window", "-d", "-t", "bench", command)
        self.windows += 1

    @property
    def pid(self) -> int:
        return int(self.run("display-message", "-p", "#{pid}").strip())

    def close(self) -> None:
        if self.windows:
            subprocess.run(["tmux", "-f", "/dev/null", "-L", self.socket, "kill-server"],
                           env=self.env, capture_output=True)


async def bench_load(n: int, seconds: float, frame_bytes: int, gen: Path, echo: Path) -> dict:
    mux = Multiplexer()
    latencies: list[float] = []
    sent: dict[int, float] = {}
    try:
        sessions = [mux.spawn(f"agent{i}", [sys.executable, str(gen), str(seconds),
                                            str(FPS_GEN), str(frame_bytes)],
                              env=ENV, cols=COLS, rows=ROWS) for i in range(n)]
        typist = mux.spawn("typist", [sys.executable, str(echo)], env=ENV, cols=COLS, rows=ROWS)
        mux.focus("typist")

        def on_event(e: ev.Event) -> None:
            if isinstance(e, ev.LinesChanged) and e.session == "typist":
                text = typist.screen.text_lines()[typist.screen.cursor_y]
                if text.startswith("key "):
                    k = int(text[4:])
                    if k in sent:
                        latencies.append(time.perf_counter() - sent.pop(k))

        mux.subscribe(on_event)
        await asyncio.sleep(1.0)  # interpreters starting
        cpu0, wall0 = time.process_time(), time.perf_counter()
        mux.stats.durations.clear()
        k = 0
        while any(s.alive for s in sessions):
            k += 1
            sent[k] = time.perf_counter()
            mux.write("typist", b"x")
            await asyncio.sleep(random.uniform(0.03, 0.07))
            if time.perf_counter() - wall0 > seconds + 30:
                break
        for i in range(n):
            await mux.wait(f"agent{i}", 30)
        cpu = time.process_time() - cpu0
        wall = time.perf_counter() - wall0
        done = []
        for s in sessions:
            tail = "\n".join(s.screen.text_lines() + s.screen.history_text(3))
            line = next((x for x in tail.splitlines() if x.startswith("DONE")), "DONE ?")
            fields = dict(f.split("=") for f in line.split()[1:] if "=" in f)
            # What the generator wrote: its frames, then "\r\nDONE ...\r\n".
            written = int(fields.get("bytes", -1)) + len(line) + 4 if "bytes" in fields else -1
            done.append((written, float(fields.get("late", 99)), s.bytes_parsed,
                         s.pty.paused_count))
        ticks = list(mux.stats.durations)
        return {"cpu": cpu, "wall": wall, "lat": latencies, "ticks": ticks, "done": done,
                "parsed": sum(s.bytes_parsed for s in sessions)}
    finally:
        await mux.shutdown()


def tmux_load(tmp: Path, n: int, seconds: float, frame_bytes: int, gen: Path) -> float:
    tmux = Tmux(tmp)
    try:
        for _ in range(n):
            tmux.spawn([sys.executable, str(gen), str(seconds), str(FPS_GEN), str(frame_bytes)])
        pid = tmux.pid
        time.sleep(1.0)
        cpu0, wall0 = _cpu_of(pid), time.perf_counter()
        time.sleep(seconds)
        return (_cpu_of(pid) - cpu0) / (time.perf_counter() - wall0)
    finally:
        tmux.close()


async def bench_memory(n: int) -> float:
    mux = Multiplexer()
    try:
        import gc

        gc.collect()
        before = _rss_of(os.getpid())
        fill = ("import sys\nfor i in range(10100):\n"
                "    sys.stdout.write(('%06d ' % i) + 'x' * 93 + '\\n')\n")
        for i in range(n):
            mux.spawn(f"m{i}", [sys.executable, "-c", fill], env=ENV, cols=100, rows=40)
        for i in range(n):
            await mux.wait(f"m{i}", 120)
        gc.collect()
        sizes = [s.screen.history_size for s in mux.sessions()]
        assert min(sizes) == 10_000, sizes
        return (_rss_of(os.getpid()) - before) / n
    finally:
        await mux.shutdown()


def tmux_memory(tmp: Path, n: int) -> float:
    tmux = Tmux(tmp)
    try:
        tmux.spawn(["sleep", "600"])
        pid = tmux.pid
        time.sleep(0.3)
        before = _rss_of(pid)
        for _ in range(n):
            tmux.spawn(["sh", "-c", "seq -f '%06g xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' 1 10100; sleep 600"])
        time.sleep(3.0)
        return (_rss_of(pid) - before) / n
    finally:
        tmux.close()


async def bench_idle(n: int, seconds: float) -> float:
    mux = Multiplexer()
    try:
        for i in range(n):
            mux.spawn(f"sh{i}", ["bash", "--norc", "--noprofile"], env=ENV, cols=COLS, rows=ROWS)
        await asyncio.sleep(3.0)  # prompts drawn, state debounces settled
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        return (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    finally:
        await mux.shutdown()


def tmux_idle(tmp: Path, n: int, seconds: float) -> float:
    tmux = Tmux(tmp)
    try:
        for _ in range(n):
            tmux.spawn(["bash", "--norc", "--noprofile"])
        pid = tmux.pid
        time.sleep(3.0)
        cpu0, wall0 = _cpu_of(pid), time.perf_counter()
        time.sleep(seconds)
        return (_cpu_of(pid) - cpu0) / (time.perf_counter() - wall0)
    finally:
        tmux.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--kbps", type=float, default=24.0, help="KB/s per session (default 24)")
    ap.add_argument("--memory-sessions", type=int, default=10)
    ap.add_argument("--idle-seconds", type=float, default=10.0)
    ap.add_argument("--no-tmux", action="store_true", help="skip the tmux reference runs")
    args = ap.parse_args([] if argv is None else argv)
    frame_bytes = int(args.kbps * 1000 / FPS_GEN)
    ok = True
    print("multiplexer under load: %d sessions x %.0f KB/s Ink-style for %.0f s, %dx%d; "
          "cpus=%d load=%s" % (args.sessions, args.kbps, args.seconds, COLS, ROWS,
                               os.cpu_count() or 0, _load()))
    with tempfile.TemporaryDirectory(prefix="gt-mux-bench-") as tmp_s:
        tmp = Path(tmp_s)
        gen, echo = tmp / "ink.py", tmp / "echo.py"
        gen.write_text(GENERATOR)
        echo.write_text(ECHO)

        r = asyncio.run(bench_load(args.sessions, args.seconds, frame_bytes, gen, echo))
        complete = all(parsed == b for b, _, parsed, _ in r["done"])
        late = max(l for _, l, _, _ in r["done"])
        paused = sum(p for *_, p in r["done"])
        unthrottled = late < 0.5 and paused == 0
        ok = ok and complete and unthrottled
        print("  (b) parsed %.1f MB in %.1f s (%.0f KB/s); every byte parsed: %s; "
              "no session throttled: %s (worst generator lateness %.0f ms, backpressure pauses %d)"
              % (r["parsed"] / 1e6, r["wall"], r["parsed"] / 1e3 / r["wall"],
                 "yes" if complete else "NO", "yes" if unthrottled else "NO",
                 late * 1000, paused))
        ticks_ms = [t * 1000 for t in r["ticks"]]
        print("      scheduler tick p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d ticks"
              % (_pct(ticks_ms, 50), _pct(ticks_ms, 99), max(ticks_ms or [0]), len(ticks_ms)))
        lat = [x * 1000 for x in r["lat"]]
        p99 = _pct(lat, 99)
        ok = ok and p99 <= 30
        print("      key-to-screen p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d keys (goal p99 "
              "<= 30 ms: %s)" % (_pct(lat, 50), p99, max(lat or [0]), len(lat),
                                  "ok" if p99 <= 30 else "MISS"))
        ours_cpu = r["cpu"] / r["wall"]
        line = "      CPU of this process: %.0f%% of a core" % (ours_cpu * 100)
        if not args.no_tmux:
            tmux_cpu = tmux_load(tmp, args.sessions, args.seconds, frame_bytes, gen)
            line += "; tmux server, same generators: %.0f%% (ours/tmux %.1fx)" % (
                tmux_cpu * 100, ours_cpu / tmux_cpu if tmux_cpu else float("inf"))
        print(line)

        per = asyncio.run(bench_memory(args.memory_sessions))
        line = "  (c) memory per session with 10,000 lines of 100-column scrollback: %.2f MB" % (
            per / 1e6)
        if not args.no_tmux:
            t = tmux_memory(tmp, args.memory_sessions)
            line += "; tmux per window: %.2f MB (ours/tmux %.1fx)" % (t / 1e6, per / t if t else 0)
        print(line)

        idle = asyncio.run(bench_idle(args.sessions, args.idle_seconds))
        ok = ok and idle <= 0.01
        line = "  (d) CPU with %d idle shells over %.0f s: %.2f%% of a core (goal <= 1%%: %s)" % (
            args.sessions, args.idle_seconds, idle * 100, "ok" if idle <= 0.01 else "MISS")
        if not args.no_tmux:
            t = tmux_idle(tmp, args.sessions, args.idle_seconds)
            line += "; tmux: %.2f%%" % (t * 100)
        print(line)
    print("load after: %s" % _load())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
