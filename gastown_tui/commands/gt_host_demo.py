"""`gt demo`: see Gas Town work with no accounts and no network."""

from __future__ import annotations

import click

from .core import CommandError, Seconds, UsageError, get_env


def register(root: click.Group) -> None:
    @root.command("demo")
    @click.argument("path", required=False, type=click.Path(file_okay=False))
    @click.option("--agents", "agents", type=int, default=3, show_default=True,
                  help="How many demo agents (one issue each).")
    @click.option("--headless", is_flag=True, help="Print progress instead of opening the app.")
    @click.option("--timeout", type=Seconds(), default=300.0, show_default=True,
                  help="Seconds to wait for the convoy to land (at most a day).")
    def demo(path: str | None, agents: int, headless: bool, timeout: float):
        """Create a demo town (a fresh temp directory by default) with a sample rig, issues and
        a convoy, and let demo agents work it until the convoy lands."""
        import asyncio
        import tempfile
        from pathlib import Path

        from ..host import demo as demo_mod

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
            target = Path(tempfile.mkdtemp(prefix="gastown-demo-")) / "town"
        if not headless:
            from .gt_app import open_demo  # the app; Textual loads only here

            return open_demo(env, target, agents)
        town, ids, convoy = demo_mod.build_town(target, agents, env.progress)
        landed, seconds = asyncio.run(demo_mod.run(town, ids, convoy, env.progress, timeout))
        result = demo_mod.summary(town, ids, convoy, landed, seconds)
        if not landed:
            raise CommandError(f"the demo convoy {convoy} did not land within {timeout:g} s; "
                               f"inspect it with `cd {target} && gt hooks list`", data=result)
        return result
