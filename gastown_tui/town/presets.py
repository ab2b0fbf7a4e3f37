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


@dataclasses.dataclass(frozen=True)
class AgentPreset:
    """How to start one kind of agent. `argv` is final: resolved, split, ready to exec."""

    name: str
    argv: tuple[str, ...]
    source: str = "builtin"  # builtin | town
    ready_prompt: str | None = None
    description: str = ""

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


def get_preset(town: "Town", name: str, environ: Mapping[str, str]) -> AgentPreset:
    """A town definition wins over a built-in of the same name (so users can retune one)."""
    own = town_agents(town).get(name)
    if own is not None:
        base = builtin_preset(name, environ)
        return AgentPreset(name, parse_command(name, str(own["command"])), "town",
                           own.get("ready_prompt", base.ready_prompt if base else None),
                           str(own.get("description", "")))
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


def resolve_agent(town: "Town", rig: "Rig | str | None" = None, override: str | None = None,
                  environ: Mapping[str, str] | None = None) -> AgentPreset:
    """The agent to start, checked to be runnable: its executable must be on `PATH`."""
    import os
    import shutil

    environ = os.environ if environ is None else environ
    name, chosen_by = _choice(town, rig, override)
    preset = get_preset(town, name, environ)
    exe = preset.executable
    found = shutil.which(exe, path=environ.get("PATH")) if "/" not in exe else (
        exe if os.access(exe, os.X_OK) else None)
    if not found:
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
