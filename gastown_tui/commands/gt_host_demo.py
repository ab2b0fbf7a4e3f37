"""`gt demo`: see Gas Town work with no accounts and no network."""

from __future__ import annotations

from typing import Any

import click

from ..visible import visible
from .core import CommandError, Seconds, UsageError, get_env
from .render import table, text_of


@text_of("gastown_tui.host.demo.DemoResult")
def demo_text(r: Any) -> str:
    head = (f"Convoy {r.convoy} landed in {r.seconds:.1f} s." if r.landed
            else f"Convoy {r.convoy} did not land within the time limit.")
    lines = [head, f"Demo town: {r.town}" + (" (removed now; `gt demo --keep` keeps it)"
                                              if r.removed else "")]
    if r.work:
        lines.append(table([[w.polecat, w.issue, w.branch, (w.commit or "-")[:10],
                             ", ".join(w.files) or "-"] for w in r.work],
                           ["POLECAT", "ISSUE", "BRANCH", "COMMIT", "FILES"],
                           keep=["ISSUE", "COMMIT"]))
    if r.merged:
        lines.append(f"Merged into main of the sample project ({r.sample}):")
        lines += [f"  {visible(line)}" for line in r.merged]
    if r.removed:
        return "\n".join(lines)
    lines.append(f"Look around: cd {r.town} && gt mq list --all && gt convoy list --all "
                 "&& gt mail inbox")
    if r.spare:
        lines.append(f"One issue is left for you: gt sling {r.spare} sample "
                     "(with a host running: gt up)")
    return "\n".join(lines)


def register(root: click.Group) -> None:
    @root.command("demo")
    @click.argument("path", required=False, type=click.Path(file_okay=False))
    @click.option("--agents", "agents", type=int, default=3, show_default=True,
                  help="How many demo agents (one issue each).")
    @click.option("--headless", is_flag=True, help="Print progress instead of opening the app.")
    @click.option("--timeout", type=Seconds(), default=300.0, show_default=True,
                  help="Seconds to wait for the convoy to land (at most a day).")
    @click.option("--keep", is_flag=True,
                  help="Keep the temporary folder when the demo ends (removed by default).")
    def demo(path: str | None, agents: int, headless: bool, timeout: float, keep: bool):
        """Create a demo town (a fresh temporary folder by default, removed when the demo
        ends unless --keep) with a sample rig, issues and a convoy, and let demo agents work
        it until the convoy lands."""
        import asyncio
        from pathlib import Path

        from ..host import demo as demo_mod
        from ..host import demo_folder

        if not 1 <= agents <= demo_mod.MAX_AGENTS:
            raise UsageError(f"--agents must be between 1 and {demo_mod.MAX_AGENTS}")
        env = get_env()
        if not headless:
            from .gt_app import check_demo_can_open

            check_demo_can_open(env)  # before a temporary folder is made for nothing
        if path:
            target = Path(path).expanduser()
            if not target.is_absolute():
                target = env.cwd / target
            if target.exists() and any(target.iterdir()):
                raise CommandError(f"{target} is not empty: give a new or empty directory, or "
                                   "no PATH for a fresh temporary one")
        else:
            demo_folder.sweep()  # demos whose app and host were both killed
            target = demo_folder.make(keep)
        if not headless:
            from .gt_app import open_demo  # the app; Textual loads only here

            return open_demo(env, target, agents)
        try:
            town, ids, convoy = demo_mod.build_town(target, agents, env.progress)
            landed, seconds = asyncio.run(demo_mod.run(town, ids, convoy, env.progress,
                                                       timeout))
        except BaseException:
            demo_folder.remove_if_done(target)
            raise
        result = demo_mod.summary(town, ids, convoy, landed, seconds)
        if not landed:
            later = (" (the next `gt demo` removes it)" if demo_folder.is_temporary(target)
                     else "")
            raise CommandError(f"the demo convoy {convoy} did not land within {timeout:g} s; "
                               f"inspect it with `cd {target} && gt hooks list`{later}",
                               data=result)
        result.removed = demo_folder.remove_if_done(target)
        return result
