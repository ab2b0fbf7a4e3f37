"""Town and rig settings: typed keys read with tomllib, written with tomlkit (comments kept)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .errors import TownError, usage
from .paths import CONFIG_FILE, Expect, describe, update_toml
from .presets import (AGENT_NAME, BUILTIN, MAX_AGENT_NAME, SPECIAL, get_preset, parse_command,
                      parse_env, town_agents)

if TYPE_CHECKING:
    from .model import Town


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


def _toml(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else \
        repr(value).replace("'", '"')


CONFIG_TEMPLATE = "# Gas Town settings. Edit by hand or with `gt config set KEY VALUE`;\n" \
    "# comments and layout are kept either way.\n\n" + "".join(
        f"# {s.help}" + (f" One of: {', '.join(s.choices)}." if s.choices else "") +
        f"\n{s.key} = {_toml(s.default)}\n" for s in TOWN_SETTINGS.values()
    ) + "\n# Your own agents or retuned built-ins: `gt config agent set NAME \"COMMAND ARGS\"`.\n" \
    "[agents]\n"
RIG_TEMPLATE = ("# Settings of this rig. `gt config set --rig RIG KEY VALUE` or edit by hand.\n"
                "# Keys: " + ", ".join(RIG_SETTINGS) + " (see README).\n")


def _lookup(key: str, table: Mapping[str, Setting], where: str) -> Setting:
    setting = table.get(key)
    if setting is None:
        raise usage(f"unknown {where} setting {key!r} (known: {', '.join(table)})")
    return setting


def get_setting(town: "Town", key: str, rig: str | None = None) -> Any:
    if rig is None and key.startswith("prices."):
        from .prices import lookup, parse_key, price_table

        model, field = parse_key(key)
        price = lookup(price_table(town.config().get("prices", {})), model)
        if price is None:
            raise TownError(f"{model} has no price yet: set all four with `gt config set "
                            f"prices.{model}.input N` (and output, cache_write, cache_read)")
        return getattr(price, field)
    if rig is not None:
        setting = _lookup(key, RIG_SETTINGS, "rig")
        return dotted(town.rig(rig).settings(), key, setting.default)
    setting = _lookup(key, TOWN_SETTINGS, "town")
    return town.config().get(key, setting.default)


def set_setting(town: "Town", key: str, value: str, rig: str | None = None,
                environ: Mapping[str, str] | None = None) -> Any:
    if rig is None and key.startswith("prices."):
        return _set_price(town, key, value)
    table, where = (RIG_SETTINGS, "rig") if rig is not None else (TOWN_SETTINGS, "town")
    setting = _lookup(key, table, where)
    try:
        parsed = setting.parse(value)
    except ValueError as e:
        raise usage(f"{key} must be {e}, not {value!r}") from None
    if setting.choices and parsed not in setting.choices:
        raise usage(f"{key} must be one of {', '.join(setting.choices)}, not {value!r}")
    # An empty rig setting hands the choice back to the town (`agent ""`: the default_agent).
    clear = rig is not None and parsed == "" and setting.default == ""
    if key in ("default_agent", "agent") and not clear:
        get_preset(town, parsed, environ or {})  # refuses unknown agents with the known list
    if rig is not None:
        path, header = town.rig(rig).config_path, RIG_TEMPLATE
    else:
        path, header = town.root / CONFIG_FILE, CONFIG_TEMPLATE

    *tables, leaf = key.split(".")

    def change(doc: Any) -> None:
        import tomlkit

        node = doc
        for name in tables:
            if name not in node or not isinstance(node[name], dict):
                node[name] = tomlkit.table()
            node = node[name]
        if clear:
            node.pop(leaf, None)
        else:
            node[leaf] = parsed

    update_toml(path, change, header)
    return parsed


def _set_price(town: "Town", key: str, value: str) -> float:
    """One price of `[prices."MODEL"]`. A model the built-in table does not know is priced
    once all four of its prices are set (`price_gaps` says which are missing)."""
    from .prices import parse_key, parse_price

    model, field = parse_key(key)
    parsed = parse_price(key, value)

    def change(doc: Any) -> None:
        import tomlkit

        prices = doc.get("prices")
        if prices is None:
            prices = doc["prices"] = tomlkit.table(is_super_table=True)
        entry = prices.get(model)
        if entry is None:
            entry = prices[model] = tomlkit.table()
        entry[field] = parsed

    update_toml(town.root / CONFIG_FILE, change, CONFIG_TEMPLATE)
    return parsed


def set_agent(town: "Town", name: str, command: str,
              env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Define agent `name`; with `env`, its environment is replaced by that table."""
    if len(name) > MAX_AGENT_NAME:
        raise usage(f"bad agent name {name[:20]!r}...: at most {MAX_AGENT_NAME} characters")
    if not AGENT_NAME.match(name):
        raise usage(f"bad agent name {name!r}: use letters, digits, '-', '_' or '.'")
    if name in SPECIAL:
        raise usage(f"{name!r} is a built-in that cannot be redefined; pick another name")
    argv = parse_command(name, command)
    if env is not None:
        parse_env(name, env, {})

    def change(doc: Any) -> None:
        import tomlkit

        agents = doc.get("agents")
        if agents is None:
            agents = doc["agents"] = tomlkit.table()
        entry = agents.get(name)
        if entry is None:
            entry = agents[name] = tomlkit.table()
        entry["command"] = command
        if env is not None:
            entry.pop("env", None)
            if env:
                table = tomlkit.table()
                for key, value in env.items():
                    table[key] = value
                entry["env"] = table

    update_toml(town.root / CONFIG_FILE, change, CONFIG_TEMPLATE)
    return argv


def remove_agent(town: "Town", name: str) -> None:
    if name not in town_agents(town):
        what = "a built-in and cannot be removed" if name in BUILTIN or name in SPECIAL \
            else "not defined in this town"
        raise usage(f"agent {name!r} is {what} (see `gt config agent list`)")
    if town.config().get("default_agent") == name and name not in BUILTIN:
        raise usage(f"agent {name!r} is the default_agent: choose another with "
                    "`gt config default-agent NAME` first")

    def change(doc: Any) -> None:
        del doc["agents"][name]

    update_toml(town.root / CONFIG_FILE, change, CONFIG_TEMPLATE)
