"""`gt convoy`: track bundles of issues across rigs until they land."""

from __future__ import annotations

from typing import Any

import click

from ..visible import visible
from .render import table, text_of, view
from .towncli import complete_address, complete_bead, complete_convoy, current_town, identity


@view
class Landed:
    """The convoys a refresh landed (JSON: the list, possibly empty)."""

    convoys: list[Any]

    def to_json(self) -> list:
        return [c.to_json() for c in self.convoys]

    def render_text(self) -> str:
        if not self.convoys:
            return "No convoy landed."
        return "\n".join(f"Landed {visible(c.id)}: {visible(c.title)} ({c.progress})"
                         for c in self.convoys)


@text_of("gastown_tui.town.convoys.Convoy")
def convoy_text(c: Any) -> str:
    """One convoy with its tracked issues: a line, then their table."""
    v = visible
    line = f"{v(c.id)}  {c.progress}  {v(c.status)}  {v(c.title)}"
    if not c.detailed:
        return line
    lines = [line]
    if c.notify:
        lines.append(f"notify: {', '.join(v(n) for n in c.notify)}")
    if c.tracked:
        lines.append(table([[t.id, t.status, t.assignee or "-", t.title] for t in c.tracked],
                           ["ISSUE", "STATUS", "ASSIGNEE", "TITLE"], keep=["ISSUE"]))
    else:
        lines.append(f"(no issues yet: gt convoy add-issue ID... --convoy {v(c.id)})")
    return "\n".join(lines)


class ConvoyList(list):
    """`gt convoy list`: the convoys (JSON: the list), and when none is open, how many have
    landed or been closed, so an empty listing does not read as "no convoys at all"."""

    def __init__(self, convoys, landed: int = 0, closed: int = 0, all_: bool = False):
        super().__init__(convoys)
        self.landed, self.closed, self.all_ = landed, closed, all_

    def render_text(self) -> str:
        if self:
            return table([[c.id, c.progress, c.status, c.title] for c in self],
                         ["ID", "PROGRESS", "STATUS", "TITLE"], keep=["ID"])
        if self.all_ or not (self.landed or self.closed):
            return "(no convoys yet: gt convoy create NAME ID...)"
        done = ", ".join(f"{n} {what}" for n, what in ((self.landed, "landed"),
                                                       (self.closed, "closed")) if n)
        return f"(no open convoys; {done}: gt convoy list --all)"


def _finished_counts(town) -> tuple[int, int]:
    """(landed, closed by hand) convoys, counted in SQL: only asked when none is open."""
    from ..town.convoys import LANDED

    landed = closed = 0
    for is_landed, n in town.ledger().conn.execute(
            "SELECT close_reason = ?, COUNT(*) FROM issues WHERE issue_type = 'convoy' "
            "AND status = 'closed' GROUP BY 1", (LANDED,)):
        if is_landed:
            landed = n
        else:
            closed = n
    return landed, closed


def register(root: click.Group) -> None:
    @root.group("convoy")
    def convoy():
        """Bundles of issues, tracked until every one is closed (the convoy lands)."""

    @convoy.command("create")
    @click.argument("name")
    @click.argument("issues", nargs=-1, shell_complete=complete_bead)
    @click.option("--notify", "notify", multiple=True, is_flag=False, flag_value="mayor/",
                  metavar="[ADDR]", shell_complete=complete_address,
                  help="Mail ADDR (default mayor/) when the convoy lands; repeatable.")
    @click.option("--human", is_flag=True, help="Mail the overseer (you) when it lands, and "
                  "hold its merges for your approval (`gt mq approve`).")
    def create(name: str, issues: tuple[str, ...], notify: tuple[str, ...], human: bool):
        """Create convoy NAME tracking ISSUES (ids from any rig)."""
        from ..town.convoys import create_convoy

        town = current_town()
        return create_convoy(town, name, issues, notify, human, actor=identity(town))

    @convoy.command("list")
    @click.option("--all", "all_", is_flag=True, help="Include landed and closed convoys.")
    def list_(all_: bool):
        """Convoys with their progress (closed/tracked), newest first."""
        from ..town.convoys import list_convoys

        town = current_town()
        convoys = list_convoys(town, include_closed=all_)
        if convoys or all_:
            return ConvoyList(convoys, all_=all_)
        return ConvoyList([], *_finished_counts(town))

    @convoy.command("show")
    @click.argument("convoy_id", metavar="[ID]", required=False, shell_complete=complete_convoy)
    def show(convoy_id: str | None):
        """A convoy's tracked issues with status and assignee (default: the newest open)."""
        from ..town.convoys import get_convoy

        return get_convoy(current_town(), convoy_id)

    @convoy.command("add-issue")
    @click.argument("issues", nargs=-1, required=True, shell_complete=complete_bead)
    @click.option("--convoy", "convoy_id", shell_complete=complete_convoy,
                  help="Convoy to add to (default: the newest open).")
    def add_issue(issues: tuple[str, ...], convoy_id: str | None):
        """Track more issues; re-opens a landed convoy."""
        from ..town.convoys import add_issues

        town = current_town()
        return add_issues(town, issues, convoy_id, actor=identity(town))

    @convoy.command("refresh")
    @click.argument("convoy_id", metavar="[ID]", required=False, shell_complete=complete_convoy)
    def refresh_(convoy_id: str | None):
        """Re-check landing (one convoy, or every open one)."""
        from ..town.convoys import refresh

        town = current_town()
        return Landed(refresh(town, convoy_id, actor=identity(town)))

    @convoy.command("close")
    @click.argument("convoy_id", metavar="ID", shell_complete=complete_convoy)
    def close(convoy_id: str):
        """Close a convoy by hand (its notify addresses get no landing mail)."""
        from ..town.convoys import close_convoy

        town = current_town()
        return close_convoy(town, convoy_id, actor=identity(town))
