"""Merge requests: beads in the rig's ledger that ask its refinery to land a branch.

`gt done` submits the hook's branch (`submit_hook`), a crew member submits a branch of their
clone (`submit_crew`). An MR bead (`issue_type=merge-request`, id `<prefix>-mr-<hash>`) holds
its details as JSON in `notes`, as hook beads do; the issue it lands waits for it as `blocked`
with a `blocks` dependency on the MR, so `bd ready` never offers it and `bd blocked` says what
it waits for, and closes when the MR merges. A rejected MR (conflict, failing gate, a person's
no) is closed with the reason and sends the issue back to the same hook; the agent's next
`gt done` reopens the same MR, so one piece of work is one MR with its history in comments.

These are the decisions of landing (what a merge or a rejection means for the beads, the hook
and the people); the git work is in `landing.py`, the batch order in `refinery.py`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..records import Factory, record
from ..visible import visible
from . import hooks as hooks_mod
from .errors import TownError, usage

if TYPE_CHECKING:
    from ..beads import Issue, Ledger
    from .model import Rig, Town

MR_TYPE = "merge-request"
MR_LABEL = "gt:mr"
# On an MR sent back whose agent the host has not nudged yet: found by one query.
TELL_LABEL = "gt:tell-agent"
REFINERY = "refinery"
MAX_REJECTIONS = 3

# state -> (bead status, words a person reads)
STATES = {
    "queued": ("open", "queued"),
    "gating": ("in_progress", "gating"),
    "review": ("open", "waiting review"),
    "merging": ("in_progress", "merging"),
    "merged": ("closed", "merged"),
    "conflict": ("closed", "conflict"),
    "gate_failed": ("closed", "gate failed"),
    "rejected": ("closed", "rejected"),
}
REJECTED = ("conflict", "gate_failed", "rejected")
IN_FLIGHT = ("gating", "merging")
WAITING = ("queued", "review")


@record
class MergeSettings:
    target: str
    strategy: str = "rebase"
    gate: str = ""
    gate_timeout: int = 600
    batch: int = 5
    push: bool = False
    review: str = "auto"


def merge_settings(rig: "Rig") -> MergeSettings:
    from .schema import RIG_SETTINGS, dotted

    data = rig.settings()

    def get(key: str) -> Any:
        return dotted(data, f"merge.{key}", RIG_SETTINGS[f"merge.{key}"].default)

    return MergeSettings(get("target") or origin_head(rig) or rig.branch, get("strategy"),
                         get("gate").strip(), int(get("gate_timeout")), int(get("batch")),
                         bool(get("push")), get("review"))


def origin_head(rig: "Rig") -> str | None:
    """The branch origin's HEAD names in the rig's repository (what a clone checks out)."""
    import pygit2

    try:
        repo = pygit2.Repository(str(rig.repo_path))
        ref = repo.references.get("refs/remotes/origin/HEAD")
    except pygit2.GitError:
        return None
    if ref is None or ref.type != pygit2.enums.ReferenceType.SYMBOLIC:
        return None
    name = ref.target
    prefix = "refs/remotes/origin/"
    return name[len(prefix):] if isinstance(name, str) and name.startswith(prefix) else None


@record
class MergeRequest:
    id: str
    rig: str
    state: str
    issue: str | None
    title: str
    branch: str
    head: str
    target: str
    agent: str               # who submitted: the polecat or crew address
    convoy: str | None = None
    review: str = "auto"
    reason: str = ""         # why it is rejected, or why a queued MR waits
    rejections: int = 0
    approved_by: str | None = None
    submitted_at: str = ""
    updated_at: str = ""
    merged_commit: str | None = None   # the target's new tip that brought it in
    landed_as: str | None = None       # its own last commit on the target
    files: list[str] = Factory(list)       # conflicting files
    gate_tail: list[str] = Factory(list)   # the gate's last lines
    log: str | None = None
    ref: str = ""
    # The tree its gate passed on, and that gate, while it waits for review.
    tested: dict | None = None
    landing: dict | None = None
    told: bool = True
    retry_after: float = 0.0
    needs_you: str | None = None       # why a person should look, when they should
    # Kept for the queue's own work, shown in JSON but not in text views.
    __text_hidden__ = ("ref", "tested", "landing", "told", "retry_after")

    @property
    def label(self) -> str:
        return STATES.get(self.state, ("", self.state))[1]

    @property
    def open(self) -> bool:
        return self.state in WAITING or self.state in IN_FLIGHT

    def details(self) -> dict[str, Any]:
        keep = ("issue", "branch", "ref", "head", "target", "agent", "convoy", "review", "state",
                "reason", "rejections", "approved_by", "submitted_at", "merged_commit",
                "landed_as", "files", "gate_tail", "log", "tested", "landing", "told",
                "retry_after")
        return {k: getattr(self, k) for k in keep}

    def to_json(self) -> dict[str, Any]:
        out = {n: getattr(self, n) for n in type(self).__text_fields__}
        out["state_label"] = self.label
        return out

    def render_text(self) -> str:
        v = visible
        lines = [f"{self.id}  {self.label}  {self.rig}: {v(self.branch)} -> {v(self.target)}",
                 f"  issue:     {self.issue or '-'}  {v(self.title)}",
                 f"  from:      {v(self.agent)}   head {self.head[:10]}",
                 f"  submitted: {self.submitted_at[:19]}   review: {self.review}"
                 + (f" (approved by {v(self.approved_by)})" if self.approved_by else "")]
        if self.rejections:
            lines.append(f"  rejected:  {self.rejections} time{'s' if self.rejections > 1 else ''}")
        if self.merged_commit:
            lines.append(f"  merged:    {self.target} at {self.merged_commit[:10]}"
                         + (f" (its commit {self.landed_as[:10]})" if self.landed_as else ""))
        if self.reason:
            lines.append(f"  reason:    {v(self.reason)}")
        if self.files:
            lines.append("  conflicts: " + ", ".join(v(f) for f in self.files))
        if self.gate_tail:
            lines.append("  gate output (last lines):")
            lines += ["    " + v(line) for line in self.gate_tail[-20:]]
        if self.log:
            lines.append(f"  full log:  {v(self.log)}")
        if self.needs_you:
            lines.append(f"  needs you: {v(self.needs_you)}")
        return "\n".join(lines)


def from_bead(bead: "Issue", rig: str) -> MergeRequest:
    try:
        extra = json.loads(bead.notes) if bead.notes else {}
    except ValueError:
        extra = {}
    if not isinstance(extra, dict):
        extra = {}

    def text(key: str, default: str = "") -> str:
        value = extra.get(key)
        return value if isinstance(value, str) else default

    def strings(key: str) -> list[str]:
        value = extra.get(key)
        return [str(v) for v in value] if isinstance(value, list) else []

    state = text("state")
    if state not in STATES:
        state = "merged" if bead.close_reason == "merged" else (
            "rejected" if bead.is_closed else "queued")
    mr = MergeRequest(
        id=bead.id, rig=rig, state=state, issue=extra.get("issue") or None, title=bead.title,
        branch=text("branch"), head=text("head"), target=text("target"),
        agent=text("agent") or (bead.assignee or ""), convoy=extra.get("convoy") or None,
        review=text("review", "auto"), reason=text("reason"),
        rejections=int(extra.get("rejections") or 0), approved_by=extra.get("approved_by"),
        submitted_at=text("submitted_at") or bead.created_at, updated_at=bead.updated_at,
        merged_commit=extra.get("merged_commit"), landed_as=extra.get("landed_as"),
        files=strings("files"), gate_tail=strings("gate_tail"), log=extra.get("log"),
        ref=text("ref"),
        tested=extra.get("tested") if isinstance(extra.get("tested"), dict) else None,
        landing=extra.get("landing") if isinstance(extra.get("landing"), dict) else None,
        told=bool(extra.get("told", True)), retry_after=float(extra.get("retry_after") or 0))
    if not mr.ref and mr.branch:
        mr.ref = f"refs/heads/{mr.branch}"
    return mr


def save(led: "Ledger", mr: MergeRequest, actor: str | None = None) -> MergeRequest:
    """Write the MR's details and the bead status its state stands for."""
    from ..beads.model import now

    status = STATES[mr.state][0]
    fields: dict[str, Any] = {"notes": json.dumps(mr.details(), sort_keys=True),
                              "status": status,
                              "close_reason": mr.state if status == "closed" else None}
    led.update(mr.id, actor=actor, **fields)
    labelled = TELL_LABEL in led.get(mr.id).labels
    if mr.told and labelled:
        led.remove_label(mr.id, TELL_LABEL, actor=actor)
    elif not mr.told and not labelled:
        led.add_label(mr.id, TELL_LABEL, actor=actor)
    mr.updated_at = now()
    return mr


# ---------------------------------------------------------------------- reading


def rig_mrs(rig: "Rig", include_closed: bool = False) -> list[MergeRequest]:
    """The rig's MRs in queue order: oldest submission first."""
    led = rig.ledger()
    beads = led.list(issue_type=MR_TYPE, include_closed=include_closed, order="id")
    return sorted((from_bead(b, rig.name) for b in beads),
                  key=lambda m: (m.submitted_at, m.id))


def all_mrs(town: "Town", rig: str | None = None, include_closed: bool = False,
            with_needs: bool = True) -> list[MergeRequest]:
    out: list[MergeRequest] = []
    rigs = [town.rig(rig)] if rig else town.rigs()
    for r in rigs:
        try:
            out.extend(rig_mrs(r, include_closed))
        except TownError:
            if rig:
                raise
    if with_needs:
        mark_needs(town, out)
    return out


def mark_needs(town: "Town", mrs: list[MergeRequest]) -> None:
    """Set `needs_you` on the MRs a person should look at: rejected too often, or sent back
    to an agent that is stuck."""
    stuck = {h.address for h in hooks_mod.all_hooks(town, {m.rig for m in mrs}) if h.stuck}
    for mr in mrs:
        mr.needs_you = needs_reason(mr, mr.agent in stuck)


def needs_reason(mr: MergeRequest, agent_stuck: bool) -> str | None:
    if mr.state not in REJECTED and mr.state != "queued":
        return None
    if mr.state in REJECTED and mr.rejections >= MAX_REJECTIONS:
        return (f"{mr.issue or mr.branch} was rejected {mr.rejections} times: look at it "
                f"(`gt diff {mr.id}`), then `gt mq retry {mr.id}` or take the work back")
    if agent_stuck and mr.state in REJECTED:
        return (f"{mr.agent} is stuck and cannot fix {mr.id}: `gt hooks resume` it or "
                "take the work back")
    return None


def needs_you(town: "Town") -> list[MergeRequest]:
    """Merge requests that wait for a person (the app's "what needs you" list)."""
    return [m for m in all_mrs(town, include_closed=True) if m.needs_you]


def find_mr(town: "Town", ident: str) -> tuple["Rig", MergeRequest]:
    """An MR by id (or unambiguous id prefix); usage errors say where to look."""
    from ..beads import LedgerError

    ident = (ident or "").strip()
    if not ident:
        raise usage("give a merge request id (see `gt mq list`)")
    rig = town.rig_for_prefix(ident)
    if rig is None:
        raise usage(f"no rig's merge request is called {ident!r} (see `gt mq list`)")
    led = rig.ledger()
    try:
        bead = led.get(ident)
    except LedgerError as e:
        raise usage(f"{e} (see `gt mq list`)") from None
    if bead.issue_type != MR_TYPE:
        mr = mr_for_issue(rig, bead.id)
        if mr is None:
            raise usage(f"{bead.id} is a {bead.issue_type}, not a merge request, and has "
                        "none (see `gt mq list`)")
        return rig, mr
    mr = from_bead(bead, rig.name)
    mark_needs(town, [mr])
    return rig, mr


def mr_for_issue(rig: "Rig", issue_id: str) -> MergeRequest | None:
    """The MR that lands `issue_id` (the newest, should there be several)."""
    led = rig.ledger()
    found = []
    for dep in led.dependencies(issue_id):
        if dep.type != "blocks":
            continue
        try:
            bead = led.get(dep.depends_on_id)
        except Exception:  # noqa: BLE001 - a dependency on a bead of another ledger
            continue
        if bead.issue_type == MR_TYPE:
            found.append(from_bead(bead, rig.name))
    return max(found, key=lambda m: (m.submitted_at, m.id)) if found else None


def untold(rig: "Rig") -> list[MergeRequest]:
    """MRs sent back whose agent has not been nudged yet (the host does it)."""
    beads = rig.ledger().list(issue_type=MR_TYPE, label=TELL_LABEL, include_closed=True)
    return [m for m in (from_bead(b, rig.name) for b in beads) if not m.told]


def waiting_agents(rig: "Rig") -> set[str]:
    """Addresses whose finished work is in the queue (not merged, not sent back)."""
    return {m.agent for m in rig_mrs(rig) if m.open}


def by_issue(rig: "Rig") -> dict[str, MergeRequest]:
    """Issue id -> its newest MR, for listings that show each hook's MR state."""
    out: dict[str, MergeRequest] = {}
    for mr in rig_mrs(rig, include_closed=True):
        if mr.issue:
            out[mr.issue] = mr
    return out


# ---------------------------------------------------------------------- submitting


def target_tip(repo, target: str):
    """The commit the target branch is at: the rig's own branch, else origin's."""
    import pygit2

    for name in (f"refs/heads/{target}", f"refs/remotes/origin/{target}"):
        ref = repo.references.get(name)
        if ref is not None:
            try:
                return ref.peel(pygit2.Commit)
            except (pygit2.GitError, KeyError):
                return None
    return None


def has_change(repo, head, target: str) -> bool:
    """Whether `head` holds commits the target does not."""
    tip = target_tip(repo, target)
    if tip is None:
        return True
    return head != tip.id and not repo.descendant_of(tip.id, head)


def _human_convoy(town: "Town", convoy_id: str | None) -> bool:
    from .convoys import HUMAN_REVIEW_LABEL

    if not convoy_id:
        return False
    try:
        return HUMAN_REVIEW_LABEL in town.ledger().get(convoy_id).labels
    except Exception:  # noqa: BLE001 - a deleted convoy asks for nothing
        return False


def submit_hook(town: "Town", hook: hooks_mod.Hook, led: "Ledger", actor: str,
                message: str | None = None) -> MergeRequest | None:
    """The MR for the hook's branch (a new one, or its rejected MR reopened), queued; the
    issue waits for it. None when the branch holds nothing the target lacks. Call inside a
    transaction of `led` (the rig ledger), which `gt done` also uses for the hook."""
    import pygit2

    rig = town.rig(hook.rig)
    settings = merge_settings(rig)
    repo = pygit2.Repository(str(rig.repo_path))
    ref = f"refs/heads/{hook.branch}" if hook.kind == "polecats" else None
    if hook.kind == "crew":
        ref = _bring_crew_branch(rig, hook.polecat, hook.path, hook.branch or "")
    if ref is None or ref not in repo.references:
        raise TownError(f"branch {hook.branch} is missing from {rig.repo_path}: "
                        "run `gt hooks repair`")
    head = repo.references[ref].target
    if not has_change(repo, head, settings.target):
        return None
    issue = led.get(hook.issue)
    return _queue(town, rig, led, issue, hook.branch or "", ref, str(head), settings,
                  hook.address, hook.convoy, actor, message)


def submit_crew(town: "Town", rig_name: str, crew: str, branch: str | None,
                issue_id: str | None, actor: str) -> MergeRequest:
    """`gt mq submit` from a crew clone: its branch is fetched into the rig's repository
    (the clone's files, index and HEAD are only read) and queued."""
    import pygit2

    rig = town.rig(rig_name)
    clone = rig.crew_dir / crew
    try:
        clone_repo = pygit2.Repository(str(clone))
    except pygit2.GitError:
        raise TownError(f"{clone} is not a git clone: run `gt crew add {crew} --rig "
                        f"{rig.name}`") from None
    if branch is None:
        if clone_repo.head_is_detached or clone_repo.head_is_unborn:
            raise usage("HEAD of this clone is on no branch: give the branch with --branch")
        branch = clone_repo.head.shorthand
    if f"refs/heads/{branch}" not in clone_repo.references:
        raise usage(f"{clone} has no branch {branch!r}: give one of its branches with "
                    "--branch")
    settings = merge_settings(rig)
    ref = _bring_crew_branch(rig, crew, clone, branch)
    repo = pygit2.Repository(str(rig.repo_path))
    head = repo.references[ref].target
    if not has_change(repo, head, settings.target):
        raise TownError(f"{branch} holds nothing that {settings.target} lacks: commit your "
                        "change first")
    address = hooks_mod.address_of(rig.name, crew, "crew")
    led = rig.ledger(actor)
    issue = None
    hook = hooks_mod.load(town, rig.name, crew, "crew")
    if issue_id is None and hook is not None and hook.live and hook.issue:
        issue_id = hook.issue
    if issue_id is not None:
        from ..beads import LedgerError

        try:
            issue = led.get(issue_id)
        except LedgerError as e:
            raise usage(str(e)) from None
        if issue.is_closed:
            raise TownError(f"{issue.id} is {issue.status}: reopen it or submit without "
                            "--issue")
    with led.transaction():
        mr = _queue(town, rig, led, issue, branch, ref, str(head), settings, address,
                    hook.convoy if hook is not None and issue is not None
                    and hook.issue == issue.id else None, actor, None)
        if hook is not None and issue is not None and hook.issue == issue.id and hook.live:
            if hook.state != "active":
                hook = hooks_mod.transition(town, hook, "active", actor, led)
            hooks_mod.transition(town, hook, "completed", actor, led, pid=None)
    return mr


def _bring_crew_branch(rig: "Rig", crew: str, clone, branch: str) -> str:
    """Fetch a crew clone's branch into the rig repository's hidden crew refs."""
    import pygit2

    ref = f"refs/gastown/crew/{crew}/{branch}"
    repo = pygit2.Repository(str(rig.repo_path))
    remote = repo.remotes.create_anonymous(str(clone))
    try:
        remote.fetch([f"+refs/heads/{branch}:{ref}"])
    except pygit2.GitError as e:
        raise TownError(f"cannot read branch {branch} from {clone}: {e}") from None
    return ref


def _queue(town: "Town", rig: "Rig", led: "Ledger", issue: "Issue | None", branch: str,
           ref: str, head: str, settings: MergeSettings, agent: str, convoy: str | None,
           actor: str, message: str | None) -> MergeRequest:
    from ..beads.model import now

    review = "human" if settings.review == "human" or _human_convoy(town, convoy) else "auto"
    old = mr_for_issue(rig, issue.id) if issue is not None else None
    if old is None and issue is None:
        old = next((m for m in rig_mrs(rig, include_closed=True)
                    if m.ref == ref and m.state != "merged"), None)
    stamp = now()
    with led.transaction():
        if old is not None and old.state != "merged":
            if old.state in IN_FLIGHT:
                raise TownError(f"{old.id} is {old.label} right now: wait for it "
                                "(`gt mq show " + old.id + "`)")
            mr = old
            if old.state in REJECTED:
                led.reopen(mr.id, actor=actor)
            led.add_comment(mr.id, f"resubmitted at {head[:10]}"
                            + (f": {message}" if message else ""), author=actor)
        else:
            title = f"Merge {issue.id}: {issue.title}" if issue is not None else f"Merge {branch}"
            bead = led.create(title, description=message or "", issue_type=MR_TYPE,
                              id_prefix=f"{rig.prefix}-mr", labels=[MR_LABEL], assignee=agent,
                              actor=actor)
            mr = from_bead(bead, rig.name)
            mr.rejections = 0
            if issue is not None:
                led.add_dependency(issue.id, bead.id, "blocks", actor=actor)
        mr.issue = issue.id if issue is not None else None
        mr.branch, mr.ref, mr.head, mr.target = branch, ref, head, settings.target
        mr.agent, mr.convoy, mr.review = agent, convoy, review
        mr.state, mr.reason, mr.files, mr.gate_tail, mr.log = "queued", "", [], [], None
        mr.approved_by, mr.tested, mr.landing, mr.told = None, None, None, True
        mr.retry_after, mr.submitted_at = 0.0, stamp
        save(led, mr, actor)
        if issue is not None and issue.status != "blocked":
            led.update(issue.id, status="blocked", actor=actor)
    return mr


# ---------------------------------------------------------------------- shared by the outcomes


def hook_of(town: "Town", mr: MergeRequest) -> hooks_mod.Hook | None:
    parts = mr.agent.split("/")
    if len(parts) != 3:
        return None
    try:
        return hooks_mod.load(town, parts[0], parts[2], parts[1])
    except TownError:
        return None


def what_to_do(mr: MergeRequest) -> str:
    """The agent's instructions for a rejected MR (mail, nudge and `gt prime`)."""
    if mr.state == "conflict":
        files = ", ".join(mr.files) or "your files"
        return (f"Your change conflicts with {mr.target} in {files}. Rebase on it "
                f"(`git rebase {mr.target}`), resolve the conflicts keeping both changes, "
                "commit, then run `gt done` again.")
    if mr.state == "gate_failed":
        return ("The gate failed on your change. Fix it on your branch, commit, then run "
                "`gt done` again." + (f" Full log: {mr.log}" if mr.log else ""))
    return "Address the note, commit on your branch, then run `gt done` again."


def mark_told(town: "Town", rig: "Rig", mr_id: str) -> None:
    led = rig.ledger(REFINERY)
    with led.transaction():
        mr = from_bead(led.get(mr_id), rig.name)
        if not mr.told:
            mr.told = True
            save(led, mr, REFINERY)


def hold(town: "Town", rig: "Rig", mr: MergeRequest, reason: str, retry_in: float = 0.0,
         actor: str = REFINERY) -> MergeRequest:
    """A queued MR that cannot go on for a reason outside it (origin unreachable, target
    missing, branch deleted): it stays queued, the reason shown, tried again later."""
    import time

    led = rig.ledger(actor)
    with led.transaction():
        fresh = from_bead(led.get(mr.id), rig.name)
        if fresh.state not in WAITING and fresh.state not in IN_FLIGHT:
            return fresh
        changed = fresh.reason != reason or fresh.state != "queued"
        fresh.state, fresh.reason, fresh.landing = "queued", reason, None
        fresh.retry_after = time.time() + retry_in if retry_in else 0.0
        save(led, fresh, actor)
        if changed:
            led.add_comment(mr.id, f"held: {reason}", author=actor)
    return fresh


def set_state(rig: "Rig", mrs: list[MergeRequest], state: str, actor: str = REFINERY,
              **changes: Any) -> list[MergeRequest]:
    """Move several MRs to `state` in one transaction (gating, review, queued). One that a
    person sent back meanwhile, or that merged, stays as it is."""
    led = rig.ledger(actor)
    out = []
    with led.transaction():
        for mr in mrs:
            fresh = from_bead(led.get(mr.id), rig.name)
            if fresh.state in REJECTED or fresh.state == "merged":
                continue
            fresh.state = state
            for key, value in changes.items():
                setattr(fresh, key, value)
            save(led, fresh, actor)
            out.append(fresh)
    return out
