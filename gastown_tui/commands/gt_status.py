"""`gt status`: the whole town in one view (agents by state per rig, the dispatch and merge
queues, today's cost, the oldest stalled agent, what needs you)."""

from __future__ import annotations

import click

from ..visible import visible
from .core import get_env
from .gt_costs import tokens
from .live_views import age
from .render import table, to_jsonable, view
from .towncli import current_town


def counts(states: dict[str, int], empty: str = "-") -> str:
    return ", ".join(f"{n} {state}" for state, n in states.items()) or empty


def cost_text(cost: float | None, n: int, unpriced: int = 0) -> str:
    if not n:
        return "-"
    money = "-" if cost is None else (f"${cost:,.2f}" if cost >= 1 or not cost
                                      else f"${cost:.4f}") + ("*" if unpriced else "")
    return f"{money} ({tokens(n)} tokens)"


def money(cost: float | None, n: int) -> str:
    """A cost in a narrow column: "-" when nothing was recorded or nothing is priced."""
    if not n or cost is None:
        return "-"
    return f"${cost:,.2f}" if cost >= 0.01 or not cost else "<$0.01"


def summary(s) -> list[str]:
    """The status line's and the dashboard header's parts, the numbers of `gt status`'s
    total line (`town.status.TownStatus`)."""
    total = sum(s.agents.values())
    parts = [f"{total} agent{'' if total == 1 else 's'}" + (f" ({counts(s.agents)})"
                                                           if total else "")]
    if s.queued:
        parts.append(f"{s.queued} queued")
    merging = sum(s.merges.values())
    if merging:
        parts.append(f"{merging} in merge queues")
    if s.tokens_today:
        parts.append("today " + cost_text(s.cost_today, s.tokens_today, s.unpriced_today)
                     .split(" (")[0])
    return parts


@view
class Status:
    status: object

    def to_json(self) -> dict:
        return to_jsonable(self.status)

    def render_text(self) -> str:
        s = self.status
        lines = [f"town {s.town} · {s.note}"]
        if s.rigs:
            lines.append(table([[r.rig, counts(r.agents), str(r.queued), counts(r.merges),
                                 cost_text(r.cost_today, r.tokens_today)] for r in s.rigs],
                               ["RIG", "AGENTS", "QUEUED", "MERGE QUEUE", "TODAY"]))
        else:
            lines.append("no rigs yet: add one with `gt rig add NAME URL`")
        if s.mayor:
            lines.append(f"mayor: {s.mayor}")
        total = sum(s.agents.values())
        lines.append(f"total: {total} agent{'' if total == 1 else 's'}"
                     + (f" ({counts(s.agents)})" if total else "")
                     + f" · {s.queued} queued · {sum(s.merges.values())} in merge queues"
                     + f" · today {cost_text(s.cost_today, s.tokens_today, s.unpriced_today)}")
        if s.oldest_stalled:
            a = s.oldest_stalled
            lines.append(f"oldest stalled: {a.name}" + (f" on {a.bead}" if a.bead else "")
                         + (f", no progress for {age(a.idle)}" if a.idle is not None else "")
                         + f" ({a.state})")
        if s.needs:
            lines.append(f"needs you ({len(s.needs)}):")
            lines += [f"  {visible(item.text)}" for item in s.needs]
        else:
            lines.append("nothing needs you")
        return "\n".join(lines)


def register(root: click.Group) -> None:
    @root.command("status")
    def status():
        """The town at a glance: per rig its agents by state, the dispatch and merge queues
        and today's cost; the oldest stalled agent; what needs you. Agents' states come from
        the running host, else from the ledger's hooks (it says which)."""
        from ..host.api import Agents, to_wire
        from ..host.client import HostClient
        from ..host.runtime import HostError, HostNotRunning, host_running
        from ..town.status import town_status

        town = current_town()
        live, note = None, ""
        if host_running(town.root) is not None:
            try:
                # (as plain rows: the town layer reads them, and knows no host types)
                live = to_wire(HostClient(town.root, timeout=5).request(Agents()))
            except HostNotRunning:
                pass   # it stopped meanwhile: the ledger says the rest
            except HostError as e:
                note = (f"the host did not answer ({e}): agents from the ledger's hooks")
        return Status(town_status(town, live, note, get_env().environ))
