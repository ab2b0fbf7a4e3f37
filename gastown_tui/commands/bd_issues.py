"""`bd create / list / show / update / close / reopen / search`."""

from __future__ import annotations

import click

from . import ledger_calls
from .bd_common import LIMIT, PRIORITY, BdCommand, open_ledger
from .ledger_calls import LIST_LIMIT, Changed, IssueList
from .core import CommandError, get_env, runs


@click.command("create", cls=BdCommand)
@click.argument("title")
@click.option("-d", "--description", default="", help="Longer text.")
@click.option("-p", "--priority", type=PRIORITY, default="2", help="0 is highest.")
@click.option("-t", "--type", "issue_type", default="task", metavar="TYPE",
              help="bug, feature, task, epic, chore, ...")
@click.option("-a", "--assignee", default=None)
@click.option("-l", "--labels", multiple=True, metavar="A,B", help="Labels, comma-separated.")
@click.option("--parent", default=None, metavar="ID", help="Make it a child: <parent>.<n>.")
@click.option("--deps", multiple=True, metavar="TYPE:ID,...",
              help="Dependencies, e.g. blocks:bd-a1,related:bd-b2 (a bare id means blocks).")
@click.option("--notes", default=None)
@click.option("--rig", default=None, metavar="RIG",
              help="Create it in rig RIG's ledger, from anywhere in the town.")
@click.option("-q", "--silent", is_flag=True,
              help="Print only the new bead's id: ID=$(bd create \"title\" --silent).")
@runs(ledger_calls.create)
def create():
    """Create a bead; prints its id (with --silent nothing else)."""


@click.command("list", cls=BdCommand)
@click.option("-s", "--status", multiple=True, help="Only these statuses (repeat or a,b).")
@click.option("-t", "--type", "issue_type", multiple=True,
              help="Only these types (agent, message, merge-request and convoy included).")
@click.option("-a", "--assignee", default=None)
@click.option("-l", "--label", multiple=True, help="Must carry every label given.")
@click.option("-p", "--priority", type=PRIORITY, default=None)
@click.option("--all", "everything", is_flag=True,
              help="Everything: closed beads too, and the town's own records (agents, mail, "
                   "merge requests, convoys).")
@click.option("-n", "--limit", type=LIMIT, default=LIST_LIMIT, show_default=True,
              help="How many to show, as in bd; 0 shows all.")
@runs(ledger_calls.list_)
def list_():
    """List the project's beads (closed ones only with --all or --status closed; the town's
    own records of agents, mail, merge requests and convoys only with --type or --all)."""


@click.command("show", cls=BdCommand)
@click.argument("ids", nargs=-1, required=True)
@runs(ledger_calls.show)
def show():
    """Show beads with their dependencies, dependents and comments."""


@click.command("update", cls=BdCommand)
@click.argument("ids", nargs=-1, required=True)
@click.option("-s", "--status", default=None)
@click.option("--title", default=None)
@click.option("-d", "--description", default=None)
@click.option("--notes", default=None)
@click.option("-p", "--priority", type=PRIORITY, default=None)
@click.option("-t", "--type", "issue_type", default=None)
@click.option("-a", "--assignee", default=None, help="Set the assignee ('' to clear).")
@click.option("--add-label", multiple=True, metavar="A,B")
@click.option("--remove-label", multiple=True, metavar="A,B")
@click.option("--claim", is_flag=True,
              help="Atomically take an open, unassigned bead (assignee = you, in_progress).")
@runs(ledger_calls.update)
def update():
    """Change beads; --claim is an atomic compare-and-swap (exit 1 if someone else won)."""


@click.command("close", cls=BdCommand)
@click.argument("ids", nargs=-1, required=True)
@click.option("-r", "--reason", default=None, help="Why it is closed.")
@runs(ledger_calls.close)
def close():
    """Close beads."""


@click.command("reopen", cls=BdCommand)
@click.argument("ids", nargs=-1, required=True)
def reopen(ids):
    """Reopen closed beads."""
    led = open_ledger(ids)
    with led.transaction():
        reopened = [led.reopen(i) for i in ids]
    # a landed convoy tracking these has work again
    ledger_calls.reopen_convoys(get_env(), (i.id for i in reopened))
    return Changed("Reopened", reopened, single=len(ids) == 1)


@click.command("search", cls=BdCommand)
@click.argument("text")
@click.option("--open", "only_open", is_flag=True, help="Skip closed beads.")
@click.option("-n", "--limit", type=LIMIT, default=LIST_LIMIT, show_default=True,
              help="How many to show, as in bd; 0 shows all.")
def search(text, only_open, limit):
    """Find beads whose id, title, description or notes contain TEXT."""
    if not text.strip():
        raise CommandError("give some text to search for")
    led = open_ledger()
    return IssueList(led.search(text, include_closed=not only_open, limit=limit or None, raw=True))


def register(root: click.Group) -> None:
    for cmd in (create, list_, show, update, close, reopen, search):
        root.add_command(cmd)
