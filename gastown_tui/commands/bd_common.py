"""What every `bd` command shares: `--actor`, opening the ledger, and how beads are shown.

The beads package is imported inside functions only, so `bd --help` stays cheap.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterable

import click

from ..visible import visible
from .core import Command, CommandError, Group, UsageError, get_env
from .render import table, view

if TYPE_CHECKING:
    from pathlib import Path

    from ..beads import Issue, Ledger


def _set_actor(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        env = get_env()
        env.actor = value


def actor_option() -> click.Option:
    return click.Option(["--actor"], metavar="NAME", expose_value=False, callback=_set_actor,
                        is_eager=True,
                        help="Who is acting (default: $BD_ACTOR, then your user name).")


def _ledger_errors(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except CommandError:
        raise
    except Exception as e:
        model = sys.modules.get("gastown_tui.beads.model")
        if model is not None and isinstance(e, model.LedgerError):
            raise CommandError(str(e)) from None
        raise


class BdCommand(Command):
    """A bd command: `--json`, `--actor`, and ledger errors shown as one-line failures."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(actor_option())

    def invoke(self, ctx: click.Context) -> Any:
        return _ledger_errors(lambda: super(BdCommand, self).invoke(ctx))


class BdGroup(Group):
    command_class = BdCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(actor_option())


BdGroup.group_class = BdGroup


def actor() -> str:
    from ..beads import default_actor

    env = get_env()
    if not env.actor and not env.environ.get("BD_ACTOR") and _maybe_town_member(env):
        from .towncli import town_actor  # inside a crew clone: <rig>/crew/<name>

        return town_actor(env) or default_actor(env.environ)
    return env.actor or default_actor(env.environ)


def _maybe_town_member(env: Any) -> bool:
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


def open_ledger(ids: Iterable[str] = ()) -> "Ledger":
    """The ledger for the caller's directory (BEADS_DIR, else the nearest .beads/ above).

    Given the `ids` a command acts on, ids of another ledger of the town go to that ledger
    (the town's routes.jsonl names it by prefix): the Mayor, whose ledger is the town's, shows
    and closes a rig's beads, and a crew member a convoy, without changing directory."""
    from ..beads import Ledger, find_beads_dir

    env = get_env()
    beads_dir = find_beads_dir(env.cwd, env.environ)
    if beads_dir is None:
        raise CommandError(f"no beads ledger in {env.cwd} or above: run 'bd init' "
                           "(or set BEADS_DIR)")
    led = _ledger_errors(lambda: Ledger.open(beads_dir, actor()))
    ids = [i for i in ids if i]
    if ids and not all(i.startswith(led.prefix + "-") for i in ids):
        routed = _routed_beads_dir(env, ids)
        if routed is not None and routed != beads_dir.resolve():
            led.close_db()
            led = _ledger_errors(lambda: Ledger.open(routed, actor()))
    for warning in led.warnings:
        env.progress(f"bd: warning: {warning}")
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(_closer(led, env))
    return led


def _closer(led: "Ledger", env) -> Callable[[], None]:
    """Close the ledger at the command's end, first saying what went wrong after the
    command's change was saved (an export left for the next command)."""
    shown = len(led.warnings)

    def close() -> None:
        for warning in led.warnings[shown:]:
            env.progress(f"bd: warning: {warning}")
        led.close_db()

    return close


def open_rig_ledger(rig: str) -> "Ledger":
    """The ledger of rig `rig` of the caller's town (`bd create --rig`): the Mayor's own
    ledger is the town's, whose `hq-` beads no rig can be slung."""
    from ..beads import Ledger
    from ..town import NotInTown, find_town

    env = get_env()
    try:
        town = find_town(env.cwd, env.environ)
    except NotInTown as e:
        raise UsageError(f"--rig needs a town: {e}") from None
    beads_dir = town.rig(rig).beads_dir
    led = _ledger_errors(lambda: Ledger.open(beads_dir, actor()))
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(led.close_db)
    return led


def _routed_beads_dir(env: Any, ids: list[str]) -> "Path | None":
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


# `-n N` of list, ready and search: 0 is no limit; beyond a million is a typo, and beyond
# SQLite's 64-bit integers an internal error.
LIMIT = click.IntRange(min=0, max=1_000_000)


class PriorityType(click.ParamType):
    """0-4 or P0-P4; a bad value is a usage error (exit 2) before the ledger opens."""
    name = "0-4|P0-P4"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        text = str(value).strip().upper().removeprefix("P")
        if text.isdigit() and 0 <= int(text) <= 4:
            return int(text)
        self.fail(f"bad priority {value!r}: use 0-4 or P0-P4 (0 is highest)", param, ctx)


PRIORITY = PriorityType()


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


def parse_vars(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"bad --var {pair!r}: write it as name=value")
        out[key.strip()] = value
    return out


# ---------------------------------------------------------------------------------------------
# Views: data for JSON, text for people (`render.view`)


def _p(issue: "Issue") -> str:
    return f"P{issue.priority}"


def issue_rows(records: list[dict]) -> str:
    """The bead table, from bd records."""
    if not records:
        return "(no beads)"
    return table([[r["id"], f"P{r.get('priority', 2)}", r.get("status") or "open",
                   r.get("issue_type") or "task", r.get("assignee") or "-", r.get("title") or ""]
                  for r in records], ["ID", "PRI", "STATUS", "TYPE", "ASSIGNEE", "TITLE"],
                 keep=["ID"])


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


def register(root: click.Group) -> None:
    root.params.append(actor_option())
