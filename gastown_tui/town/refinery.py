"""One rig's merge queue, worked a batch at a time: what to merge, in which order, and what each
gate result means. The host runs `Refinery.step` on a thread of its own per rig (`host/
refinery.py`); tests and benchmarks call it directly.

A batch of up to `merge.batch` queued MRs (oldest first) is stacked on the target and gated
once. Green: the target moves to the tested commit. Red: the same commit is gated once more (a
flaky test is not anyone's fault); red again: the stack's prefixes are bisected, a gate run
each, to the first MR that turns it red. The longest green prefix is a tested commit, so it
lands as it is; the culprit goes back to its agent; the MRs after it wait for the next batch.
MRs that conflict with the target go back at once; one that only clashes with an MR ahead of
it in the batch waits for that one's fate.

The target moves only by compare-and-swap, after the MRs are recorded as `merging` with the
commit they land as, so a host killed at any point leaves the target old or new, and the next
start (`recover`) merges each MR exactly once or queues it again.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any, Callable, Mapping

import pygit2

from . import landing, mq, outcomes
from .errors import TownError
from .model import Rig, Town

Emit = Callable[..., None]
STICKY = 365 * 24 * 3600.0     # a held reason only a person can clear (`gt mq retry`)
UNREACHABLE_RETRY_S = 60.0
TARGET_RETRY_S = 300.0


@dataclasses.dataclass
class Tally:
    """What the refinery did, for benchmarks and tests."""
    gate_runs: int = 0
    gate_seconds: float = 0.0
    merged: list[str] = dataclasses.field(default_factory=list)
    rejected: list[str] = dataclasses.field(default_factory=list)


class Refinery:
    def __init__(self, town: Town, rig: str, emit: Emit | None = None,
                 cancel: threading.Event | None = None,
                 environ: Mapping[str, str] | None = None):
        self.town = town
        self.rig_name = rig
        self.emit: Emit = emit or (lambda kind, **fields: None)
        self.cancel = cancel or threading.Event()
        self.environ = environ
        self.tally = Tally()
        self._scratch: landing.Scratch | None = None
        # Trees whose gate passed with the gate command then in force: the same files pass
        # again, so an approved MR restacked the same way needs no second run.
        self._passed: dict[str, str] = {}

    # ------------------------------------------------------------------ plumbing

    @property
    def rig(self) -> Rig:
        return self.town.rig(self.rig_name)

    def scratch(self) -> landing.Scratch:
        if self._scratch is None:
            rig = self.rig
            self._scratch = landing.Scratch(self.town.runtime_dir, rig.name, rig.repo_path)
        return self._scratch

    def _repo(self) -> pygit2.Repository:
        return pygit2.Repository(str(self.rig.repo_path))

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise landing.Cancelled()

    # ------------------------------------------------------------------ recovery

    def recover(self) -> None:
        """At start: the scratch tree of a killed host discarded (its gate ended); MRs caught
        gating queued again; MRs caught merging merged if the target holds them, else queued;
        merged MRs whose hook was not cleaned up yet, cleaned up."""
        self.scratch().discard()
        rig = self.rig
        settings = mq.merge_settings(rig)
        repo = self._repo()
        for mr in mq.rig_mrs(rig, include_closed=True):
            if mr.state == "gating":
                mq.set_state(rig, [mr], "queued")
            elif mr.state == "merging":
                self._recover_merging(rig, settings, repo, mr)
            elif mr.state == "merged":
                hook, kept, unclean = outcomes.clean_up_after(self.town, rig, mr)
                if hook is not None:
                    self._archived(hook, kept, mr)
                if unclean:
                    self._unclean(rig, mr, unclean)

    def _recover_merging(self, rig: Rig, settings: mq.MergeSettings,
                         repo: pygit2.Repository, mr: mq.MergeRequest) -> None:
        landing_ = mr.landing or {}
        ref = f"refs/heads/{mr.target}"
        tip = landing.ref_value(repo, ref)
        if not landing.contains(repo, tip, mr.landed_as):
            mq.set_state(rig, [mr], "queued", landing=None)
            return
        if settings.push:
            pushed = landing.push(rig.repo_path, mr.target, tip)
            if not pushed.ok:
                old = landing_.get("old")
                if landing_.get("new") == tip:
                    landing.move_ref(repo, ref, tip, old, "refinery: push failed, undone")
                self._after_push_failure(rig, [mr], pushed, settings)
                return
        self._finish(rig, mr, tip)

    # ------------------------------------------------------------------ one step

    def step(self) -> bool:
        """Work one batch; True when another step may find more to do at once."""
        self._check_cancel()
        rig = self.rig
        settings = mq.merge_settings(rig)
        now = time.time()
        queued = [m for m in mq.rig_mrs(rig) if m.state == "queued" and m.retry_after <= now]
        if not queued:
            return False
        repo = self._repo()
        base, local_old = self._base(rig, settings, repo, queued)
        if base is None:
            return False
        landable, review = [], []
        for mr in queued:
            problem = self._problem(rig, repo, mr)
            if problem is not None:
                self._hold(rig, mr, problem, STICKY)
                continue
            (review if mr.review == "human" and not mr.approved_by else landable).append(mr)
        for mr in landable:
            tested = mr.tested or {}
            if mr.approved_by and tested.get("tree") and tested.get("gate") == settings.gate:
                self._passed.setdefault(tested["tree"], settings.gate)
        try:
            if landable:
                self._batch(rig, settings, repo, landable[:settings.batch], base, local_old,
                            True)
            elif review:
                self._batch(rig, settings, repo, review[:settings.batch], base, local_old,
                            False)
            else:
                return False
        except _Void:
            pass    # a person changed an MR of the batch: the next step looks again
        return True

    def run_until_idle(self, limit: int = 10_000) -> Tally:
        """Steps until nothing is left to do now (for tests and benchmarks)."""
        for _ in range(limit):
            if not self.step():
                break
        return self.tally

    def _base(self, rig: Rig, settings: mq.MergeSettings, repo: pygit2.Repository,
              queued: list[mq.MergeRequest]) -> tuple[str | None, str | None]:
        """The commit to stack on and the local target's value now; (None, _) after holding
        the queue with the reason there is none."""
        target = settings.target
        local = landing.ref_value(repo, f"refs/heads/{target}")
        origin = landing.ref_value(repo, f"refs/remotes/origin/{target}")
        if settings.push:
            fetched = landing.fetch(rig.repo_path, target)
            if fetched.ok:
                origin = landing.ref_value(repo, f"refs/remotes/origin/{target}")
            elif fetched.kind == "missing":
                origin = None
            else:
                self._hold_all(rig, queued, f"cannot reach origin to fetch {target}: "
                               f"{fetched.line}", UNREACHABLE_RETRY_S)
                return None, local
        if local is None and origin is None:
            self._hold_all(rig, queued, f"target branch {target} exists neither in the rig's "
                           f"repository nor on origin: create it or set another with `gt config "
                           f"set --rig {rig.name} merge.target BRANCH`", TARGET_RETRY_S)
            return None, local
        if not settings.push or origin is None or origin == local:
            return local or origin, local
        if local is None or landing.contains(repo, origin, local):
            return origin, local     # origin is ahead: build on what it has
        if landing.contains(repo, local, origin):
            return local, local      # merged here, not pushed yet
        self._hold_all(rig, queued, f"{target} here and on origin have diverged: make one "
                       f"contain the other (e.g. `git -C {rig.repo_path} fetch origin` and "
                       "reset or merge), then `gt mq retry`", STICKY)
        return None, local

    def _problem(self, rig: Rig, repo: pygit2.Repository, mr: mq.MergeRequest) -> str | None:
        """Why a queued MR cannot be merged as it stands, for a reason outside the queue."""
        if not mr.head or mr.ref not in repo.references:
            return (f"branch {mr.branch} was deleted: its work is kept at {mr.head[:10]}; "
                    f"resubmit it (`gt done` on its hook) or `gt mq reject {mr.id}`")
        try:
            repo[pygit2.Oid(hex=mr.head)]
        except (KeyError, ValueError):
            return f"commit {mr.head[:10]} of {mr.branch} is gone from the rig's repository"
        if mr.issue:
            try:
                issue = rig.ledger().get(mr.issue)
            except Exception:  # noqa: BLE001 - the bead was deleted
                return f"issue {mr.issue} is gone from the ledger: `gt mq reject {mr.id}`"
            if issue.status != "blocked":
                what = "closed" if issue.is_closed else f"set to {issue.status}"
                return (f"{issue.id} was {what} by a person while queued: `gt mq retry "
                        f"{mr.id}` merges it anyway, `gt mq reject {mr.id} -m NOTE` sends it "
                        "back")
        return None

    # ------------------------------------------------------------------ a batch

    def _batch(self, rig: Rig, settings: mq.MergeSettings, repo: pygit2.Repository,
               batch: list[mq.MergeRequest], base: str, local_old: str | None,
               land: bool) -> None:
        batch = mq.set_state(rig, batch, "gating")
        by_id = {m.id: m for m in batch}
        for mr in batch:
            self.emit("mr_gating", mr=mr.id, rig=rig.name, issue=mr.issue, batch=len(batch))
        try:
            self._work(rig, settings, repo, batch, by_id, base, local_old, land)
        except BaseException:
            # Cancelled (host stopping) or a failure: nothing moved, they wait in the queue.
            left = [m for m in mq.rig_mrs(rig) if m.id in by_id and m.state == "gating"]
            if left:
                mq.set_state(rig, left, "queued")
            raise

    def _work(self, rig: Rig, settings: mq.MergeSettings, repo: pygit2.Repository,
              batch: list[mq.MergeRequest], by_id: dict[str, mq.MergeRequest], base: str,
              local_old: str | None, land: bool) -> None:
        pieces = [landing.Piece(m.id, m.head, m.title, m.branch) for m in batch]
        stack = landing.build_stack(repo, base, pieces, settings.strategy)
        for key, files in stack.conflicts.items():
            mr = by_id[key]
            self._reject(rig, mr, "conflict",
                         f"conflicts with {settings.target} in {', '.join(files)}",
                         files=files)
        if stack.deferred:
            mq.set_state(rig, [by_id[k] for k in stack.deferred], "queued")
        if not stack.tips:
            return
        good, culprit, failed = self._gate_stack(rig, settings, repo, stack)
        applied = [by_id[k] for k, _c in stack.tips]
        if culprit == 0 and not self._known_good(repo, stack.base, settings):
            # Bisection blamed the first MR on the word of a target no gate has passed yet.
            # The MRs after it, on the target alone, settle that in one run when they pass
            # (and land); otherwise the target itself is gated.
            rest = applied[1:]
            keys = {m.id for m in rest}
            again = landing.build_stack(repo, base, [p for p in pieces if p.key in keys],
                                        settings.strategy) if rest else None
            if again is not None and len(again.tips) == len(rest):
                if self._gate(rig, settings, repo, again.tip(), "without-first").ok:
                    self._blame(rig, settings, applied[0], failed, [])
                    self._accept(rig, settings, repo, rest, again, local_old, land)
                    return
            target_run = self._gate(rig, settings, repo, stack.base, "target")
            if not target_run.ok:
                # The target fails the gate without any MR: nobody's change is to blame.
                self._hold_all(rig, applied, f"the gate fails on {settings.target} itself: "
                               f"fix {settings.target}; log {target_run.log}", TARGET_RETRY_S)
                return
        if good:
            self._accept(rig, settings, repo, applied[:good], stack, local_old, land)
        if culprit is not None:
            self._blame(rig, settings, applied[culprit], failed, applied[culprit + 1:])

    def _accept(self, rig: Rig, settings: mq.MergeSettings, repo: pygit2.Repository,
                mrs: list[mq.MergeRequest], stack: landing.Stack, local_old: str | None,
                land: bool) -> None:
        """MRs whose stack passed its gate: landed, or waiting for a person's review."""
        if land:
            self._land(rig, settings, repo, mrs, stack, local_old)
            return
        for i, mr in enumerate(mrs):
            tree = landing.tree_of(repo, stack.tip(i + 1))
            tested = {"tree": tree, "gate": settings.gate}
            fresh = mq.from_bead(rig.ledger().get(mr.id), rig.name)
            if fresh.state != "gating":
                continue    # a person rejected it while its gate ran
            if fresh.approved_by:
                # Approved while its gate ran: it merges next, without running it again.
                mq.set_state(rig, [mr], "queued", tested=tested)
                continue
            mq.set_state(rig, [mr], "review", tested=tested)
            self.emit("mr_review", mr=mr.id, rig=rig.name, issue=mr.issue)

    def _blame(self, rig: Rig, settings: mq.MergeSettings, mr: mq.MergeRequest,
               failed: landing.GateResult, after: list[mq.MergeRequest]) -> None:
        """The culprit goes back to its agent; the MRs after it wait for the next batch."""
        what = "timed out" if failed.timed_out else f"failed (exit {failed.code})"
        self._reject(rig, mr, "gate_failed",
                     f"the gate `{settings.gate}` {what} with this change on {settings.target}",
                     tail=failed.tail, log=failed.log)
        if after:
            mq.set_state(rig, after, "queued")

    def _gate_stack(self, rig: Rig, settings: mq.MergeSettings, repo: pygit2.Repository,
                    stack: landing.Stack) -> tuple[int, int | None, landing.GateResult | None]:
        """(how many MRs from the bottom passed, the index of the culprit or None, the failing
        run): the whole stack, once more if red, then its prefixes bisected."""
        n = len(stack.tips)
        if not settings.gate:
            return n, None, None
        first = self._gate(rig, settings, repo, stack.tip(n), f"batch-{n}")
        if first.ok:
            return n, None, None
        again = self._gate(rig, settings, repo, stack.tip(n), f"batch-{n}-retry")
        if again.ok:
            return n, None, None
        lo, hi, failed = 0, n, again
        while hi - lo > 1:
            mid = (lo + hi) // 2
            result = self._gate(rig, settings, repo, stack.tip(mid), f"prefix-{mid}")
            if result.ok:
                lo = mid
            else:
                hi, failed = mid, result
        return lo, hi - 1, failed

    def _known_good(self, repo: pygit2.Repository, commit: str,
                    settings: mq.MergeSettings) -> bool:
        return self._passed.get(landing.tree_of(repo, commit)) == settings.gate

    def _gate(self, rig: Rig, settings: mq.MergeSettings, repo: pygit2.Repository,
              commit: str, label: str) -> landing.GateResult:
        self._check_cancel()
        tree = landing.tree_of(repo, commit)
        if self._passed.get(tree) == settings.gate:
            return landing.GateResult(True, 0, 0.0, "", [])
        scratch = self.scratch()
        scratch.checkout(commit)
        result = scratch.run_gate(settings.gate, settings.gate_timeout, label, self.cancel,
                                  self.environ)
        self.tally.gate_runs += 1
        self.tally.gate_seconds += result.seconds
        if result.ok:
            self._passed[tree] = settings.gate
        return result

    # ------------------------------------------------------------------ landing

    def _land(self, rig: Rig, settings: mq.MergeSettings, repo: pygit2.Repository,
              mrs: list[mq.MergeRequest], stack: landing.Stack, local_old: str | None) -> None:
        new = stack.tip(len(mrs))
        target = settings.target
        ref = f"refs/heads/{target}"
        own = dict(stack.tips)
        # Written before the target moves: a host killed after the move finds what landed.
        led = rig.ledger(mq.REFINERY)
        with led.transaction():
            for mr in mrs:
                fresh = mq.from_bead(led.get(mr.id), rig.name)
                if fresh.state != "gating":
                    # Rejected or retried by a person meanwhile: this batch is void.
                    raise _Void()
                fresh.state, fresh.landed_as = "merging", own[mr.id]
                fresh.landing = {"old": local_old, "new": new}
                mq.save(led, fresh, mq.REFINERY)
        self._passed[landing.tree_of(repo, new)] = settings.gate
        if not landing.move_ref(repo, ref, local_old, new,
                                f"refinery: {', '.join(m.id for m in mrs)}"):
            # Someone moved the target while we gated: build again on what it is now.
            mq.set_state(rig, mrs, "queued", landing=None)
            return
        if settings.push:
            pushed = landing.push(rig.repo_path, target, new)
            if not pushed.ok:
                landing.move_ref(repo, ref, new, local_old, "refinery: push failed, undone")
                self._after_push_failure(rig, mrs, pushed, settings)
                return
        for mr in mrs:
            self._finish(rig, mq.from_bead(rig.ledger().get(mr.id), rig.name), new)

    def _after_push_failure(self, rig: Rig, mrs: list[mq.MergeRequest], pushed: landing.Remote,
                            settings: mq.MergeSettings) -> None:
        if pushed.kind == "moved":
            # Built again on origin's new tip by the next step, which fetches first.
            mq.set_state(rig, mrs, "queued", landing=None, landed_as=None,
                         reason=f"origin's {settings.target} moved during the merge: "
                                "rebuilding on it")
            return
        if pushed.kind == "unreachable":
            self._hold_all(rig, mrs, f"merged here but cannot push to origin: {pushed.line}",
                           UNREACHABLE_RETRY_S)
            return
        self._hold_all(rig, mrs, f"origin refused the push to {settings.target}: "
                       f"{pushed.line} (protected? push rights?)", TARGET_RETRY_S)

    def _finish(self, rig: Rig, mr: mq.MergeRequest, tip: str) -> None:
        done = outcomes.finish_merge(self.town, rig, mr, tip, mr.landed_as or tip)
        self.tally.merged.append(mr.id)
        self.emit("mr_merged", mr=mr.id, rig=rig.name, issue=mr.issue, target=mr.target,
                  commit=(mr.landed_as or tip)[:10], convoys=",".join(done.convoys) or None)
        if done.archived is not None:
            self._archived(done.archived, done.kept, mr)
        if done.unclean:
            self._unclean(rig, mr, done.unclean)

    def _unclean(self, rig: Rig, mr: mq.MergeRequest, reason: str) -> None:
        self.emit("mr_cleanup_failed", mr=mr.id, rig=rig.name, issue=mr.issue,
                  agent=mr.agent, reason=reason)

    def _archived(self, hook, kept, mr: mq.MergeRequest) -> None:
        # Ignored files a cap kept out of the snapshot were moved aside: say where.
        extra = ({"set_aside": kept.set_aside, "moved": len(kept.moved) or None,
                  "left_out": ",".join(kept.regenerable) or None} if kept else {})
        self.emit("hook_archived", agent=hook.session, issue=hook.issue, branch=hook.branch,
                  reason=f"{mr.id} merged", **extra)

    # ------------------------------------------------------------------ outcomes

    def _reject(self, rig: Rig, mr: mq.MergeRequest, state: str, reason: str,
                **details: Any) -> None:
        out = outcomes.reject(self.town, rig, mr, state, reason, **details)
        if out.state != state or out.reason != reason:
            return      # a person sent it back first
        self.tally.rejected.append(mr.id)
        self.emit("mr_rejected", mr=mr.id, rig=rig.name, issue=mr.issue, state=state,
                  reason=reason, rejections=out.rejections, needs_you=out.needs_you)

    def _hold(self, rig: Rig, mr: mq.MergeRequest, reason: str, retry_in: float) -> None:
        before = mr.reason
        mq.hold(self.town, rig, mr, reason, retry_in)
        if before != reason:
            self.emit("mr_held", mr=mr.id, rig=rig.name, issue=mr.issue, reason=reason)

    def _hold_all(self, rig: Rig, mrs: list[mq.MergeRequest], reason: str,
                  retry_in: float) -> None:
        for mr in mrs:
            self._hold(rig, mr, reason, retry_in)


class _Void(TownError):
    """A batch a person changed while it was gated (an MR rejected or retried)."""

    def __init__(self) -> None:
        super().__init__("a merge request of the batch changed while it was gated")
