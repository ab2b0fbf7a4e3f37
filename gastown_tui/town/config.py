"""Town and rig settings: typed keys read with tomllib, written with tomlkit (comments kept)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from .errors import TownError, usage
from .paths import CONFIG_FILE, update_toml
from .presets import (AGENT_NAME, BUILTIN, MAX_AGENT_NAME, SPECIAL, get_preset, parse_command,
                      parse_env, town_agents)
from .schema import RIG_SETTINGS, TOWN_SETTINGS, Setting, dotted

if TYPE_CHECKING:
    from .model import Town


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
