"""The Review view's diff on a big change: how soon it shows, and what scrolling costs, beside
an eager viewer that highlights and lays out every line first.

A real town and rig; one polecat's `gt done` submits FILES new Python files of LINES lines each
plus a rewrite of every third line of a LINES*10-line file (so the diff has many hunks). Prints:
  - read: `gt diff`'s data for the merge request (`town.diffs.diff_for`), and `git diff` of
    the same commits in a subprocess as the reference;
  - view: the diff laid out as lines (`diffview.lay_out`, done off the loop), then the first
    frame that shows them, in a headless app at 160x44, then one page down, per page;
  - eager reference: the lines the view holds highlighted file by file and turned into drawn
    lines whole (what a viewer built on a Static or a RichLog does before it shows anything).

Run: python3 benchmarks/review.py [--files 40] [--lines 1500] [--pages 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchtown import bench_town


def python_file(n: int, lines: int) -> str:
    out = [f'"""Module {n}: generated for the review benchmark."""', "", "import math", ""]
    while len(out) < lines:
        i = len(out)
        out += [f"def step_{i}(x: float) -> float:", f'    """Step {i} of module {n}."""',
                f"    return math.sqrt(x * {i}) + {i % 7}  # keeps it positive", ""]
    return "\n".join(out[:lines]) + "\n"


def make_change(root: Path, files: int, lines: int) -> tuple[object, str, str]:
    """A town whose one merge request adds `files` files and rewrites a big one: (town, MR
    id, rig repository path)."""
    from gastown_tui.town.done import finish
    from gastown_tui.town.mq import mr_for_issue
    from gastown_tui.town.sling import sling

    big = [f"value_{i} = {i}" for i in range(lines * 10)]
    town = bench_town(root, {"table.py": "\n".join(big) + "\n"})
    led = town.rig("bench").ledger("overseer")
    issue = led.create("a big change").id
    [(slung, _hook)] = sling(town, [issue], "bench", agent="shell", environ=os.environ)
    wt = Path(slung.worktree)
    for n in range(files):
        (wt / "pkg" / f"mod_{n:03}.py").parent.mkdir(exist_ok=True)
        (wt / "pkg" / f"mod_{n:03}.py").write_text(python_file(n, lines))
    (wt / "table.py").write_text("\n".join(
        line + "  # checked" if i % 3 == 0 else line for i, line in enumerate(big)) + "\n")
    finish(town, wt, {"GT_RIG": "bench", "GT_POLECAT": slung.polecat, "GT_ROLE": "polecat",
                      "BD_ACTOR": f"bench/polecats/{slung.polecat}"}, "a big change")
    mr = mr_for_issue(town.rig("bench"), issue)
    return town, mr.id, str(town.rig("bench").repo_path)


def timed(fn, runs: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def eager(diff) -> int:
    """The lines the view holds (as many as it draws at most), every one highlighted and
    drawn, file by file, before anything shows."""
    from rich.segment import Segment
    from textual.content import Content
    from textual.highlight import highlight
    from textual.strip import Strip

    from gastown_tui.ui.widgets.diffview import MAX_DRAWN, _language

    drawn = 0
    for f in diff.files:
        lines = [origin + line for h in f.hunks for origin, line in h.lines]
        lines = lines[:MAX_DRAWN - drawn]
        if not lines:
            break
        content = highlight("\n".join(lines), language=_language(f.path))
        for line in content.split("\n"):
            Strip([Segment(t, s.rich_style) for t, s in
                   Content.render(line, end="")], line.cell_length)
            drawn += 1
    return drawn


async def view(diff, pages: int) -> tuple[float, float, float]:
    from textual.app import App

    from gastown_tui.ui.widgets.diffview import DiffView, lay_out

    class Bench(App):
        def compose(self):
            yield DiffView()

    app = Bench()
    async with app.run_test(size=(160, 44)) as pilot:
        widget = app.query_one(DiffView)
        await pilot.pause()
        start = time.perf_counter()
        layout = lay_out(diff, "`gt diff` in a shell")
        laid = time.perf_counter() - start
        start = time.perf_counter()
        widget.show_layout(layout)
        await pilot.pause()
        first = time.perf_counter() - start
        widget.focus()
        start = time.perf_counter()
        for _ in range(pages):
            await pilot.press("pagedown")
        per_page = (time.perf_counter() - start) / pages
    return laid, first, per_page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--lines", type=int, default=1500)
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args()
    # Page down without the scroll animation: what is timed is drawing, not easing.
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    from gastown_tui.town.diffs import diff_for

    tmp = Path(tempfile.mkdtemp(prefix="gt-bench-review-"))
    try:
        town, mr, repo = make_change(tmp, args.files, args.lines)
        read, diff = timed(lambda: diff_for(town, mr))
        lines = sum(len(h.lines) for f in diff.files for h in f.hunks)
        hunks = sum(len(f.hunks) for f in diff.files)
        git, _ = timed(lambda: subprocess.run(
            ["git", "--git-dir", repo, "diff", f"main...{diff.head}"], capture_output=True,
            check=True))
        laid, first, per_page = asyncio.run(view(diff, args.pages))
        full, drawn = timed(lambda: eager(diff), runs=1)
        print(f"change: {len(diff.files)} files, {hunks} hunks, {lines:,} diff lines "
              f"(+{diff.added:,} -{diff.removed:,})")
        print(f"read     gt diff data {read * 1000:8.0f} ms   git diff (reference) "
              f"{git * 1000:6.0f} ms")
        print(f"view     laid out     {laid * 1000:8.0f} ms   (off the loop in the Review view)")
        print(f"         first frame  {first * 1000:8.0f} ms   page down {per_page * 1000:6.1f} "
              f"ms a page (of {args.pages})")
        print(f"eager    the same {drawn:,} lines highlighted and laid out first: "
              f"{full * 1000:.0f} ms (reference)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
