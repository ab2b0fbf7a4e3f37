"""`gt` with no arguments (and `gt app`): open the full-screen app in the current town, attached
to the town's host (which keeps running when the app detaches).

Outside a town it offers to create one or to run the demo. Textual is imported only here, inside
the callbacks, so every other `gt` command starts without it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .calls import IN_APP
from .core import CommandError, Env, UsageError, get_env

NOT_A_TERMINAL = ("the app needs a terminal; in scripts use `gt --cmd \"...\"` or a subcommand "
                  "(see `gt --help`)")


def open_app(env: Env, town_root: Path | None = None,
             first_commands: list[str] | None = None, focus: str | None = None,
             embedded: bool = False, notes: list[str] | None = None) -> str | None:
    """Run the app on `town_root` (default: the town around `env.cwd`) until it detaches or
    quits: attached to the town's host (started in the background when none runs), or with
    `embedded` running the host itself. With `focus`, that session's pane takes the focus
    when it shows (`gt mayor attach`)."""
    if env.environ.get(IN_APP):
        if focus:
            return f"{focus} runs in its pane here (C-b n / C-b p to reach it)"
        raise CommandError("this is the app already; detach (C-b d) to open another town")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CommandError(NOT_A_TERMINAL)
    if town_root is None:
        town_root = _town_or_offer(env)
        if town_root is None:
            return None
    early = None
    if not embedded:
        from ..ui.hosting import attach_early

        # Begun before Textual loads: its round trips to the host fit in the import's time.
        early = attach_early(Path(town_root), dict(env.environ))
    from ..ui.app import AppOptions, GastownApp

    app = GastownApp(AppOptions(town_root=Path(town_root), environ=dict(env.environ),
                                first_commands=list(first_commands or []),
                                embedded=embedded, notes=list(notes or []), early=early))
    if focus:
        app.focus_when_started(focus)
    try:
        app.run()
    finally:
        if early is not None:
            early.close()
    if app.failure:
        raise CommandError(app.failure)
    return None


def _town_or_offer(env: Env) -> Path | None:
    from ..town import NotInTown, find_town

    try:
        return find_town(env.cwd, env.environ).root
    except NotInTown as e:
        hint = str(e)
    click.echo(f"gt: {hint}", err=True)
    choice = click.prompt("Create a town [c], open the demo [d] or quit [q]?",
                          type=click.Choice(["c", "d", "q"]), default="d", err=True)
    if choice == "q":
        return None
    if choice == "d":
        from ..host import demo_folder

        demo_folder.sweep()
        said = open_demo(env, demo_folder.make(keep=False), 3)
        if said:
            click.echo(said, err=True)
        return None
    default = Path(env.environ.get("HOME", str(env.cwd))) / "gt"
    path = Path(click.prompt("Where?", default=str(default), err=True)).expanduser()
    from ..town.install import install

    install(path)
    return path


def check_demo_can_open(env: Env) -> None:
    """Why `gt demo` cannot open the app here (CommandError), checked before anything is
    made on disk."""
    if env.environ.get(IN_APP):
        raise CommandError("the app is open already: run `demo --headless` here, or quit and "
                           "run `gt demo`")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CommandError(NOT_A_TERMINAL.replace("in scripts use", "in scripts use "
                                                  "`gt demo --headless`,"))


def open_demo(env: Env, target: Path, agents: int) -> str | None:
    """`gt demo` without --headless: build the demo town, open the app on it, sling the work.
    A temporary demo's folder goes when the demo ends: here once the app stopped the town,
    or by the host when it stops after the app detached."""
    from ..host import demo as demo_mod
    from ..host import demo_folder

    check_demo_can_open(env)
    temporary = demo_folder.is_temporary(target)
    where = (f"demo town at {target}: removed when the town stops (`gt demo --keep` keeps it)"
             if temporary else f"demo town at {target}")
    try:
        town, ids, _convoy = demo_mod.build_town(target, agents, env.progress)
        open_app(env, Path(town.root), [f"sling {' '.join(ids)} sample --agent demo "
                                        "--no-convoy"], notes=[where])
    finally:
        # The host may have removed it as it stopped (it does when the app detached first).
        removed = demo_folder.remove_if_done(target) or (temporary and not target.exists())
    if removed:
        return f"removed the demo town's folder {target.parent} (`gt demo --keep` keeps it)"
    if temporary and target.exists():
        return (f"the demo town runs on in {target}; `cd {target} && gt down` stops it and "
                "removes its folder")
    return None


def register(root: click.Group) -> None:
    @root.command("app")
    @click.argument("town", required=False, type=click.Path(file_okay=False, path_type=Path))
    @click.option("--embedded", is_flag=True,
                  help="Run the town's host inside the app: one process, and the town stops "
                  "when the app quits (refused while a host runs).")
    def app(town: Path | None, embedded: bool):
        """Open the full-screen app (what `gt` alone does) in TOWN or the current town,
        attached to the town's host (started in the background when none runs)."""
        env = get_env()
        if town is not None:
            from ..town import find_town

            if not town.is_dir():
                raise UsageError(f"{town} is not a directory; give a town's folder")
            town = find_town(town, {k: v for k, v in env.environ.items()
                                    if k != "GT_TOWN_ROOT"}).root
        return open_app(env, town, embedded=embedded)
