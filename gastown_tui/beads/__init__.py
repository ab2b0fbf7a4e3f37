"""The beads ledger: SQLite store, bd-format JSONL in git, ids, ready work, formulas, molecules.

Public API (everything else in this package is internal)::

    from gastown_tui.beads import Ledger, Issue, Dependency, Comment, find_beads_dir, LedgerError

    led = Ledger.init(beads_dir, prefix)          # creates .beads/: db, config.toml, JSONL,
                                                  # .gitignore; registers the git merge driver
    led = Ledger.open(beads_dir, actor=None)      # actor default: BD_ACTOR, then the user name
    find_beads_dir(cwd, environ) -> Path | None   # BEADS_DIR, else walk up for .beads/;
                                                  # follows a `.beads/redirect` file
    led.prefix, led.actor, led.beads_dir, led.warnings (import problems to show the user)

    led.create(title, *, description="", priority=2, issue_type="task", assignee=None,
               labels=(), parent=None, deps=(), id_prefix=None, status="open", actor=None,
               **fields) -> Issue
        deps: "type:id" strings, bare ids (blocks) or (type, id) pairs; id_prefix e.g. "hq-cv";
        fields: any other bd field (sender, ephemeral, notes, design, hook_bead, agent_state,
        role_type, rig, due_at, defer_until, external_ref, ...)
    led.get(id_or_prefix) -> Issue                # unambiguous prefix accepted
    led.resolve(id_or_prefix) -> str; led.find(id_or_prefix) -> str | None (ambiguity raises)
    led.exists(id) -> bool
    led.list(status=None, issue_type=None, assignee=None, label=None, priority=None,
             include_closed=False, limit=None, *, unassigned=False, parent=None,
             order="priority"|"created"|"-created"|"updated"|"-updated"|"id",
             raw=False, exclude_types=()) -> list[Issue]
        status/issue_type/label also take lists (label: all must match); raw=True gives the
        beads' JSONL lines (str) instead of Issues, for callers that only pass JSON on;
        `bd list` excludes RECORD_TYPES (the town's agents, mail, MRs, convoys) unless asked
    led.update(id, *, actor=None, **fields) -> Issue
    led.claim(id, actor=None) -> Issue            # atomic; raises ClaimError when lost
    led.close(id, reason=None, *, actor=None) / led.reopen(id, *, actor=None) -> Issue
    led.discard(id)                               # the undo of a create whose operation failed
                                                  # later (a sling rolled back): gone whole
    led.add_dependency(issue_id, depends_on_id, type="blocks") -> Dependency
    led.remove_dependency(issue_id, depends_on_id) -> Dependency (the one removed)
    led.dependencies(id) / led.dependents(id) -> list[Dependency]
    led.ready(*, assignee=None, unassigned=False, label=None, issue_type=None, priority=None,
              parent=None, limit=None, raw=False) -> list[Issue]
        open/in_progress, not ephemeral, not message/agent/gate/molecule/merge-request/convoy
        (unless issue_type asks for one), not deferred, nothing unfinished blocking it (through parents too); newest 48 h first by
        priority, then oldest first
    led.blocked() -> list[BlockedIssue(issue, blocked_by)]
    led.search(text, *, include_closed=True, limit=None, raw=False); led.stats() -> Stats
    led.add_label(id, label) / led.remove_label(id, label) -> Issue; led.labels(id)
    led.add_comment(id, text, *, author=None) -> Comment; led.comments(id) -> list[Comment]
    led.events(issue_id=None, since=None, limit=None) -> list[Event]  # since: event id or time
    led.last_event_id() -> int                    # a mark for events(since=...)
    with led.transaction(): ...                   # one atomic unit, one export (nesting-safe)
    led.change_token() -> int                     # changes on every commit by any process
    led.import_file(path) -> ImportReport / led.export_file(path) -> int
    led.close_db()                                # or use the ledger as a context manager

Errors are LedgerError (ClaimError for a lost claim): one line that says what to do.
Formulas and molecules: `gastown_tui.beads.formulas` (search_path, available, find, load,
cook) and `gastown_tui.beads.molecules` (pour, load, molecules).

Dependencies: `issue_id` depends on `depends_on_id` (for `tracks`, issue_id is the convoy).
Blocking types must point at beads in this ledger; non-blocking ones may point anywhere.
"""

from .ids import derive_prefix
from .ledger import Ledger, parse_priority
from .locate import default_actor, find_beads_dir, find_town_root
from .model import (BLOCKING_DEP_TYPES, DEP_TYPES, ISSUE_TYPES, RECORD_TYPES, STATUSES,
                    ClaimError, Comment, Dependency, Event, Issue, LedgerError)
from .query import BlockedIssue, Stats

__all__ = [
    "Ledger", "Issue", "Dependency", "Comment", "Event", "BlockedIssue", "Stats",
    "LedgerError", "ClaimError", "find_beads_dir", "find_town_root", "default_actor",
    "derive_prefix", "parse_priority", "STATUSES", "ISSUE_TYPES", "DEP_TYPES",
    "BLOCKING_DEP_TYPES", "RECORD_TYPES",
]
