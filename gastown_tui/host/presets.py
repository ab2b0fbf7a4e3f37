"""What the host knows about agent programs beyond their command line: which state-detection
preset reads their screen, and the start-up dialogs it answers for them."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Mapping, Sequence

from ..term.state import PRESETS, Preset, preset_for_argv

DEMO = Preset(
    "demo",
    busy=(re.compile(r"(?i)\besc to interrupt\b", re.MULTILINE),),
    prompt=(re.compile(r"^>(?: |$)", re.MULTILINE),),
    busy_title=re.compile(r"^\s*[\u2800-\u28ff]"),
    idle_title=re.compile(r"^\s*✳"),
    quiet=0.4,
)


def wants_first_prompt(family: str) -> bool:
    """AI agents are told to run `gt prime` once they are up; the demo agent primes itself and
    a shell would run the words as a command. `family` is the state preset's name."""
    return family not in ("demo", "shell")


def resume_argv(family: str, argv: Sequence[str], cwd: Path | None,
                environ: Mapping[str, str]) -> list[str]:
    """The command line that picks up the agent's latest conversation in `cwd` (a hook
    resumed, a stalled agent restarted). `family` is the state preset's name.

    Claude Code's `--continue` ends at once when the folder has no conversation yet ("No
    conversation found to continue"), so it is given only when one is recorded in the agent's
    config folder. Gemini CLI's `--resume latest` and Codex's `resume --last` (a subcommand
    that takes the same options) start a new conversation when there is none."""
    argv = list(argv)
    if family == "claude":
        from ..town.transcripts import claude_dirs, claude_folder

        folders = {claude_folder(str(cwd)), claude_folder(os.path.realpath(cwd))} if cwd else ()
        recorded = any(next((d / f).glob("*.jsonl"), None) is not None
                       for d in claude_dirs(environ) for f in folders)
        return argv + ["--continue"] if recorded else argv
    if family == "gemini":
        return argv + ["--resume", "latest"]
    if family == "codex" and argv[1:2] != ["resume"]:
        return argv[:1] + ["resume", "--last"] + argv[1:]
    return argv


def term_preset(agent: str, argv: Sequence[str]) -> Preset:
    if agent == "demo":
        return DEMO
    if agent in PRESETS:
        return PRESETS[agent]
    return preset_for_argv(argv)


@dataclasses.dataclass(frozen=True)
class Dialog:
    """A question an agent asks at start that the town answers the same way every time."""

    name: str
    pattern: re.Pattern[str]
    keys: tuple[str, ...]


# Each trust question as older and current releases word it (the current ones are recorded in
# tests/term/recordings); the first choice, selected at start, trusts.
DIALOGS: dict[str, tuple[Dialog, ...]] = {
    "claude": (
        Dialog("folder trust", re.compile(r"(?i)do you trust the files in this folder"
                                          r"|❯ 1\. Yes, I trust this folder"), ("enter",)),
        Dialog("bypass permissions", re.compile(r"(?i)bypass permissions mode"),
               ("down", "enter")),
    ),
    "codex": (
        Dialog("folder trust", re.compile(r"(?i)allow codex to work in this folder"
                                          r"|› 1\. Trust and continue"), ("enter",)),
    ),
    "gemini": (
        Dialog("folder trust", re.compile(r"(?i)do you trust (?:the files in )?this folder"),
               ("enter",)),
    ),
}


def dialog_for(agent: str, screen_text: str, answered: set[str]) -> Dialog | None:
    for dialog in DIALOGS.get(agent, ()):
        if dialog.name not in answered and dialog.pattern.search(screen_text):
            return dialog
    return None
