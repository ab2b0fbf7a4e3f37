"""`gt sling`, `gt hooks`, and the agent-side commands `gt prime`, `gt hook`, `gt done`,
`gt handoff` (these run inside agent panes constantly, so they load only what they use)."""

from __future__ import annotations


import click

from ..visible import visible
from . import agent_calls
from .agent_calls import tell_host
from .core import UsageError, get_env, runs
from .render import table, to_jsonable, view
from .towncli import complete_agent, complete_bead, complete_rig, current_town, identity


def _live_activity(town) -> dict[str, str]:
    """Session name -> time of its terminal's last output, from the running host if any: the
    ledger records only transitions, not every keystroke of a working agent."""
    from datetime import datetime, timedelta, timezone

    from ..host.api import Agents
    from ..host.client import HostClient
    from ..host.runtime import HostError, host_running

    if host_running(town.root) is None:
        return {}
    try:
        rows = HostClient(town.root, timeout=2).request(Agents())
    except HostError:
        return {}
    at = datetime.now(timezone.utc)
    return {r.name: (at - timedelta(seconds=r.last_activity)).isoformat()
            for r in rows if r.last_activity is not None}


@view
class SlingResult:
    slung: list

    def to_json(self) -> list:
        return [to_jsonable(s) for s in self.slung]

    def render_text(self) -> str:
        return "\n".join(s.render_text() for s in self.slung)


@view
class HookRow:
    polecat: str
    rig: str
    issue: str | None
    state: str
    branch: str | None
    ahead: int | None
    dirty: int | None
    last_activity: str | None
    agent: str | None
    stuck: bool
    worktree: str | None
    kind: str = "polecats"  # or crew: a crew member an issue was slung to; queue: waiting
    position: int | None = None  # in the dispatch queue (state queued), counted town-wide
    merge_request: str | None = None
    merge_state: str | None = None   # queued, gating, waiting review, merged, conflict, ...
    reason: str | None = None  # why it is suspended
    unusable: str | None = None  # why this idle polecat takes no new work, and what to do

    @property
    def who(self) -> str:
        if self.kind == "queue":
            return f"{self.rig}/queue#{self.position}"
        return f"{self.rig}/{self.polecat}" if self.kind == "polecats" else \
            f"{self.rig}/{self.kind}/{self.polecat}"


@view
class HookList:
    rows: list[HookRow]

    def to_json(self) -> list[dict]:
        return [to_jsonable(r) for r in self.rows]

    def render_text(self) -> str:
        if not self.rows:
            return "no hooks yet (sling work with `gt sling ISSUE RIG`)"
        return table([[r.who, r.issue or "-",
                       r.state + (" (stuck)" if r.stuck else "")
                       + (" (unusable)" if r.unusable else ""), r.merge_state or "-",
                       r.branch or "-",
                       "-" if r.ahead is None else str(r.ahead),
                       "-" if r.dirty is None else str(r.dirty),
                       (r.last_activity or "-")[:19]] for r in self.rows],
                     ["AGENT", "ISSUE", "STATE", "MERGE", "BRANCH", "AHEAD", "DIRTY",
                      "LAST ACTIVITY"], keep=["AGENT", "ISSUE"]) + "".join(
            f"\n{r.who} is suspended: {visible(r.reason)}" for r in self.rows
            if r.state == "suspended" and r.reason) + "".join(
            f"\n{visible(r.unusable)}" for r in self.rows if r.unusable)


@view
class Handoff:
    address: str
    mailed: str

    def render_text(self) -> str:
        return f"handoff mail sent to {self.mailed}; {self.address} restarts fresh"


@view
class AgentActed:
    """What `gt hooks suspend|resume` did, as the host said it."""

    agent: str
    action: str
    state: str
    issue: str | None
    snapshot: str | None = None
    pid: int | None = None
    said: str = ""

    def render_text(self) -> str:
        return self.said


def _agent_action(what: str, name: str, preset: str | None = None) -> AgentActed:
    from ..host.api import Act
    from ..host.client import HostClient

    if not name.strip():
        raise UsageError(f"give the agent to {what}: a name from `gt hooks list`")
    # Ending a terminal can take a few seconds (KILL after 5 s); starting one, less.
    reply = HostClient(current_town().root, timeout=30).request(
        Act(what, name, by=f"gt hooks {what}", agent=preset))
    return AgentActed(reply.agent, what, reply.state, reply.issue, reply.snapshot, reply.pid,
                      reply.said)


def _snapshot_repo(town, hook):
    """Where a hook's snapshot refs live: a crew member's own clone, else the rig's repository
    that every polecat worktree shares (it outlives an archived worktree)."""
    if hook.kind == "crew" and hook.path is not None and hook.path.exists():
        return hook.path
    return town.rig(hook.rig).repo_path


def _complete_sling(ctx: click.Context, param: click.Parameter, incomplete: str):
    """Open bead ids and the rigs: any word of ISSUE... RIG may be the one being typed."""
    return complete_bead(ctx, param, incomplete) + complete_rig(ctx, param, incomplete)


def register(root: click.Group) -> None:
    @root.command("sling")
    @click.argument("args", nargs=-1, required=True, metavar="ISSUE... [RIG[/NAME]]",
                    shell_complete=_complete_sling)
    @click.option("--agent", shell_complete=complete_agent,
                  help="Agent preset for this sling (default: rig, then town setting).")
    @click.option("--no-convoy", is_flag=True, help="Do not create a \"Work: <title>\" convoy.")
    @click.option("--base", help="Branch to start from (default: the rig's default branch).")
    @click.option("--crew", help="Hook the issue to this crew member's clone instead.")
    @click.option("--rig", "rig_opt", shell_complete=complete_rig, help="The rig, with --crew.")
    def sling(args: tuple[str, ...], agent, no_convoy, base, crew, rig_opt):
        """Put ISSUEs on polecats' hooks in RIG and start their agents (one polecat each);
        past the town's max_polecats they wait in the dispatch queue."""
        from ..host.api import Sling
        from ..host.client import HostClient
        from ..host.events import append_event, make_event
        from ..host.runtime import HostNotRunning, host_running
        from ..town.sling import sling as town_sling

        if crew:
            if not rig_opt:
                raise UsageError("--crew needs --rig RIG")
            issues, target = list(args), rig_opt
        else:
            if rig_opt:
                issues, target = list(args), rig_opt
            elif len(args) < 2:
                raise UsageError("give ISSUE... and the RIG (or RIG/NAME) to sling to")
            else:
                issues, target = list(args[:-1]), args[-1]
        if not all(i.strip() for i in issues) or not target.strip():
            raise UsageError("an issue id or the rig is empty: give ISSUE... RIG[/NAME]")
        town = current_town()
        env = get_env()
        actor = identity(town)
        if host_running(town.root) is not None:
            try:
                return SlingResult(HostClient(town.root, timeout=120).request(
                    Sling(issues, target, agent, no_convoy, base, crew, actor)))
            except HostNotRunning:
                pass  # it stopped between the check and the call: record the hook ourselves
        done = town_sling(town, issues, target, agent=agent, convoy=not no_convoy, base=base,
                          crew=crew, actor=actor, environ=env.environ, progress=env.progress)
        for slung, hook in done:
            append_event(town.root, make_event("sling", issue=slung.issue,
                                               agent=f"{slung.rig}/{slung.polecat}",
                                               convoy=slung.convoy, by=actor, started=False)
                         if hook is not None else
                         make_event("queued", issue=slung.issue, rig=slung.rig,
                                    position=slung.queued, by=actor))
        return SlingResult([s for s, _h in done])

    @root.group("hooks")
    def hooks():
        """Polecat hooks: worktree, bead and state, with snapshots and repair."""

    @hooks.command("list")
    @click.option("--rig", shell_complete=complete_rig, help="Only this rig.")
    @click.option("--all", "all_", is_flag=True, help="Include archived hooks.")
    def hooks_list(rig: str | None, all_: bool):
        """Each hook: polecat, issue, state, branch, commits ahead, dirty files, last activity;
        then the work queued for a free polecat."""
        from ..town import hooks as hooks_mod
        from ..town.mq import by_issue
        from ..town.queue import list_queue
        from ..town.sling import unusable_note
        from ..town.worktrees import status

        town = current_town()
        if rig:
            town.rig(rig)
        live = _live_activity(town)
        rows = []
        merges: dict[str, dict] = {}
        for h in hooks_mod.all_hooks(town, [rig] if rig else None):
            if h.state == "archived" and not all_ and not h.unusable:
                continue
            ahead = dirty = None
            if h.path is not None and h.path.exists():
                st = status(h.path, h.base or town.rig(h.rig).branch)
                ahead, dirty = st.ahead, st.dirty
            last = max(filter(None, (h.last_activity, live.get(h.session))), default=None)
            if h.rig not in merges:
                merges[h.rig] = by_issue(town.rig(h.rig))
            mr = merges[h.rig].get(h.issue or "")
            mine = mr is not None and mr.agent == h.address
            rows.append(HookRow(h.polecat, h.rig, h.issue, h.state, h.branch, ahead, dirty,
                                last, h.agent, h.stuck, h.worktree, h.kind, None,
                                mr.id if mine else None, mr.label if mine else None,
                                h.reason if h.state == "suspended" else None,
                                unusable_note(h) if h.unusable else None))
        # Queued work is on no hook yet: it follows, in the order it starts.
        for q in list_queue(town, [rig] if rig else None):
            rows.append(HookRow("", q.rig, q.issue, "queued", None, None, None, q.queued_at,
                                q.agent, False, None, "queue", q.position))
        return HookList(rows)

    @hooks.command("prune")
    @click.option("--dry-run", is_flag=True, help="Only say what would be archived.")
    def hooks_prune(dry_run: bool):
        """Archive hooks whose work is merged or dropped (worktree snapshotted, then removed;
        merged branches deleted). Work waiting for a merge or a fix is left alone."""
        from ..town.prune import prune

        town = current_town()
        done = prune(town, dry_run, identity(town))
        if done and not dry_run:
            tell_host(town)
        return done or "nothing to prune: every hook still holds work in progress or in the " \
                       "merge queue"

    @hooks.command("repair")
    def hooks_repair():
        """Reconcile worktrees, ledger and live sessions; report each fix."""
        from ..host.repair import repair

        return repair(current_town())

    @hooks.command("suspend")
    @click.argument("name")
    def hooks_suspend(name: str):
        """Park NAME's work: snapshot its worktree, suspend its hook, end its terminal."""
        return _agent_action("suspend", name)

    @hooks.command("resume")
    @click.argument("name")
    def hooks_resume(name: str):
        """Start NAME's agent again on its suspended hook."""
        return _agent_action("resume", name)

    @hooks.command("move")
    @click.argument("name")
    @click.argument("preset", shell_complete=complete_agent)
    def hooks_move(name: str, preset: str):
        """Go on with NAME's hook under another agent PRESET (another account, when its own
        is at its usage limit): a fresh session in the same worktree, on the same branch."""
        if not preset.strip():
            raise UsageError("give the agent preset to move to: see `gt config agent list`")
        return _agent_action("move", name, preset)

    @hooks.command("snapshots")
    @click.argument("name")
    def hooks_snapshots(name: str):
        """Work-in-progress snapshots of polecat NAME, newest first."""
        from ..town import hooks as hooks_mod
        from ..town.snapshots import list_snapshots

        town = current_town()
        hook = hooks_mod.find(town, name)
        snaps = list_snapshots(_snapshot_repo(town, hook), hook.polecat)
        return snaps or f"{hook.polecat} has no snapshots yet"

    @hooks.command("rollback")
    @click.argument("name")
    @click.argument("snapshot", required=False)
    def hooks_rollback(name: str, snapshot: str | None):
        """Put NAME's worktree files back as in SNAPSHOT (default: the newest); the current
        state is snapshotted first, so this can be undone."""
        from ..town import TownError
        from ..town import hooks as hooks_mod
        from ..town.snapshots import find_snapshot, restore

        if snapshot is not None and not snapshot.strip():
            # An empty id would pick the newest snapshot, which the caller did not ask for.
            raise UsageError(f"the snapshot id is empty: give one from `gt hooks snapshots "
                             f"{name}`, or none for the newest")
        town = current_town()
        hook = hooks_mod.find(town, name)
        if hook.path is None or not hook.path.exists():
            raise TownError(f"{hook.polecat} has no worktree to roll back (state {hook.state})")
        snap = find_snapshot(_snapshot_repo(town, hook), hook.polecat, snapshot)
        before = restore(hook.path, hook.polecat, snap.id)
        saved = f"; the state before is snapshot {before.short}" if before else ""
        return f"restored {hook.polecat}'s files from snapshot {snap.short} ({snap.time}){saved}"

    @root.command("prime")
    @click.option("--hook", "as_hook", is_flag=True,
                  help="As a SessionStart hook's JSON (what Gemini CLI reads).")
    @runs(agent_calls.prime)
    def prime():
        """Your role, town and rig, and the work on your hook (agents run this at start)."""

    @root.command("hook")
    @runs(agent_calls.hook)
    def hook():
        """What is on my hook."""

    @root.command("done")
    @click.option("-m", "--message", help="What was done (commit message and close reason).")
    @runs(agent_calls.done)
    def done():
        """Finish the work on your hook: commit, close the bead, mail, land convoys, go idle."""

    @root.command("handoff")
    @click.argument("name", required=False)
    @click.option("-m", "--message", default="", help="Notes for the fresh session.")
    def handoff(name: str | None, message: str):
        """Mail a handoff note, then restart the session fresh in place: your own, or agent
        NAME's (as the app's H does)."""
        from ..host.api import Act
        from ..host.client import HostClient
        from ..town.done import require_hook

        town = current_town()
        if name is None:
            env = get_env()
            h = require_hook(town, env.cwd, env.environ)
            target, sender = h.session, h.address
        elif not name.strip():
            raise UsageError("give the agent to hand off: a name from `gt agents`")
        else:
            target, sender = name, identity(town)
        # The host mails and restarts, answering before it ends the session (which may be
        # the caller's own).
        reply = HostClient(town.root, timeout=30).request(
            Act("handoff", target, by="gt handoff", sender=sender, message=message))
        return Handoff(reply.mailed, reply.mailed)
