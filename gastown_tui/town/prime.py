"""`gt prime`: the context an agent reads at start — role, town, rig, and the work on its hook.

Runs inside agent panes at every start, so it reads only what it prints: the caller's hook,
its bead and, for a molecule, the step children.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from ..records import Factory, record
from ..visible import visible
from . import hooks as hooks_mod

if TYPE_CHECKING:
    from .model import Town


@record
class Step:
    id: str
    title: str
    status: str


@record
class RigLine:
    """A rig as a coordinator needs it: its issues' prefix and the clone whose ledger holds
    them (`bd` there creates the issues `gt sling` can hand to the rig's polecats)."""

    name: str
    prefix: str
    clone: str


@record
class Prime:
    role: str
    identity: str
    town: str
    town_root: str
    rig: str | None
    workdir: str
    hook_state: str | None = None
    issue: str | None = None
    title: str | None = None
    description: str | None = None
    acceptance: str | None = None
    priority: int | None = None
    branch: str | None = None
    steps: list[Step] = Factory(list)
    # The town overview (rigs, open convoys) for whoever coordinates: the Mayor, or a person
    # outside any worktree.
    overview: bool = False
    rigs: list[RigLine] = Factory(list)
    convoys: list[str] = Factory(list)
    # When the work came back from the merge queue: why, and what to do about it.
    merge_request: str | None = None
    rejection: str | None = None
    fix: str | None = None
    rejection_details: list[str] = Factory(list)

    def render_text(self) -> str:
        lines = [f"# Gas Town {self.town!r} ({self.town_root})",
                 f"Role: {self.role}   Identity: {self.identity}"]
        if self.rig:
            lines.append(f"Rig: {self.rig}   Workdir: {self.workdir}")
        if self.overview:
            lines += ["", "You are the Mayor: you coordinate the town's agents." if
                      self.role == "mayor" else "You are the overseer, the person who runs this "
                      "town\n(`gt mayor attach` hands the coordinating to the Mayor)."]
            if self.rigs:
                lines.append("Rigs (make a rig's issues with `bd create --rig RIG \"title\"`, "
                             "or `bd create` in its clone):")
                width = max(len(r.name) for r in self.rigs)
                lines += [f"  {r.name:<{width}}  {r.prefix}-*  {r.clone}" for r in self.rigs]
            else:
                lines.append("Rigs: none yet (`gt rig add NAME URL`)")
            lines += ["Open convoys: " + (", ".join(visible(c) for c in self.convoys) or "none"),
                      "",
                      "Break requests into issues of a rig (`bd create --rig RIG \"TITLE\"`), "
                      "bundle them (`gt convoy create`),",
                      "hand them out (`gt sling ISSUE RIG`), watch (`gt agents`, "
                      "`gt convoy list`).",
                      "Read your mail with `gt mail inbox`."]
        if self.issue:
            lines += ["", "## AUTONOMOUS WORK: there is work on your hook, so you run it now.",
                      f"Issue: {visible(self.issue)} (P{self.priority}) "
                      f"{visible(self.title or '')}",
                      f"Branch: {self.branch}   Hook: {self.hook_state}"]
            if self.description:
                lines += ["", visible(self.description, lines=True).rstrip()]
            if self.acceptance:
                lines += ["", "Acceptance: " + visible(self.acceptance, lines=True).rstrip()]
            if self.rejection:
                lines += ["", f"## YOUR MERGE REQUEST {self.merge_request} CAME BACK: "
                          f"{visible(self.rejection)}", visible(self.fix or "")]
                lines += ["  " + visible(line) for line in self.rejection_details]
            if self.steps:
                lines += ["", "Steps:"]
                lines += [f"  [{'x' if s.status == 'closed' else ' '}] {visible(s.id)} "
                          f"{visible(s.title)}" for s in self.steps]
            lines += ["", "Commit on your branch as you go; run `gt done -m \"summary\"` when "
                      "the work is finished."]
        elif self.role in ("polecat", "crew"):
            lines += ["", "Your hook is empty: check `gt mail inbox`, or wait for work."]
        return "\n".join(lines)


def prime(town: "Town", cwd: Path, environ: Mapping[str, str]) -> Prime:
    from .addresses import current_identity

    identity = current_identity(town, cwd, environ)
    role = environ.get("GT_ROLE") or ("crew" if "/crew/" in identity else
                                      "mayor" if identity == "mayor/" else "overseer")
    out = Prime(role, identity, town.name, str(town.root), environ.get("GT_RIG") or None,
                str(cwd))
    hook = None if role == "mayor" else hooks_mod.my_hook(town, environ, cwd)
    if role == "mayor" or (role == "overseer" and hook is None):
        from .convoys import list_convoys

        out.overview = True
        out.rigs = [RigLine(r.name, r.prefix, str(r.beads_dir.parent)) for r in town.rigs()]
        out.convoys = [f"{c.id} {c.title} ({c.progress})" for c in list_convoys(town)]
        return out
    if hook is None or not hook.issue or not hook.live:
        return out
    out.rig = hook.rig
    led = town.rig(hook.rig).ledger()
    issue = led.get(hook.issue)
    out.hook_state, out.issue, out.title = hook.state, issue.id, issue.title
    out.description, out.acceptance = issue.description, issue.acceptance_criteria
    out.priority, out.branch = issue.priority, hook.branch
    from .mq import REJECTED, mr_for_issue, what_to_do

    mr = mr_for_issue(town.rig(hook.rig), issue.id)
    if mr is not None and mr.state in REJECTED:
        out.merge_request, out.rejection, out.fix = mr.id, mr.reason, what_to_do(mr)
        out.rejection_details = (["conflicting files: " + ", ".join(mr.files)] if mr.files
                                 else []) + mr.gate_tail[-20:]
    if issue.issue_type in ("molecule", "epic"):
        out.steps = [Step(c.id, c.title, c.status)
                     for c in led.list(parent=issue.id, include_closed=True, order="id")]
    return out
