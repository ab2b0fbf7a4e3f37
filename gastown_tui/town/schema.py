"""The settings a town and a rig take: their keys, defaults, help, parsers and bounds, and the
types their files hold. Pure data and checks (no town, no presets), so that reading a town's
files (`Town.config()`, `Rig.settings()`) and writing them (`config.py`) share one table."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from .errors import TownError
from .paths import Expect, describe


@dataclasses.dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str
    choices: tuple[str, ...] = ()


def _whole(low: int, high: int) -> Callable[[str], int]:
    """A parser of whole numbers from `low` to `high`; its error names the bounds."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"a whole number from {low} to {high}") from None
        if not low <= value <= high:
            raise ValueError(f"a whole number from {low} to {high}")
        return value

    return parse


MAX_STALL_MINUTES = 7 * 24 * 60     # a week: work quiet for longer is stalled by any measure
MAX_POLECATS = 1000                 # far beyond what one machine runs
MAX_GATE_SECONDS = 24 * 3600        # a gate that runs longer than a day is hung
MAX_BATCH = 100


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _boolean(text: str) -> bool:
    word = str(text).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("true or false")


SIDEBAR_COLUMNS = (16, 120)


def _sidebar_width(text: str) -> int | str:
    """`auto` or a number of columns for the app's sidebar."""
    word = str(text).strip().lower()
    low, high = SIDEBAR_COLUMNS
    wanted = f'"auto" or a number of columns from {low} to {high}'
    if word == "auto":
        return word
    try:
        value = int(word)
    except ValueError:
        raise ValueError(wanted) from None
    if not low <= value <= high:
        raise ValueError(wanted)
    return value


def _branch(text: str) -> str:
    """A branch name for `merge.target` ("" = the branch origin's HEAD names)."""
    name = text.strip()
    if name.startswith("refs/heads/"):
        name = name[len("refs/heads/"):]
    if name and (name.startswith(("-", "/")) or name.endswith(("/", ".lock", "."))
                 or any(bad in name for bad in ("..", " ", "~", "^", ":", "?", "*", "[", "\\",
                                                "@{", "//"))):
        raise ValueError("a branch name such as main")
    return name


TOWN_SETTINGS = {s.key: s for s in (
    Setting("default_agent", "claude",
            "Agent started when neither --agent nor the rig's `agent` setting chooses one."),
    Setting("theme", "gastown-dark", "Theme of the app (a Textual theme name or one in themes/)."),
    Setting("prefix_key", "ctrl+b", "Key that precedes app commands while a pane has focus."),
    Setting("nudge_mode", "wait-idle", "How nudges are delivered by default.",
            choices=("immediate", "wait-idle", "queue")),
    Setting("stall_minutes", 15, "Minutes without progress before hooked work counts as stalled.",
            _whole(1, MAX_STALL_MINUTES)),
    Setting("max_polecats", 30, "Most polecats at work at once in this town; more slings "
            "wait in the dispatch queue (`gt queue list`).", _whole(1, MAX_POLECATS)),
    Setting("window_size", "latest", "Size of an agent's terminal when several apps show it: "
            "that of the app that typed into it last, or the smallest or largest of them.",
            choices=("latest", "smallest", "largest")),
    Setting("notify_command", "", "Shell command run for each notification, with the notice "
            "as one JSON object on its stdin (kind, agent, rig, bead, convoy, text, time); "
            "empty: none."),
    Setting("notify_desktop", True, "Desktop notifications through notify-send, where it is "
            "installed.", _boolean),
    Setting("notify_terminal", "auto", "How an open app tells its terminal: OSC 9, OSC 777, "
            "the bell, or off; auto picks what the terminal takes.",
            choices=("auto", "osc9", "osc777", "bell", "off")),
    Setting("sidebar_width", "auto", "Columns of the app's sidebar (ctrl+b < and > resize it, "
            "ctrl+b b hides it); auto: about a third of the window, 24 to 42.", _sidebar_width),
    Setting("sling_focus", "stay", "Where the app's focus goes after a sling: it stays where "
            "you were, or follows to the new agent's pane.", choices=("stay", "follow")),
)}
RIG_SETTINGS = {s.key: s for s in (
    Setting("agent", "", "Agent for this rig's polecats (overrides the town default_agent)."),
    Setting("merge.target", "", "Branch finished work merges into (empty: the branch origin's "
            "HEAD names).", _branch),
    Setting("merge.strategy", "rebase", "How a merge request lands on the target.",
            choices=("rebase", "merge", "squash")),
    Setting("merge.gate", "", "Shell command run in the candidate tree before a merge "
            "(e.g. `pytest -q`); empty: no gate."),
    Setting("merge.gate_timeout", 600, "Seconds a gate may run before it is killed and fails.",
            _whole(1, MAX_GATE_SECONDS)),
    Setting("merge.batch", 5, "Most merge requests gated together at once.",
            _whole(1, MAX_BATCH)),
    Setting("merge.push", False, "Push the target to origin after each merge.", _boolean),
    Setting("merge.review", "auto", "`human`: a merge request that passed its gate waits for "
            "`gt mq approve`.", choices=("auto", "human")),
)}
# The types of what the settings files hold (`Town.config()`, `Rig.settings()` check them).
CONFIG_SCHEMA = {
    **{s.key: type(s.default) for s in TOWN_SETTINGS.values()},
    "sidebar_width": Expect((int, str), 'a number of columns or "auto"'),
    "agents": Expect((dict,), '[agents.NAME] with command = "..."'),
    "agents.*": Expect((dict,), '[agents.NAME] with command = "..."'),
    **{f"agents.*.{key}": str for key in ("command", "ready_prompt", "description")},
    "agents.*.env": Expect((dict,), '[agents.NAME.env] with VARIABLE = "value"'),
    "agents.*.env.*": str,
    "prices": Expect((dict,), '[prices."MODEL"] tables'),
    "prices.*": Expect((dict,), '[prices."MODEL"] with input, output, cache_write, cache_read'),
    "prices.*.*": Expect((int, float), "dollars per million tokens"),
}
RIG_SCHEMA = {"merge": Expect((dict,), "a [merge] table"),
              **{s.key: type(s.default) for s in RIG_SETTINGS.values()}}


def dotted(data: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """`data["merge"]["gate"]` for the key `merge.gate` (settings of a rig live in tables)."""
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


_MISSING = object()


def check_values(path: Any, data: Mapping[str, Any],
                 table: Mapping[str, Setting] | None = None) -> None:
    """Values of the right type that no setting takes (`stall_minutes = 0`, a `nudge_mode`
    that is no mode): the same one-line error as a value of the wrong type."""
    for key, setting in (TOWN_SETTINGS if table is None else table).items():
        value, wanted = dotted(data, key, _MISSING), None
        if value is _MISSING:
            continue
        if setting.choices and value not in setting.choices:
            wanted = "one of " + ", ".join(setting.choices)
        elif setting.parse not in (str, _boolean):
            try:
                setting.parse(str(value))
            except ValueError as e:
                wanted = str(e)
        if wanted:
            raise TownError(f"{path}: '{key}' must be {wanted}, not {describe(value)}; "
                            "fix that file")
