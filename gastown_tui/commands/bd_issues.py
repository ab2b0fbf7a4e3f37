"""`bd create / list / show / update / close / reopen / search`."""

from __future__ import annotations

import click

from .bd_common import (LIMIT, PRIORITY, BdCommand, Changed, IssueList, detail, known,
                        open_ledger, open_rig_ledger, split_csv)
from .core import CommandError, UsageError


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
def create(title, description, priority, issue_type, assignee, labels, parent, deps, notes,
           rig, silent):
    """Create a bead; prints its id (with --silent nothing else)."""
    from ..beads import ISSUE_TYPES

    known([issue_type], ISSUE_TYPES, "type")
    led = open_rig_ledger(rig) if rig else open_ledger([parent] if parent else ())
    extra = {"notes": notes} if notes else {}
    issue = led.create(title, description=description, priority=priority,
                       issue_type=issue_type, assignee=assignee, labels=split_csv(labels),
                       parent=parent, deps=split_csv(deps), **extra)
    return Changed("Created", [issue], ids_only=silent)


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
@click.option("-n", "--limit", type=LIMIT, default=None,
              help="At most N (0: no limit, as in bd).")
def list_(status, issue_type, assignee, label, priority, everything, limit):
    """List the project's beads (closed ones only with --all or --status closed; the town's
    own records of agents, mail, merge requests and convoys only with --type or --all)."""
    from ..beads import ISSUE_TYPES, RECORD_TYPES, STATUSES

    statuses = known(split_csv(status), STATUSES, "status")
    types = known(split_csv(issue_type), ISSUE_TYPES, "type")
    led = open_ledger()
    return IssueList(led.list(status=statuses or None,
                              issue_type=types or None, assignee=assignee,
                              label=split_csv(label) or None, priority=priority,
                              include_closed=everything, limit=limit or None, raw=True,
                              exclude_types=() if types or everything else RECORD_TYPES))


@click.command("show", cls=BdCommand)
@click.argument("ids", nargs=-1, required=True)
def show(ids):
    """Show beads with their dependencies, dependents and comments."""
    led = open_ledger(ids)
    details = [detail(led, i) for i in ids]
    return details[0] if len(details) == 1 else ShowMany(details)


class ShowMany:
    def __init__(self, details):
        self.details = details

    def to_json(self):
        return [d.to_json() for d in self.details]

    def render_text(self):
        return "\n\n".join(d.render_text() for d in self.details)


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
def update(ids, status, title, description, notes, priority, issue_type, assignee, add_label,
           remove_label, claim):
    """Change beads; --claim is an atomic compare-and-swap (exit 1 if someone else won)."""
    fields = {k: v for k, v in (("status", status), ("title", title),
                                ("description", description), ("notes", notes),
                                ("priority", priority), ("issue_type", issue_type))
              if v is not None}
    if assignee is not None:
        fields["assignee"] = assignee or None
    adds, removes = split_csv(add_label), split_csv(remove_label)
    if not (fields or adds or removes or claim):
        raise UsageError("nothing to change: give --status, --title, --priority, --assignee, "
                         "--add-label, --remove-label or --claim")
    if claim and ("assignee" in fields or "status" in fields):
        raise UsageError("--claim sets the assignee and status itself; drop --assignee/--status")
    from ..beads import ISSUE_TYPES, STATUSES

    known([status] if status is not None else [], STATUSES, "status")
    known([issue_type] if issue_type is not None else [], ISSUE_TYPES, "type")
    led = open_ledger(ids)
    done, was_closed = [], set()
    with led.transaction():      # all of the command, or none of it
        for issue_id in ids:
            if status is not None:
                before = led.get(issue_id)
                if before.is_closed:
                    was_closed.add(before.id)
            if claim:
                led.claim(issue_id)
            if fields:
                led.update(issue_id, **fields)
            for lab in adds:
                led.add_label(issue_id, lab)
            for lab in removes:
                led.remove_label(issue_id, lab)
            done.append(led.get(issue_id))
    if status == "closed":
        from .towncli import land_convoys  # convoys tracking these may land now (no daemon)
        land_convoys(i.id for i in done)
    reopened = [i.id for i in done if i.id in was_closed and not i.is_closed]
    if reopened:
        from .towncli import reopen_convoys  # a landed convoy tracking these has work again
        reopen_convoys(reopened)
    return Changed("Claimed" if claim else "Updated", done, single=len(ids) == 1)


@click.command("close", cls=BdCommand)
@click.argument("ids", nargs=-1, required=True)
@click.option("-r", "--reason", default=None, help="Why it is closed.")
def close(ids, reason):
    """Close beads."""
    led = open_ledger(ids)
    with led.transaction():
        closed = [led.close(i, reason) for i in ids]
    from .towncli import land_convoys  # convoys tracking these may land now (no daemon)
    land_convoys(i.id for i in closed)
    return Changed("Closed", closed, single=len(ids) == 1)


@click.command("reopen", cls=BdCommand)
@click.argument("ids", nargs=-1, required=True)
def reopen(ids):
    """Reopen closed beads."""
    led = open_ledger(ids)
    with led.transaction():
        reopened = [led.reopen(i) for i in ids]
    from .towncli import reopen_convoys  # a landed convoy tracking these has work again
    reopen_convoys(i.id for i in reopened)
    return Changed("Reopened", reopened, single=len(ids) == 1)


@click.command("search", cls=BdCommand)
@click.argument("text")
@click.option("--open", "only_open", is_flag=True, help="Skip closed beads.")
@click.option("-n", "--limit", type=LIMIT, default=None,
              help="At most N (0: no limit, as in bd).")
def search(text, only_open, limit):
    """Find beads whose id, title, description or notes contain TEXT."""
    if not text.strip():
        raise CommandError("give some text to search for")
    led = open_ledger()
    return IssueList(led.search(text, include_closed=not only_open, limit=limit or None, raw=True))


def register(root: click.Group) -> None:
    for cmd in (create, list_, show, update, close, reopen, search):
        root.add_command(cmd)
