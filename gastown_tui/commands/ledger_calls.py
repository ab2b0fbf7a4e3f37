"""The `bd` commands agents call constantly (`ready`, `show`, `list`, `create`, `update`,
`close`), as plain functions of an `Env` and their parameters, with what every bd command
shares: the caller's actor, opening the ledger, and how beads are shown.

No click here: the registry's commands (`bd_issues.py`, `bd_work.py`) declare the words and
run these bodies (`core.runs`), and the fast entry (`fast.py`) runs the same bodies without
loading click. The beads package is imported inside functions only.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from ..visible import visible
from .calls import CommandError, Env, UsageError, is_user_error, ledger_errors
from .render import column_table, table, view

if TYPE_CHECKING:
    from pathlib import Path

    from ..beads import Issue, Ledger


# ---------------------------------------------------------------------------------------------
# Who acts, and which ledger


def actor(env: Env) -> str:
    from ..beads import default_actor

    if not env.actor and not env.environ.get("BD_ACTOR") and _maybe_town_member(env):
        return town_actor(env) or default_actor(env.environ)
    return env.actor or default_actor(env.environ)


def _maybe_town_member(env: Env) -> bool:
    """Whether the town could name the caller (an agent's GT_ROLE, or a crew clone): only
    then is the town package loaded, which costs every bd start ~10 ms."""
    if env.environ.get("GT_ROLE"):
        return True
    from ..beads import find_town_root

    root = find_town_root(env.cwd, env.environ)
    if root is None:
        return False
    try:
        parts = env.cwd.resolve().relative_to(root.resolve()).parts
    except ValueError:
        return False
    return len(parts) >= 3 and parts[1] == "crew"


def town_actor(env: Env) -> str | None:
    """Who a `bd` caller is in town terms when nothing says otherwise (no --actor, no
    BD_ACTOR): `<rig>/crew/<name>` inside a crew clone, the agent's address under GT_ROLE.
    None outside a town and for a person's own shell, where the user name serves."""
    from ..town import NotInTown, current_identity, find_town

    try:
        town = find_town(env.cwd, env.environ)
    except NotInTown:
        return None
    who = current_identity(town, env.cwd, env.environ)
    return None if who == "overseer" else who


def open_ledger(env: Env, ids: Iterable[str] = ()) -> "Ledger":
    """The ledger for the caller's directory (BEADS_DIR, else the nearest .beads/ above).

    Given the `ids` a command acts on, ids of another ledger of the town go to that ledger
    (the town's routes.jsonl names it by prefix): the Mayor, whose ledger is the town's, shows
    and closes a rig's beads, and a crew member a convoy, without changing directory. The
    caller closes it (it is a context manager)."""
    from ..beads import Ledger, find_beads_dir

    beads_dir = find_beads_dir(env.cwd, env.environ)
    if beads_dir is None:
        raise CommandError(f"no beads ledger in {env.cwd} or above: run 'bd init' "
                           "(or set BEADS_DIR)")
    led = ledger_errors(lambda: Ledger.open(beads_dir, actor(env)))
    ids = [i for i in ids if i]
    if ids and not all(i.startswith(led.prefix + "-") for i in ids):
        routed = _routed_beads_dir(env, ids)
        if routed is not None and routed != beads_dir.resolve():
            led.close_db()
            led = ledger_errors(lambda: Ledger.open(routed, actor(env)))
    for warning in led.warnings:
        env.progress(f"bd: warning: {warning}")
    return led


def closer(led: "Ledger", env: Env) -> Callable[[], None]:
    """Close the ledger at the command's end, first saying what went wrong after the
    command's change was saved (an export left for the next command)."""
    shown = len(led.warnings)

    def close() -> None:
        for warning in led.warnings[shown:]:
            env.progress(f"bd: warning: {warning}")
        led.close_db()

    return close


@contextlib.contextmanager
def ledger(env: Env, ids: Iterable[str] = ()) -> Iterator["Ledger"]:
    """`open_ledger` for the length of a command body (see `closer`)."""
    led = open_ledger(env, ids)
    close = closer(led, env)
    try:
        yield led
    finally:
        close()


def open_rig_ledger(env: Env, rig: str) -> "Ledger":
    """The ledger of rig `rig` of the caller's town (`bd create --rig`): the Mayor's own
    ledger is the town's, whose `hq-` beads no rig can be slung."""
    from ..beads import Ledger
    from ..town import NotInTown, find_town

    try:
        town = find_town(env.cwd, env.environ)
    except NotInTown as e:
        raise UsageError(f"--rig needs a town: {e}") from None
    beads_dir = town.rig(rig).beads_dir
    return ledger_errors(lambda: Ledger.open(beads_dir, actor(env)))


def _routed_beads_dir(env: Env, ids: list[str]) -> "Path | None":
    """The ledger the town routes every one of `ids` to, or None when there is no town or an
    id has no route (the caller's own ledger then answers, e.g. for a short id)."""
    from ..beads import find_town_root
    from ..town.routes import read_routes, route_for

    root = find_town_root(env.cwd, env.environ)
    if root is None:
        return None
    routes = read_routes(root)
    paths = {route_for(routes, i) for i in ids}
    if None in paths:
        return None
    if len(paths) > 1:
        raise UsageError(f"{', '.join(ids)} live in different ledgers of the town: run bd once "
                         "per ledger")
    return (root / paths.pop() / ".beads").resolve()


def land_convoys(env: Env, closed_ids: Iterable[str]) -> None:
    """Call from any command that closes issues: lands the convoys now complete and says so on
    the progress channel (stderr in the shell), so the command's own result stays unchanged."""
    from ..town.convoys import after_close

    closed_ids = list(closed_ids)
    with _follow_up(env, f"the convoys tracking {', '.join(closed_ids)} were not checked",
                    "`gt convoy refresh` lands them"):
        for convoy in after_close(env.cwd, env.environ, closed_ids):
            notified = ", ".join(convoy.notify) or "mayor/"
            env.progress(f"convoy {convoy.id} landed: {convoy.title} "
                         f"({convoy.total} issues closed; notified {notified})")


def reopen_convoys(env: Env, reopened_ids: Iterable[str]) -> None:
    """Call from any command that reopens issues: the landed convoys tracking them are open
    again, said on the progress channel like a landing."""
    from ..town.convoys import after_reopen

    reopened_ids = list(reopened_ids)
    with _follow_up(env, f"the landed convoys tracking {', '.join(reopened_ids)} were not "
                    "reopened", "reopen one with `bd reopen CONVOY`"):
        for convoy in after_reopen(env.cwd, env.environ, reopened_ids):
            env.progress(f"convoy {convoy.id} is open again: {convoy.title} "
                         f"({convoy.progress} closed)")


@contextlib.contextmanager
def _follow_up(env: Env, what: str, remedy: str) -> Iterator[None]:
    """A follow-up of a change already saved (landing convoys after a close): its failure
    (a full disk, a busy town ledger) is a warning, since the command itself succeeded and
    must not say it failed."""
    from ..files import os_error_message

    try:
        yield
    except Exception as e:  # noqa: BLE001 - sorted below: only what a person can act on
        message = str(e) if is_user_error(e) else os_error_message(e)
        if message is None:
            raise
        env.progress(f"warning: {what} ({message}); {remedy}")


# ---------------------------------------------------------------------------------------------
# Words


def priority_word(value: Any) -> int | None:
    """0-4 or P0-P4 as a priority, or None when it is neither."""
    text = str(value).strip().upper().removeprefix("P")
    if text.isdigit() and 0 <= int(text) <= 4:
        return int(text)
    return None


def split_csv(values: tuple[str, ...] | str | None) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        values = (values,)
    return [v.strip() for chunk in values for v in chunk.split(",") if v.strip()]


def known(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    """Values checked against the ledger's vocabulary before it opens: a typo is a usage error
    (exit 2), and a filter value nothing can match is a typo, not an empty result."""
    for value in values:
        if value not in allowed:
            raise UsageError(f"unknown {what} '{value}': use one of {', '.join(allowed)}")
    return values


# ---------------------------------------------------------------------------------------------
# Views: data for JSON, text for people (`render.view`)


def _p(issue: "Issue") -> str:
    return f"P{issue.priority}"


BEAD_HEADERS = ["ID", "PRI", "STATUS", "TYPE", "ASSIGNEE", "TITLE"]


def issue_rows(records: list[dict]) -> str:
    """The bead table, from bd records."""
    if not records:
        return "(no beads)"
    return table([[r["id"], f"P{r.get('priority', 2)}", r.get("status") or "open",
                   r.get("issue_type") or "task", r.get("assignee") or "-", r.get("title") or ""]
                  for r in records], BEAD_HEADERS, keep=["ID"])


_PRIORITY = {None: "P2", **{n: f"P{n}" for n in range(5)}}


def bead_table(rows: list[tuple]) -> str:
    """`issue_rows` from the ledger's columns (`Ledger.list(rows=True)`), a column at a time:
    the same text, for thousands of beads without a JSON line parsed."""
    if not rows:
        return "(no beads)"
    ids, priorities, statuses, types, assignees, titles = zip(*rows)
    shown = list(map(_PRIORITY.get, priorities))
    if None in shown:   # a priority outside bd's, from an old import
        shown = [_PRIORITY.get(p) or f"P{p}" for p in priorities]
    return column_table([ids, shown, _or(statuses, "open"), _or(types, "task"),
                         _or(assignees, "-"), _or(titles, "")], BEAD_HEADERS, keep=["ID"])


def _or(column: tuple, default: str) -> Sequence[str]:
    """The column with `default` for empty cells (a record leaves out empty fields)."""
    if None in column or "" in column:
        return [cell or default for cell in column]
    return column


class IssueList:
    """Beads as the ledger's JSONL lines: `--json` prints the lines as they are (no parse, no
    re-encode, which matters for thousands of beads); text parses them for the table."""

    def __init__(self, lines: list[str]):
        self.lines = lines

    def json_text(self) -> str:
        return "[\n" + ",\n".join(self.lines) + "\n]" if self.lines else "[]"

    def to_json(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]

    def render_text(self) -> str:
        return issue_rows(self.to_json())


class BeadTable:
    """`bd list`'s text: beads from their columns; a note says when the limit left some out
    and how to see them all."""

    def __init__(self, rows: list[tuple], more: int):
        self.rows = rows
        self.more = more

    def to_json(self) -> list[dict]:
        from ..beads.query import TABLE_COLUMNS

        return [dict(zip(TABLE_COLUMNS, row)) for row in self.rows]

    def render_text(self) -> str:
        text = bead_table(self.rows)
        if self.more:
            text += f"\n({len(self.rows)} shown, {self.more} more: -n N shows N, -n 0 all)"
        return text


class ReadyList(IssueList):
    """Ready beads; the text says when the limit left some out and how to see them all."""

    def __init__(self, lines: list[str], more: int):
        super().__init__(lines)
        self.more = more

    def render_text(self) -> str:
        text = super().render_text()
        if self.more:
            text += (f"\n({len(self.lines)} shown, {self.more} more ready: "
                     "-n N shows N, -n 0 all)")
        return text


@view
class Changed:
    """Beads a command created or changed: the bead (or a list) as JSON, one line each as text."""
    verb: str
    issues: list[Any]
    single: bool = True
    ids_only: bool = False   # `bd create --silent`: the id alone, for `ID=$(bd create ...)`

    def to_json(self) -> Any:
        data = [i.to_json() for i in self.issues]
        return data[0] if self.single and len(data) == 1 else data

    def render_text(self) -> str:
        if self.ids_only:
            return "\n".join(visible(i.id) for i in self.issues)
        return "\n".join(f"{self.verb} {visible(i.id)}: {visible(i.title)}" + (
            f" [{visible(i.status)}{', ' + visible(i.assignee) if i.assignee else ''}]"
            if self.verb != "Created" else "") for i in self.issues)


@view
class IssueDetail:
    issue: Any
    dependents: list[Any]
    titles: dict[str, tuple[str, str]]   # id -> (status, title) of linked beads

    def to_json(self) -> dict:
        return {**self.issue.to_json(),
                "dependents": [d.to_json() for d in self.dependents]}

    def _link(self, other: str, kind: str) -> str:
        status, title = self.titles.get(other, ("?", "(not in this ledger)"))
        return f"  {visible(kind):<16} {visible(other)}  [{visible(status)}] {visible(title)}"

    def render_text(self) -> str:
        i = self.issue
        v = visible
        lines = [f"{v(i.id)}: {v(i.title)}",
                 f"Status: {v(i.status)}   Priority: {_p(i)}   Type: {v(i.issue_type)}"
                 + (f"   Assignee: {v(i.assignee)}" if i.assignee else ""),
                 f"Created: {v(i.created_at)} by {v(i.created_by or '-')}   "
                 f"Updated: {v(i.updated_at)}"]
        if i.closed_at:
            lines.append(f"Closed: {v(i.closed_at)}" + (f" ({v(i.close_reason)})"
                                                        if i.close_reason else ""))
        if i.labels:
            lines.append("Labels: " + ", ".join(v(lab) for lab in i.labels))
        for name in ("description", "design", "acceptance_criteria", "notes"):
            text = getattr(i, name)
            if text:
                lines.append(name.replace("_", " ").capitalize() + ":")
                lines += ["  " + ln for ln in v(text, lines=True).splitlines()]
        for name in ("sender", "hook_bead", "agent_state", "role_type", "rig", "due_at",
                     "defer_until", "external_ref"):
            if getattr(i, name):
                lines.append(f"{name}: {v(str(getattr(i, name)))}")
        if i.dependencies:
            lines.append("Depends on:")
            lines += [self._link(d.depends_on_id, d.type) for d in i.dependencies]
        if self.dependents:
            lines.append("Dependents:")
            lines += [self._link(d.issue_id, d.type) for d in self.dependents]
        if i.comments:
            lines.append("Comments:")
            lines += [f"  [{v(c.created_at)}] {v(c.author)}: "
                      + v(c.text, lines=True).replace("\n", "\n    ") for c in i.comments]
        return "\n".join(lines)


def detail(led: "Ledger", issue_id: str) -> IssueDetail:
    issue = led.get(issue_id)
    dependents = led.dependents(issue.id)
    titles = {}
    for other in [d.depends_on_id for d in issue.dependencies] + \
                 [d.issue_id for d in dependents]:
        if led.exists(other):
            o = led.get(other)
            titles[other] = (o.status, o.title)
    return IssueDetail(issue, dependents, titles)


class ShowMany:
    def __init__(self, details):
        self.details = details

    def to_json(self):
        return [d.to_json() for d in self.details]

    def render_text(self):
        return "\n\n".join(d.render_text() for d in self.details)


# ---------------------------------------------------------------------------------------------
# The commands (their help text is in the registry, beside their words)


READY_LIMIT = 10  # as bd: the next few things to pick up, not the whole backlog


def ready(env: Env, limit: int, assignee: str | None, unassigned: bool,
          label: tuple[str, ...], issue_type: tuple[str, ...]) -> ReadyList:
    from ..beads import ISSUE_TYPES

    if assignee and unassigned:
        raise UsageError("--assignee and --unassigned exclude each other: give one")
    types = known(split_csv(issue_type), ISSUE_TYPES, "type")
    with ledger(env) as led:
        filters = dict(assignee=assignee, unassigned=unassigned, label=list(label) or None,
                       issue_type=types or None)
        lines = led.ready(limit=limit or None, raw=True, **filters)
        more = 0
        if limit and len(lines) == limit and not env.json:
            more = led.ready_count(**filters) - limit
        return ReadyList(lines, more)


LIST_LIMIT = 50  # as bd: a page of the backlog; -n 0 lists it all


def list_(env: Env, status, issue_type, assignee, label, priority, everything,
          limit) -> IssueList | BeadTable:
    from ..beads import ISSUE_TYPES, RECORD_TYPES, STATUSES

    statuses = known(split_csv(status), STATUSES, "status")
    types = known(split_csv(issue_type), ISSUE_TYPES, "type")
    filters = dict(status=statuses or None, issue_type=types or None, assignee=assignee,
                   label=split_csv(label) or None, priority=priority, include_closed=everything,
                   exclude_types=() if types or everything else RECORD_TYPES)
    with ledger(env) as led:
        if env.json:
            return IssueList(led.list(limit=limit or None, raw=True, **filters))
        rows = led.list(limit=limit or None, rows=True, **filters)
        more = led.count(**filters) - limit if limit and len(rows) == limit else 0
        return BeadTable(rows, more)


def show(env: Env, ids: tuple[str, ...]) -> IssueDetail | ShowMany:
    with ledger(env, ids) as led:
        details = [detail(led, i) for i in ids]
    return details[0] if len(details) == 1 else ShowMany(details)


def create(env: Env, title, description, priority, issue_type, assignee, labels, parent, deps,
           notes, rig, silent) -> Changed:
    from ..beads import ISSUE_TYPES

    known([issue_type], ISSUE_TYPES, "type")
    # (a Ledger is a context manager that closes its database)
    with open_rig_ledger(env, rig) if rig else ledger(env, [parent] if parent else ()) as led:
        extra = {"notes": notes} if notes else {}
        issue = led.create(title, description=description, priority=priority,
                           issue_type=issue_type, assignee=assignee, labels=split_csv(labels),
                           parent=parent, deps=split_csv(deps), **extra)
    return Changed("Created", [issue], ids_only=silent)


def update(env: Env, ids, status, title, description, notes, priority, issue_type, assignee,
           add_label, remove_label, claim) -> Changed:
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
    with ledger(env, ids) as led:
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
        land_convoys(env, (i.id for i in done))  # convoys tracking these may land (no daemon)
    reopened = [i.id for i in done if i.id in was_closed and not i.is_closed]
    if reopened:
        reopen_convoys(env, reopened)  # a landed convoy tracking these has work again
    return Changed("Claimed" if claim else "Updated", done, single=len(ids) == 1)


def close(env: Env, ids: tuple[str, ...], reason: str | None) -> Changed:
    with ledger(env, ids) as led:
        with led.transaction():
            closed = [led.close(i, reason) for i in ids]
    land_convoys(env, (i.id for i in closed))  # convoys tracking these may land (no daemon)
    return Changed("Closed", closed, single=len(ids) == 1)
