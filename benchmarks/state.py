"""Agent state detection per look: what `read` costs on the recorded screens of claude, codex
and gemini (tests/term/recordings), beside the same presets with only their busy, prompt and
title signals (the detector before dialogs and limits: the reference, in the same run) and
what each look already pays to take the screen's text from a `Screen`.

A session is looked at up to 5 times a second while its screen changes (STATE_INTERVAL_S);
30 busy agents make 150 looks a second.

    python3 benchmarks/state.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gastown_tui.term.screen import Screen  # noqa: E402
from gastown_tui.term.state import PRESETS, Observation, read  # noqa: E402

RECORDINGS = Path(__file__).resolve().parent.parent / "tests" / "term" / "recordings"


def per_call_us(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    now = datetime.now().astimezone()
    rows = []
    for path in sorted(RECORDINGS.glob("*_120x40.screen")):
        lines = path.read_text().partition("---\n")[2].rstrip("\n").split("\n")
        screen = Screen(120, 40)
        screen.feed("\r\n".join(lines).encode())
        preset = PRESETS[path.name.split("_")[0]]
        plain = dataclasses.replace(preset, waiting=(), limits=(), waiting_title=None)
        obs = Observation(lines, "", len(lines) - 1, 5.0, now=now)
        rows.append((path.stem, per_call_us(lambda: read(preset, obs), args.rounds),
                     per_call_us(lambda: read(plain, obs), args.rounds),
                     per_call_us(screen.text_lines, args.rounds)))
    width = max(len(r[0]) for r in rows)
    print(f"{'screen (120x40)':{width}}  read() µs  busy/prompt only µs  text_lines() µs")
    for name, ours, ref, text in rows:
        print(f"{name:{width}}  {ours:9.1f}  {ref:19.1f}  {text:15.1f}")
    ours, ref = (statistics.median(r[i] for r in rows) for i in (1, 2))
    print(f"median read(): {ours:.1f} µs (busy/prompt only: {ref:.1f} µs); 150 looks a "
          f"second: {ours * 150 / 1e4:.2f}% of a core")


if __name__ == "__main__":
    main()
