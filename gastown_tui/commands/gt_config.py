"""`gt config`: town settings and agent presets."""

from __future__ import annotations

import dataclasses
import shutil

import click

from ..visible import visible
from .core import UsageError, get_env
from .towncli import Done, complete_agent, complete_rig, current_town


@dataclasses.dataclass
class AgentRow:
    name: str
    command: str
    source: str
    on_path: bool
    default: bool
    description: str = dataclasses.field(default="", metadata={"text": False})
    # Values may hold paths of another account's login: names only in the table.
    env: dict[str, str] = dataclasses.field(default_factory=dict, metadata={"text": False})


@dataclasses.dataclass
class TownConfig:
    town: str
    root: str
    settings: dict[str, object]
    agents: dict[str, str]

    def to_json(self) -> dict:
        return {"town": self.town, "root": self.root, **self.settings, "agents": self.agents}

    def render_text(self) -> str:
        width = max(len(k) for k in [*self.settings, *self.agents, "root"]) + 1
        v = visible
        lines = [f"{'town:':<{width}} {v(self.town)}", f"{'root:':<{width}} {v(self.root)}"]
        lines += [f"{v(k) + ':':<{width}} {v(str(x))}" for k, x in self.settings.items()]
        lines += ["", "agents:"] + [f"  {v(k) + ':':<{width}} {v(x)}"
                                    for k, x in self.agents.items()]
        return "\n".join(lines)


def _rows(town) -> list[AgentRow]:
    from ..town.presets import chosen_agent_name, list_presets

    env = get_env()
    default = chosen_agent_name(town, None, None)
    return [AgentRow(p.name, p.command, p.source,
                     shutil.which(p.executable, path=env.environ.get("PATH")) is not None,
                     p.name == default, p.description, dict(p.env))
            for p in list_presets(town, env.environ)]


def _complete_key(ctx: click.Context, _param, incomplete: str):
    from click.shell_completion import CompletionItem
    from ..town.schema import RIG_SETTINGS, TOWN_SETTINGS

    table = RIG_SETTINGS if ctx.params.get("rig") else TOWN_SETTINGS
    return [CompletionItem(k, help=s.help)
            for k, s in table.items() if k.startswith(incomplete)]


def register(root: click.Group) -> None:
    @root.group("config")
    def config():
        """Town settings and agent presets."""

    @config.command("show")
    def show():
        """Every town setting and the agents this town knows."""
        from ..town.config import get_setting
        from ..town.schema import TOWN_SETTINGS

        town = current_town()
        return TownConfig(town.name, str(town.root),
                          {k: get_setting(town, k) for k in TOWN_SETTINGS},
                          {r.name: r.command for r in _rows(town)})

    @config.command("get")
    @click.argument("key", shell_complete=_complete_key)
    @click.option("--rig", shell_complete=complete_rig, help="Read the rig's setting.")
    def get(key: str, rig: str | None):
        """Print one setting (theme, prefix_key, default_agent, prices.MODEL.FIELD, ...)."""
        from ..town.config import get_setting

        return get_setting(current_town(), key, rig)

    @config.command("set")
    @click.argument("key", shell_complete=_complete_key)
    @click.argument("value")
    @click.option("--rig", shell_complete=complete_rig, help="Change the rig's setting.")
    def set_(key: str, value: str, rig: str | None):
        """Change one setting; comments and layout of the file are kept. An empty VALUE for a
        rig setting (`gt config set agent "" --rig R`) hands it back to the town. Prices for
        `gt costs`: prices.MODEL.FIELD in dollars per million tokens, FIELD one of input,
        output, cache_write, cache_read."""
        from ..town.config import set_setting

        if rig is None and key in ("theme", "prefix_key"):
            from ..ui.settings import check_app_setting

            problem = check_app_setting(key, value, get_env().environ)
            if problem:
                raise UsageError(problem)
        town = current_town()
        parsed = set_setting(town, key, value, rig, get_env().environ)
        if rig is None and key == "theme":
            from ..host.events import make_event
            from .gt_mq import tell_host

            # Running apps show it now (attached or embedded), not at their next start.
            tell_host(town, [make_event("config_set", key=key, value=parsed)])
        if rig is None and key.startswith("prices."):
            from ..town.prices import parse_key, price_gaps

            missing = price_gaps(town.config().get("prices", {}), parse_key(key)[0])
            if missing:
                return {"key": key, "value": parsed, "rig": rig,
                        "note": f"priced once {', '.join(missing)} are set too"}
        return {"key": key, "value": parsed, "rig": rig}

    @config.command("default-agent")
    @click.argument("name", required=False, shell_complete=complete_agent)
    def default_agent(name: str | None):
        """Show or set the town's default agent."""
        from ..town.config import get_setting, set_setting

        town = current_town()
        if name is None:
            return get_setting(town, "default_agent")
        set_setting(town, "default_agent", name, environ=get_env().environ)
        return {"default_agent": name}

    @config.group("agent")
    def agent():
        """Agent presets: built-ins and your own."""

    @agent.command("list")
    def agent_list():
        """Every agent preset, whether its program is on PATH, and the default."""
        return _rows(current_town())

    @agent.command("get")
    @click.argument("name", shell_complete=complete_agent)
    def agent_get(name: str):
        """One agent's command line."""
        from ..town.presets import get_preset

        town = current_town()
        get_preset(town, name, get_env().environ)
        return next(r for r in _rows(town) if r.name == name)

    @agent.command("set")
    @click.argument("name", shell_complete=complete_agent)
    @click.argument("command", metavar='"COMMAND ARGS"')
    @click.option("--env", "env_", multiple=True, metavar="VAR=VALUE",
                  help="Environment the agent starts with (repeat; replaces the preset's), "
                       "e.g. CLAUDE_CONFIG_DIR=~/.claude-work for another account.")
    def agent_set(name: str, command: str, env_: tuple[str, ...]):
        """Define or retune an agent: gt config agent set codex-low "codex --thinking low"."""
        from ..town.config import set_agent

        pairs = {}
        for item in env_:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise UsageError(f"--env {item!r}: give VAR=VALUE")
            pairs[key] = value
        town = current_town()
        set_agent(town, name, command, pairs if env_ else None)
        return next(r for r in _rows(town) if r.name == name)

    @agent.command("remove")
    @click.argument("name", shell_complete=complete_agent)
    def agent_remove(name: str):
        """Remove an agent you defined (built-ins return to their defaults)."""
        from ..town.config import remove_agent

        remove_agent(current_town(), name)
        return Done("Removed", "agent", name)
