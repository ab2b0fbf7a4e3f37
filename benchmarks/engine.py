"""The terminal engine in process, per byte: the compiled hot path (term/_fastpath.c) against
the pure-Python one (its reference) in the same run.

Workloads, each fed in <= 8 KiB reads as the multiplexer does:
  - app: benchmarks/app.py's sessions, Ink frames as benchmarks/terminal_mux.py's generator
    writes them, into a 50x16 screen (the hidden panes' size there): ~75-column coloured lines
    wrap, the screen scrolls ~11 rows a frame into scrollback;
  - sgr, ink, plain, redraw: benchmarks/terminal.py's files at 200x50, LF turned into CR LF as
    a pty delivers them.
Prints MB/s (and microseconds per app frame) for both paths and their ratio; best of --repeat
runs each, interleaved (other work on a shared machine only ever slows a run down). CPU time
of this thread, so a busy machine disturbs the figures less.

    python3 benchmarks/engine.py [--mb 4] [--repeat 3] [--workloads app,sgr,ink,plain,redraw]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import terminal  # noqa: E402
from terminal_mux import ink_frames  # noqa: E402

from gastown_tui.term import stream  # noqa: E402
from gastown_tui.term.screen import Screen  # noqa: E402

FEED = 8192
WORKLOADS = ["app"] + list(terminal.WORKLOADS)


def reads(kind: str, size: int) -> tuple[list[bytes], tuple[int, int], int]:
    """The reads, the screen size and how many frames they hold (0: not frames)."""
    if kind == "app":
        frames = ink_frames(0, max(1, size // 1200))
        return frames, (50, 16), len(frames)
    data = terminal.WORKLOADS[kind](size).replace(b"\n", b"\r\n")
    return [data[i:i + FEED] for i in range(0, len(data), FEED)], (terminal.COLS, terminal.ROWS), 0


def timed(chunks: list[bytes], size: tuple[int, int], compiled: bool) -> float:
    s = Screen(*size, on_reply=lambda b: None, compiled=compiled)
    feed = s.feed
    start = time.thread_time()
    for chunk in chunks:
        feed(chunk)
    elapsed = time.thread_time() - start
    assert s.parse_errors == 0
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=4.0, help="bytes per workload (default 4 MB)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per path, best kept (default 3)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset")
    args = ap.parse_args(argv)
    names = terminal.pick_workloads(args.workloads, WORKLOADS)
    if names is None:
        return 2
    if stream.COMPILED is None:
        print("the compiled path is not built (or GT_TERM_PURE=1): run `python3 setup.py "
              "build_ext --inplace`", file=sys.stderr)
        return 1
    print("terminal engine in process, %.0f MB per workload, best of %d" % (args.mb, args.repeat))
    print("%-8s %10s %10s %8s" % ("workload", "compiled", "python", "ratio"))
    for kind in names:
        chunks, size, frames = reads(kind, int(args.mb * 1e6))
        total = sum(map(len, chunks))
        best = {True: float("inf"), False: float("inf")}
        for _ in range(args.repeat):
            for compiled in (True, False):
                best[compiled] = min(best[compiled], timed(chunks, size, compiled))
        line = "%-8s %6.1f MB/s %6.1f MB/s %7.2fx" % (
            kind, total / best[True] / 1e6, total / best[False] / 1e6, best[False] / best[True])
        if frames:
            line += "   per %dx%d frame: %.1f us against %.1f us" % (
                size[0], size[1], best[True] / frames * 1e6, best[False] / frames * 1e6)
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
