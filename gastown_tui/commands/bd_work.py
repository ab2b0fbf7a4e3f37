"""`bd ready / blocked / stats`, `bd dep ...`, `bd label ...`, `bd comments ...`."""

from __future__ import annotations

from typing import Any

import click

from ..visible import visible
from . import ledger_calls
from .bd_common import LIMIT, BdCommand, BdGroup, open_ledger
from .core import runs
from .ledger_calls import READY_LIMIT, Changed, known
from .render import table, view


@click.command("ready", cls=BdCommand)
@click.option("-n", "--limit", type=LIMIT, default=READY_LIMIT,
              show_default=True, help="How many to show; 0 shows all.")
@click.option("-a", "--assignee", default=None, help="Only work assigned to NAME.")
@click.option("--unassigned", is_flag=True, help="Only work nobody holds.")
@click.option("-l", "--label", multiple=True)
@click.option("-t", "--type", "issue_type", multiple=True,
              help="Only these types (by default every type but the town's records: agents, "
                   "mail, merge requests, convoys, and gates and molecules).")
@runs(ledger_calls.ready)
def ready():
    """Work that can start now: open, and nothing unfinished blocks it."""


@view
class BlockedList:
    items: list[Any]

    def to_json(self) -> list[dict]:
        return [b.to_json() for b in self.items]

    def render_text(self) -> str:
        if not self.items:
            return "(nothing is blocked)"
        return table([[b.issue.id, f"P{b.issue.priority}", b.issue.title,
                       ", ".join(b.blocked_by) or b.issue.status] for b in self.items],
                     ["ID", "PRI", "TITLE", "BLOCKED BY"], keep=["ID"])


@click.command("blocked", cls=BdCommand)
def blocked():
    """Unfinished beads waiting on something, and what they wait on."""
    return BlockedList(open_ledger().blocked())


@click.command("stats", cls=BdCommand)
def stats():
    """Counts by status and type, and how much is ready or blocked."""
    return open_ledger().stats()


# --------------------------------------------------------------------------------- dep


@click.group("dep", cls=BdGroup)
def dep():
    """Dependencies between beads (A depends on B)."""


@view
class DepChange:
    verb: str
    issue_id: str
    depends_on_id: str
    type: str

    def to_json(self) -> dict:
        return {"status": self.verb, "issue_id": self.issue_id,
                "depends_on_id": self.depends_on_id, "type": self.type}

    def render_text(self) -> str:
        # Spelled out: an arrow from A to B reads as "A blocks B", the opposite of what it means.
        return (f"{self.verb.capitalize()}: {visible(self.issue_id)} depends on "
                f"{visible(self.depends_on_id)} ({visible(self.type)})")


@dep.command("add")
@click.argument("issue")
@click.argument("depends_on")
@click.option("-t", "--type", "dep_type", default="blocks", show_default=True)
def dep_add(issue, depends_on, dep_type):
    """ISSUE depends on DEPENDS_ON (a blocks cycle is refused)."""
    from ..beads import DEP_TYPES

    known([dep_type], DEP_TYPES, "dependency type")
    d = open_ledger([issue]).add_dependency(issue, depends_on, dep_type)
    return DepChange("added", d.issue_id, d.depends_on_id, d.type)


@dep.command("remove")
@click.argument("issue")
@click.argument("depends_on")
def dep_remove(issue, depends_on):
    """Remove the dependency of ISSUE on DEPENDS_ON."""
    d = open_ledger([issue]).remove_dependency(issue, depends_on)
    return DepChange("removed", d.issue_id, d.depends_on_id, d.type)


@view
class TreeNode:
    id: str
    title: str
    status: str
    type: str          # how it hangs off its parent in the tree ("" for the root)
    children: list["TreeNode"]
    repeated: bool = False

    def to_json(self) -> dict:
        out = {"id": self.id, "title": self.title, "status": self.status,
               "dep_type": self.type or None, "children": [c.to_json() for c in self.children]}
        if self.repeated:
            out["repeated"] = True
        return out

    def render_text(self, depth: int = 0) -> str:
        link = f"{visible(self.type)}: " if self.type else ""
        mark = " (shown above)" if self.repeated else ""
        lines = ["  " * depth + f"{link}{visible(self.id)} [{visible(self.status)}] "
                 f"{visible(self.title)}{mark}"]
        lines += [c.render_text(depth + 1) for c in self.children]
        return "\n".join(lines)


@dep.command("tree")
@click.argument("issue")
@click.option("--max-depth", type=click.IntRange(min=1, max=1000), default=20,
              show_default=True)
def dep_tree(issue, max_depth):
    """What ISSUE depends on, recursively."""
    led = open_ledger([issue])
    seen: set[str] = set()

    def node(issue_id: str, how: str, depth: int) -> TreeNode:
        if not led.exists(issue_id):
            return TreeNode(issue_id, "(not in this ledger)", "?", how, [])
        i = led.get(issue_id)
        if issue_id in seen:
            return TreeNode(i.id, i.title, i.status, how, [], repeated=True)
        seen.add(issue_id)
        kids = [] if depth >= max_depth else [
            node(d.depends_on_id, d.type, depth + 1) for d in i.dependencies]
        return TreeNode(i.id, i.title, i.status, how, kids)

    return node(led.resolve(issue), "", 0)


# --------------------------------------------------------------------------------- label


@click.group("label", cls=BdGroup)
def label():
    """Labels on beads."""


@label.command("add")
@click.argument("ids", nargs=-1, required=True)
@click.argument("name")
def label_add(ids, name):
    """Add label NAME to each bead: bd label add ID... NAME."""
    led = open_ledger(ids)
    with led.transaction():
        done = [led.add_label(i, name) for i in ids]
    return Changed("Labelled", done, single=len(ids) == 1)


@label.command("remove")
@click.argument("ids", nargs=-1, required=True)
@click.argument("name")
def label_remove(ids, name):
    """Remove label NAME from each bead."""
    led = open_ledger(ids)
    with led.transaction():
        done = [led.remove_label(i, name) for i in ids]
    return Changed("Unlabelled", done, single=len(ids) == 1)


@view
class Labels:
    counts: dict[str, int]

    def to_json(self) -> Any:
        return [{"label": k, "count": v} for k, v in self.counts.items()]

    def render_text(self) -> str:
        if not self.counts:
            return "(no labels)"
        return table([[k, str(v)] for k, v in self.counts.items()], ["LABEL", "BEADS"])


@label.command("list")
@click.argument("issue", required=False)
def label_list(issue):
    """The labels of ISSUE, or every label in use with its count."""
    led = open_ledger([issue] if issue else ())
    if issue:
        return led.labels(issue)
    return Labels(led.all_labels())


# --------------------------------------------------------------------------------- comments


class CommentsGroup(BdGroup):
    """`bd comments ID` lists; `bd comments add ID TEXT` adds."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@view
class CommentList:
    issue_id: str
    comments: list[Any]

    def to_json(self) -> list[dict]:
        return [c.to_json() for c in self.comments]

    def render_text(self) -> str:
        if not self.comments:
            return f"(no comments on {visible(self.issue_id)})"
        return "\n".join(f"[{visible(c.created_at)}] {visible(c.author)}: "
                         + visible(c.text, lines=True).replace("\n", "\n  ")
                         for c in self.comments)


@view
class CommentAdded:
    comment: Any

    def to_json(self) -> dict:
        return self.comment.to_json()

    def render_text(self) -> str:
        return f"Commented on {visible(self.comment.issue_id)}"


@click.group("comments", cls=CommentsGroup)
def comments():
    """Comments: bd comments ID, bd comments add ID TEXT."""


@comments.command("list", hidden=True)
@click.argument("issue")
def comments_list(issue):
    led = open_ledger([issue])
    rid = led.resolve(issue)
    return CommentList(rid, led.comments(rid))


@comments.command("add")
@click.argument("issue")
@click.argument("text")
def comments_add(issue, text):
    """Add a comment to ISSUE."""
    return CommentAdded(open_ledger([issue]).add_comment(issue, text))


def register(root: click.Group) -> None:
    for cmd in (ready, blocked, stats, dep, label, comments):
        root.add_command(cmd)
