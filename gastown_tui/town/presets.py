"""Agent presets: the built-in command lines, the town's own `[agents.*]`, and resolution."""

from __future__ import annotations

import dataclasses
import re
import shlex
import sys
from typing import TYPE_CHECKING, Mapping

from .errors import TownError, usage

if TYPE_CHECKING:
    from .model import Rig, Town

FALLBACK_AGENT = "claude"
AGENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MAX_AGENT_NAME = 64
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Who an agent is and where its ledger is are the town's to say, never a preset's.
TOWN_ENV = ("GT_", "BD_", "BEADS_DIR")


@dataclasses.dataclass(frozen=True)
class AgentPreset:
    """How to start one kind of agent. `argv` is final: resolved, split, ready to exec."""

    name: str
    argv: tuple[str, ...]
    source: str = "builtin"  # builtin | town
    ready_prompt: str | None = None
    description: str = ""
    # Environment the agent starts with (e.g. CLAUDE_CONFIG_DIR: another account's login).
    env: tuple[tuple[str, str], ...] = ()

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    @property
    def executable(self) -> str:
        return self.argv[0]


# name -> (command line, ready prompt, description), from REFERENCE.md's Gas Town presets.
BUILTIN: dict[str, tuple[str, str | None, str]] = {
    "claude": ("claude --dangerously-skip-permissions", "❯ ", "Claude Code"),
    "gemini": ("gemini --approval-mode yolo", None, "Gemini CLI"),
    "codex": ("codex --dangerously-bypass-approvals-and-sandbox", "› ", "OpenAI Codex CLI"),
    "cursor": ("cursor-agent -f", None, "Cursor agent"),
    "auggie": ("auggie --allow-indexing", None, "Augment Auggie"),
    "amp": ("amp --dangerously-allow-all --no-ide", None, "Sourcegraph Amp"),
}
SPECIAL = {
    "shell": "your login shell ($SHELL, else bash)",
    "demo": "the built-in scripted agent (no account needed)",
}


def builtin_preset(name: str, environ: Mapping[str, str]) -> AgentPreset | None:
    if name in BUILTIN:
        line, prompt, desc = BUILTIN[name]
        return AgentPreset(name, tuple(shlex.split(line)), "builtin", prompt, desc)
    if name == "shell":
        return AgentPreset("shell", (environ.get("SHELL") or "bash",), "builtin", None,
                           SPECIAL["shell"])
    if name == "demo":
        return AgentPreset("demo", (sys.executable, "-m", "gastown_tui.host.demo_agent"),
                           "builtin", None, SPECIAL["demo"])
    return None


def builtin_names() -> list[str]:
    return [*BUILTIN, *SPECIAL]


def town_agents(town: "Town") -> dict[str, dict]:
    agents = town.config().get("agents", {})   # a table of tables: Town.config() checks
    return {k: v for k, v in agents.items() if v.get("command")}


def parse_command(name: str, command: str) -> tuple[str, ...]:
    try:
        argv = tuple(shlex.split(command))
    except ValueError as e:
        raise usage(f"agent {name!r}: cannot parse command {command!r} ({e})") from None
    if not argv:
        raise usage(f"agent {name!r}: the command is empty; give it like \"claude --flag\"")
    return argv


def parse_env(name: str, table: Mapping[str, object], environ: Mapping[str, str]
              ) -> tuple[tuple[str, str], ...]:
    """A preset's `env` table, checked: variable names, text values (a leading `~/` is the
    home folder), none of the town's own variables."""
    out = []
    for key, value in table.items():
        where = f"agent {name!r}: env {key!r}"
        if not ENV_NAME.match(key):
            raise usage(f"{where} is no environment variable name: use letters, digits and _")
        if key.startswith(TOWN_ENV):
            raise usage(f"{where} is set by the town for every agent (GT_*, BD_*, BEADS_DIR); "
                        "leave it out")
        if not isinstance(value, str) or "\0" in value:
            raise usage(f"{where} must be text, not {value!r}")
        if value == "~" or value.startswith("~/"):
            import os

            value = (environ.get("HOME") or os.path.expanduser("~")) + value[1:]
        out.append((key, value))
    return tuple(out)


def get_preset(town: "Town", name: str, environ: Mapping[str, str]) -> AgentPreset:
    """A town definition wins over a built-in of the same name (so users can retune one)."""
    own = town_agents(town).get(name)
    if own is not None:
        base = builtin_preset(name, environ)
        return AgentPreset(name, parse_command(name, str(own["command"])), "town",
                           own.get("ready_prompt", base.ready_prompt if base else None),
                           str(own.get("description", "")),
                           parse_env(name, own.get("env") or {}, environ))
    preset = builtin_preset(name, environ)
    if preset is None:
        known = ", ".join(all_agent_names(town))
        raise usage(f"unknown agent {name!r} (known: {known}); "
                    f"define it with `gt config agent set {name} \"COMMAND ARGS\"`")
    return preset


def all_agent_names(town: "Town") -> list[str]:
    names = builtin_names()
    return names + sorted(n for n in town_agents(town) if n not in names)


def list_presets(town: "Town", environ: Mapping[str, str]) -> list[AgentPreset]:
    return [get_preset(town, n, environ) for n in all_agent_names(town)]


def chosen_agent_name(town: "Town", rig: "Rig | str | None", override: str | None) -> str:
    """`--agent` > rig setting > town `default_agent` > claude."""
    return _choice(town, rig, override)[0]


def _choice(town: "Town", rig: "Rig | str | None", override: str | None) -> tuple[str, str]:
    """The agent's name and what chose it: "override", "rig:<name>" or "town"."""
    if override:
        return override, "override"
    if rig is not None:
        if isinstance(rig, str):
            rig = town.rig(rig)
        name = rig.settings().get("agent")
        if name:
            return str(name), f"rig:{rig.name}"
    return str(town.config().get("default_agent") or FALLBACK_AGENT), "town"


def sling_choices(town: "Town", rig: str | None) -> tuple[list[str], str]:
    """The agent presets a sling dialog offers and the one a sling into `rig` would start
    without `--agent` (rig > town > claude), so the dialog's default never overrides the
    rig's own setting. An unknown rig falls back to the town's choice; slinging reports it."""
    names = all_agent_names(town)
    try:
        return names, chosen_agent_name(town, rig or None, None)
    except TownError:
        return names, chosen_agent_name(town, None, None)


def missing_agents(town: "Town", names: list[str], environ: Mapping[str, str]) -> list[str]:
    """Of `names`, the presets whose executable is not on `PATH` (a sling to them would
    fail): a sling dialog marks them and never offers them first."""
    return [name for name in names if not _on_path(get_preset(town, name, environ).executable,
                                                    environ)]


def _on_path(exe: str, environ: Mapping[str, str]) -> bool:
    import os
    import shutil

    if "/" in exe:
        return os.access(exe, os.X_OK)
    return shutil.which(exe, path=environ.get("PATH")) is not None


def resolve_agent(town: "Town", rig: "Rig | str | None" = None, override: str | None = None,
                  environ: Mapping[str, str] | None = None) -> AgentPreset:
    """The agent to start, checked to be runnable: its executable must be on `PATH`."""
    import os

    environ = os.environ if environ is None else environ
    name, chosen_by = _choice(town, rig, override)
    preset = get_preset(town, name, environ)
    exe = preset.executable
    if not _on_path(exe, environ):
        raise TownError(f"agent {preset.name!r} needs {exe!r}, which is not on PATH: "
                        + _missing_hint(chosen_by, preset))
    return preset


def _missing_hint(chosen_by: str, preset: AgentPreset) -> str:
    """What to do, aimed at the setting that chose the agent: changing the town default does
    nothing for a command whose rig or `--agent` names the agent, and switching to demo does
    nothing when the failing agent is a hand-made [agents.demo] that replaced the built-in."""
    if preset.source == "town" and preset.name in SPECIAL:
        return (f"install it, or fix or delete [agents.{preset.name}] in settings/config.toml "
                f"(it replaces the built-in {preset.name}: {SPECIAL[preset.name]}), or pick "
                "another with --agent")
    if chosen_by == "override":
        return "install it, or pick another with --agent (--agent demo runs the built-in " \
               "scripted agent)"
    if chosen_by.startswith("rig:"):
        rig = chosen_by[len("rig:"):]
        return (f"install it, pick another with --agent, or change rig {rig!r}'s agent with "
                f"`gt config set agent demo --rig {rig}`")
    return "install it, pick another with --agent, or run `gt config default-agent demo`"
