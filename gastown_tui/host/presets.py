"""What the host knows about agent programs beyond their command line: which state-detection
preset reads their screen, and the start-up dialogs it answers for them."""

from __future__ import annotations

import dataclasses
import re
from typing import Sequence

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
