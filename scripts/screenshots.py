"""Make the README's SVG screenshots from a live demo town.

    python3 scripts/screenshots.py [--out screenshots] [--size 160x45]

Builds the demo town in a temporary folder (a sample git project, issues, a convoy; its merge
queue waits for a person's review), opens the app on it headless with real demo agents
working, and saves: the main screen with several agents working and the convoy in progress, a
zoomed pane, the sling modal, the needs-me view and the Review view once an agent's work waits
for review.
The town is removed afterwards; the agents are stopped by the app's own host.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

AGENTS = 4
EXTRA_WORK = ("Add a --version flag", "Explain the project layout in README", "Add a smoke test")


async def wait(pilot, check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: gave up waiting for {what}")
        await pilot.pause(0.1)


async def shoot(out: Path, size: tuple[int, int]) -> list[Path]:
    from gastown_tui.host import demo
    from gastown_tui.town.config import set_setting
    from gastown_tui.town.convoys import create_convoy
    from gastown_tui.town.mail import send_mail
    from gastown_tui.ui.app import AppOptions, GastownApp

    tmp = Path(tempfile.mkdtemp(prefix="gastown-shots-"))
    saved: list[Path] = []
    try:
        town, ids, _convoy = demo.build_town(tmp / "town", AGENTS, lambda line: None)
        set_setting(town, "merge.review", "human", rig="sample")
        ledger = town.rig("sample").ledger("overseer")
        extra = [ledger.create(title, priority=1).id for title in EXTRA_WORK]
        # A second convoy part-way done, so the panel shows progress as well as a start.
        create_convoy(town, "Docs and polish", extra)
        ledger.close(extra[0], "done")
        send_mail(town, "sample/polecats/nux", "overseer",
                  "Which licence header should new files get?", "MIT or Apache-2.0?")
        environ = dict(os.environ, GT_DEMO_STEP_SECONDS="6")
        sling = f"sling {' '.join(ids)} sample --agent demo --no-convoy"
        app = GastownApp(AppOptions(town_root=town.root, environ=environ, poll_seconds=0.5,
                                    first_commands=[sling], embedded=True))
        async with app.run_test(size=size) as pilot:
            await wait(pilot, lambda: len(app.main.grid.panes) == AGENTS, 60, "the agents")

            def working() -> int:
                return sum("· editing" in "\n".join(p.screen_model.text_lines())
                           for p in app.main.grid.panes)

            await wait(pilot, lambda: working() >= 3, 60, "agents at work")
            await pilot.pause(0.5)
            first = app.main.grid.panes[0].session_name
            app.main.focus_pane(first)
            await pilot.pause(0.3)
            saved.append(Path(app.save_screenshot("main.svg", str(out))))
            await pilot.press("ctrl+b", "z")
            await pilot.pause(0.5)
            saved.append(Path(app.save_screenshot("zoomed-pane.svg", str(out))))
            await pilot.press("ctrl+b", "z", "ctrl+b", "s", "5")
            await pilot.pause(0.2)
            await pilot.press("s")
            await pilot.pause(0.5)
            saved.append(Path(app.save_screenshot("sling-modal.svg", str(out))))
            await pilot.press("escape", "ctrl+b", "w")
            await pilot.pause(0.5)
            saved.append(Path(app.save_screenshot("needs-me.svg", str(out))))
            await pilot.press("escape")
            await wait(pilot, lambda: any(m.state == "waiting review" for m in app.view.merges),
                       180, "work waiting for review")
            await pilot.press("ctrl+b", "r")
            await wait(pilot, lambda: getattr(getattr(app.screen, "view", None), "diff", None)
                       is not None, 30, "the diff of the request")
            await pilot.pause(0.5)
            saved.append(Path(app.save_screenshot("review.svg", str(out))))
            await pilot.press("escape")
            await app.stop_town()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "screenshots"))
    parser.add_argument("--size", default="160x45", help="columns x rows")
    args = parser.parse_args(argv)
    try:
        cols, rows = (int(n) for n in args.size.lower().split("x"))
    except ValueError:
        parser.error("--size must look like 160x45")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(shoot(out, (cols, rows))):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
