"""Terminal engine throughput (issue 4, point 9a): this Screen against tmux, same files, same run.

Four workloads of >= 20 MB each (plain text, SGR-heavy colour, full-screen cursor-addressed
redraw, Ink-style erase-and-rewrite) are written to files and `cat` through a real pty at
200x50: once into `gastown_tui.term.screen.Screen` (read by this process, fed in <= 8 KiB
slices like the multiplexer does) and once into a detached tmux pane (timed until `cat` exits,
via `tmux wait-for`). Stock pyte 0.8.2 gets a 1 MB slice of each as a baseline, and a raw pty
read (no parsing) shows the ceiling. Each engine runs --repeat times, interleaved, and keeps its
best (other work on a shared machine only ever slows a run down). Prints MB/s and the ratio to
tmux; exits 1 if a goal (1/3 of tmux, 1/8 on SGR-heavy) is missed. Then the memory one screen
holds with 10,000 lines of 100-column scrollback (point 9c, the engine's share).

    python3 benchmarks/terminal.py [--mb 20] [--repeat 2] [--only a]

Then, if benchmarks/terminal_mux.py exists with a main(), it runs too (points 9b-d) unless
`--only a` is given.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import select
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

COLS, ROWS = 200, 50
FEED = 8192

WORDS = ("the quick brown fox jumps over lazy dog agent build test commit merge branch rig "
         "convoy polecat error warning info debug result value function return import class "
         "self none true false while for in if else elif def async await yield").split()
# A syntax-highlighting theme: what coloured output really uses (a palette, not noise).
THEME = ["38;2;248;248;242", "38;2;249;38;114", "38;2;166;226;46", "38;2;253;151;31",
         "38;2;174;129;255", "38;2;102;217;239", "38;2;117;113;94", "38;2;230;219;116",
         "38;5;203", "38;5;114", "38;5;180", "38;5;75", "38;5;245", "38;5;141", "31", "32",
         "33", "34", "35", "36", "1;31", "1;32", "1;34", "2", "3", "4"]


def _sentence(rnd: random.Random, n: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def gen_plain(size: int) -> bytes:
    rnd = random.Random(1)
    out, total = [], 0
    while total < size:
        line = _sentence(rnd, rnd.randint(2, 24)) + "\n"
        out.append(line)
        total += len(line)
    return "".join(out).encode()


def gen_sgr(size: int) -> bytes:
    """Every word coloured (syntax highlighting, `ls --color`, coloured logs)."""
    rnd = random.Random(2)
    out, total = [], 0
    while total < size:
        words = []
        for _ in range(rnd.randint(3, 16)):
            if rnd.random() < 0.85:
                words.append("\x1b[%sm%s\x1b[0m" % (rnd.choice(THEME), rnd.choice(WORDS)))
            else:
                words.append(rnd.choice(WORDS))
        line = " ".join(words) + "\n"
        out.append(line)
        total += len(line)
    return "".join(out).encode()


def gen_redraw(size: int) -> bytes:
    """Full-screen programs (htop, vim, curses): every row addressed and rewritten per frame."""
    rnd = random.Random(3)
    out, total, frame = [], 0, 0
    while total < size:
        parts = ["\x1b[?25l"]
        for row in range(1, ROWS):
            text = _sentence(rnd, 40)[:COLS - 12]
            parts.append("\x1b[%d;1H\x1b[3%dm%5d\x1b[0m %s\x1b[K" % (row, (row + frame) % 8, frame, text))
        parts.append("\x1b[%d;1H\x1b[7m%s\x1b[0m" % (ROWS, (" frame %d " % frame).ljust(COLS - 1)))
        for _ in range(20):
            parts.append("\x1b[%d;%dH\x1b[1;33m%s\x1b[0m" % (rnd.randint(1, ROWS - 1),
                                                           rnd.randint(1, COLS - 10), rnd.choice(WORDS)))
        parts.append("\x1b[?25h")
        chunk = "".join(parts)
        out.append(chunk)
        total += len(chunk)
        frame += 1
    return "".join(out).encode()


def gen_ink(size: int) -> bytes:
    """Ink (Claude Code, Gemini CLI): erase the previous frame's lines, write the new frame."""
    rnd = random.Random(4)
    out, total, prev = [], 0, 0
    while total < size:
        height = rnd.randint(8, 24)
        parts = ["\x1b[?2026h"]
        if prev:
            parts.append("\x1b[2K\x1b[1A" * prev + "\x1b[2K\x1b[G")
        parts.append("\x1b[38;2;215;119;87m╭" + "─" * 98 + "╮\x1b[39m\n")
        for _ in range(height - 2):
            body = (rnd.choice("✻✳❯·⏺") + " " + _sentence(rnd, 14))[:94].ljust(94)
            parts.append("\x1b[38;2;215;119;87m│\x1b[39m \x1b[1m%s\x1b[22m \x1b[2m%s\x1b[22m"
                         "\x1b[38;2;215;119;87m│\x1b[39m\n" % (body[:1], body[1:]))
        parts.append("\x1b[38;2;215;119;87m╰" + "─" * 98 + "╯\x1b[39m")
        parts.append("\x1b[?2026l")
        prev = height - 1
        chunk = "".join(parts)
        out.append(chunk)
        total += len(chunk.encode())
    return "".join(out).encode()


WORKLOADS = {"plain": gen_plain, "sgr": gen_sgr, "redraw": gen_redraw, "ink": gen_ink}


def _pty_cat(path: Path, sink) -> float:
    """`cat path` in a pty at 200x50; every read goes to sink(bytes). Returns seconds."""
    from ptyprocess import PtyProcess

    start = time.perf_counter()
    proc = PtyProcess.spawn(["cat", str(path)], dimensions=(ROWS, COLS),
                            env=dict(os.environ, TERM="xterm-256color"))
    fd = proc.fd
    try:
        while True:
            select.select([fd], [], [], 5)
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            sink(chunk)
    finally:
        proc.close(force=True)
    return time.perf_counter() - start


def run_ours(path: Path) -> tuple[float, object]:
    from gastown_tui.term.screen import Screen

    screen = Screen(COLS, ROWS, on_reply=lambda b: None)
    feed = screen.feed

    def sink(chunk: bytes) -> None:
        for i in range(0, len(chunk), FEED):
            feed(chunk[i:i + FEED])

    return _pty_cat(path, sink), screen


def run_pyte(path: Path) -> float:
    import pyte

    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.ByteStream(screen)

    def sink(chunk: bytes) -> None:
        for i in range(0, len(chunk), FEED):
            try:
                stream.feed(chunk[i:i + FEED])
            except Exception:
                # Stock pyte raises on some sequences (REFERENCE.md); it loses the chunk.
                pass

    return _pty_cat(path, sink)


def run_raw(path: Path) -> float:
    return _pty_cat(path, lambda chunk: None)


def run_tmux(path: Path) -> float:
    sock = "gt-bench-" + uuid.uuid4().hex[:8]
    tmux = ["tmux", "-f", "/dev/null", "-L", sock]
    try:
        subprocess.run(tmux + ["new-session", "-d", "-s", "idle", "-x", str(COLS), "-y", str(ROWS),
                               "sleep 600"], check=True)
        subprocess.run(tmux + ["set", "-g", "history-limit", "10000"], check=True)
        start = time.perf_counter()
        subprocess.run(tmux + ["new-session", "-d", "-s", "run", "-x", str(COLS), "-y", str(ROWS),
                               "cat %s; tmux -L %s wait-for -S done" % (path, sock)], check=True)
        subprocess.run(tmux + ["wait-for", "done"], check=True, timeout=600)
        return time.perf_counter() - start
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


def screen_memory(kind: str) -> float:
    """Bytes one Screen (100x40) holds after 10,100 lines of 100 columns (10,000 kept in
    scrollback), traced by tracemalloc: the engine's own share of a session's memory."""
    import tracemalloc

    from gastown_tui.term.screen import Screen

    rnd = random.Random(5)
    lines = []
    for i in range(10_100):
        if kind == "plain":
            lines.append("%06d " % i + _sentence(rnd, 30)[:93].ljust(93))
        else:
            words, width = [], 0
            while width < 100:
                word = rnd.choice(WORDS)[:100 - width]
                width += len(word) + 1
                words.append("\x1b[%sm%s\x1b[0m" % (rnd.choice(THEME), word))
            lines.append(" ".join(words))
    data = ("\r\n".join(lines) + "\r\n").encode()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        screen = Screen(100, 40)
        for i in range(0, len(data), FEED):
            screen.feed(data[i:i + FEED])
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert screen.history_size == 10_000, screen.history_size
    return used


def pick_workloads(asked: str, known) -> list[str] | None:
    """The workloads a comma-separated `--workloads` names; None (said on stderr) when one is
    not in `known`."""
    names = [n for n in asked.split(",") if n]
    bad = [n for n in names if n not in known]
    if bad:
        print("unknown workload %s: choose from %s" % (", ".join(bad), ", ".join(known)),
              file=sys.stderr)
        return None
    return names


def _load_avg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=20.0, help="size of each workload (default 20)")
    ap.add_argument("--pyte-mb", type=float, default=1.0, help="slice for stock pyte (default 1)")
    ap.add_argument("--only", choices=["a"], help="a: only this throughput table (skip 9b-d)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset")
    ap.add_argument("--repeat", type=int, default=2,
                    help="runs per engine, best kept (the machine is shared; default 2)")
    args = ap.parse_args(argv)
    if shutil.which("tmux") is None:
        print("tmux is not installed: install it (apt-get install tmux) to compare", file=sys.stderr)
        return 1
    names = pick_workloads(args.workloads, WORKLOADS)
    if names is None:
        return 2
    size = int(args.mb * 1e6)
    print("terminal throughput, %dx%d, files >= %.0f MB through a real pty; cpus=%d load=%s"
          % (COLS, ROWS, args.mb, os.cpu_count() or 0, _load_avg()))
    print("%-8s %8s %10s %10s %10s %10s %9s %9s %7s" % (
        "workload", "MB", "raw MB/s", "tmux MB/s", "ours MB/s", "pyte MB/s", "ours/tmux",
        "pyte/tmux", "goal"))
    ok = True
    with tempfile.TemporaryDirectory(prefix="gt-bench-") as tmp:
        for name in names:
            data = WORKLOADS[name](size)
            path = Path(tmp) / (name + ".bin")
            path.write_bytes(data)
            small = Path(tmp) / (name + ".small.bin")
            small.write_bytes(data[:int(args.pyte_mb * 1e6)])
            mb = len(data) / 1e6
            best = {"raw": 1e9, "tmux": 1e9, "ours": 1e9}
            for _ in range(max(1, args.repeat)):
                best["raw"] = min(best["raw"], run_raw(path))
                best["tmux"] = min(best["tmux"], run_tmux(path))
                seconds, screen = run_ours(path)
                best["ours"] = min(best["ours"], seconds)
            raw, tmux, ours = (mb / best[k] for k in ("raw", "tmux", "ours"))
            pyte_rate = (small.stat().st_size / 1e6) / run_pyte(small)
            goal = 1 / 8 if name == "sgr" else 1 / 3
            met = ours / tmux >= goal
            ok = ok and met and screen.parse_errors == 0
            print("%-8s %8.1f %10.1f %10.2f %10.2f %10.2f %9.2f %9.3f %7s" % (
                name, mb, raw, tmux, ours, pyte_rate, ours / tmux, pyte_rate / tmux,
                ("1/%d " % round(1 / goal)) + ("ok" if met else "MISS")))
    print("(c) one screen with 10,000 lines of 100-column scrollback (tracemalloc): "
          "plain %.2f MB, coloured %.2f MB (bound 4 MB); the whole session against tmux: below"
          % (screen_memory("plain") / 1e6, screen_memory("coloured") / 1e6))
    print("load after: %s" % _load_avg())
    if args.only != "a":
        mux = Path(__file__).with_name("terminal_mux.py")
        if mux.exists():
            spec = importlib.util.spec_from_file_location("terminal_mux", mux)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            if hasattr(module, "main"):
                print()
                # Its own defaults, not this script's arguments.
                mux_rc = module.main([])
                if mux_rc:
                    ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
