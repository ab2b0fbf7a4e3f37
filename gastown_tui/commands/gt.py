"""The `gt` root: the shell entry, `gt --cmd "..."` headless strings, and the in-process `run`.

Subcommands live in `gt_*.py` modules beside this one; each exposes `register(root)`. They import
only click and the core at module level (domain packages load inside callbacks), and the shell
imports only the module of the command it runs (`COMMANDS`), so `gt` starts fast and never
imports Textual unless the app opens.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Sequence

import click

from .. import __version__
from .core import Env, RootGroup, run as _run, shell_main
from .render import EXIT_OK, Result, emit

if TYPE_CHECKING:
    from .completion import Completion


# Which `gt_*.py` module registers each command (see `RootGroup`; a test keeps it complete).
COMMANDS = {
    "agents": "gt_host_live", "app": "gt_app", "completion": "gt_completion",
    "config": "gt_config", "convoy": "gt_convoy", "costs": "gt_costs", "crew": "gt_crew",
    "dashboard": "gt_dashboard", "demo": "gt_host_demo", "diff": "gt_mq", "done": "gt_host_work",
    "down": "gt_host_live", "events": "gt_host_live", "handoff": "gt_host_work",
    "hook": "gt_host_work", "hooks": "gt_host_work", "install": "gt_install", "mail": "gt_mail",
    "mayor": "gt_host_live", "mq": "gt_mq", "notify": "gt_notify", "nudge": "gt_host_live",
    "peek": "gt_host_live", "prime": "gt_host_work", "queue": "gt_queue", "rig": "gt_rig",
    "sling": "gt_host_work",
    "status": "gt_status", "term": "gt_term", "unsling": "gt_queue", "up": "gt_host_live",
}


@click.group(cls=RootGroup, package=__package__, prefix="gt_", index=COMMANDS,
             invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--cmd", "cmd_strings", multiple=True, metavar="STRING",
              help="Run a command string headless; repeat to run several in order.")
@click.option("--keep-going", is_flag=True, help="With --cmd: go on after a failing command.")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
@click.version_option(__version__, prog_name="gt")
@click.pass_context
def gt(ctx: click.Context, cmd_strings: tuple[str, ...], keep_going: bool, debug: bool) -> object:
    """Gas Town: coordinate many AI coding agents working on your projects."""
    if ctx.invoked_subcommand is not None:
        return None
    if cmd_strings:
        return run_cmd_strings(ctx, cmd_strings, keep_going)
    # `gt` alone is `gt app`, loaded like every command (Textual only when the app opens).
    return ctx.invoke(gt.get_command(ctx, "app"))


def run_cmd_strings(ctx: click.Context, strings: Sequence[str], keep_going: bool) -> object:
    """`gt --cmd A --cmd B`: print each result as it comes; stop at the first failure."""
    env: Env = ctx.find_object(Env) or Env()
    worst = EXIT_OK
    for line in strings:
        sub_env = Env(cwd=env.cwd, environ=env.environ, json=env.json, debug=env.debug,
                      actor=env.actor, progress=env.progress, host=env.host, stdin=env.stdin)
        result = _run(gt, line, sub_env)
        code = emit(result, "gt")
        if code != EXIT_OK:
            worst = worst or code
            if not keep_going:
                break
    ctx.exit(worst)


def root() -> RootGroup:
    """The full command tree, with every `gt_*.py` module registered."""
    return gt.load_all()


def run(line: str | Sequence[str], env: Env | None = None) -> Result:
    """In-process call for the app's command bar and palette: returns data, never prints."""
    return _run(root(), line, env, prog="gt")


def complete(line: str, env: Env | None = None) -> list["Completion"]:
    """Completions for a partial command string typed in the app's command bar."""
    from .completion import complete as _complete

    return _complete(root(), line, env, prog="gt")


def main(argv: Sequence[str] | None = None) -> None:
    sys.exit(shell_main(gt, "gt", argv))
