"""Is the program in a terminal busy, waiting for an answer, idle at its prompt, or gone?

Each preset lists the signals one program gives (REFERENCE.md, "Agent state signals"): text near
the bottom of the screen that shows while it works ("esc to interrupt"), a question that waits
for the person ("Do you want to proceed?", "[y/n]"), its ready prompt, and window-title glyphs.
`classify` turns one observation into a state; `StateTracker` adds the quiet-time debounce:
a visible prompt means idle only after the screen has been quiet for `preset.quiet` seconds, so
an agent that pauses between tool calls is not reported idle. Signals that contradict each other
(busy text beside a question, a busy title over a quiet idle prompt) give ``unknown``: UIs change
between releases, and a wrong "idle" would have work typed into a busy agent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Sequence

__all__ = ["AgentState", "Preset", "PRESETS", "Observation", "classify", "StateTracker",
           "preset_for_argv"]


class AgentState(str, Enum):
    BUSY = "busy"
    WAITING = "waiting"
    IDLE = "idle"
    EXITED = "exited"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.MULTILINE) for p in patterns)


@dataclass(frozen=True)
class Preset:
    name: str
    busy: tuple[re.Pattern[str], ...] = ()
    waiting: tuple[re.Pattern[str], ...] = ()
    prompt: tuple[re.Pattern[str], ...] = ()
    busy_title: re.Pattern[str] | None = None
    idle_title: re.Pattern[str] | None = None
    # A job in the foreground (not the leader) means busy: true for shells, not for agent UIs
    # that run their tools in the background.
    foreground_job_is_busy: bool = False
    # With no other signal, fresh output means busy (programs this preset knows nothing of).
    output_means_busy: bool = False
    # Read only the cursor's line: a shell's prompt and questions are there, and old output
    # elsewhere on screen may look like either.
    cursor_line_only: bool = False
    quiet: float = 1.5
    # Only the bottom of the screen is read: questions and spinners live there, while older
    # conversation text higher up may quote the same words.
    scan_rows: int = 14


_BRAILLE_SPINNER = r"^\s*[\u2800-\u28ff]"

PRESETS: dict[str, Preset] = {
    "claude": Preset(
        "claude",
        busy=_rx(r"(?i)\besc to interrupt\b"),
        waiting=_rx(r"Do you want to\b.*\?", r"Would you like to\b.*\?",
                    r"^\s*(?:[│|]\s*)?❯\s*1\.\s+\S"),
        prompt=_rx(r"^\s*(?:[│|]\s*)?[>❯](?:\s|$)"),
        busy_title=re.compile(_BRAILLE_SPINNER),
        idle_title=re.compile(r"^\s*✳"),
    ),
    "codex": Preset(
        "codex",
        busy=_rx(r"(?i)\besc\b[^\n]*\binterrupt\b"),
        waiting=_rx(r"\[[yY]/[nN]\]", r"(?i)\ballow command\?", r"(?i)would you like to run\b",
                    r"(?i)\bapprove\b[^\n]*\?"),
        prompt=_rx(r"^\s*›(?:\s|$)"),
    ),
    "gemini": Preset(
        "gemini",
        busy=_rx(r"(?i)\besc to cancel\b"),
        waiting=_rx(r"(?i)\bapply this change\?", r"(?i)\ballow execution\b",
                    r"(?i)waiting for user confirmation", r"(?i)\bdo you want to proceed\?"),
        prompt=_rx(r"^\s*(?:[│|]\s*)?>\s", r"Type your message"),
        busy_title=re.compile(_BRAILLE_SPINNER),
    ),
    "shell": Preset(
        "shell",
        waiting=_rx(r"\[[yY]/[nN]\]\s*$", r"\((?:yes/no|y/n)[^)]*\)\??\s*$",
                    r"(?i)password[^\n:]*:\s*$"),
        prompt=_rx(r"[$#%>❯]\s*$"),
        foreground_job_is_busy=True,
        output_means_busy=True,
        cursor_line_only=True,
        quiet=0.5,
    ),
    "generic": Preset("generic", output_means_busy=True, quiet=3.0),
}

_SHELLS = {"sh", "bash", "zsh", "fish", "dash", "ksh", "tcsh", "csh", "nu", "xonsh"}
_AGENTS = {"claude": "claude", "codex": "codex", "gemini": "gemini"}


def preset_for_argv(argv: Sequence[str]) -> Preset:
    """The preset for a command line when none was named: by the program's base name."""
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    if name in _AGENTS:
        return PRESETS[_AGENTS[name]]
    if name.lstrip("-") in _SHELLS:
        return PRESETS["shell"]
    return PRESETS["generic"]


@dataclass
class Observation:
    """What the detector looks at, taken from a live session or a recorded screen."""

    lines: Sequence[str]
    title: str = ""
    cursor_y: int | None = None
    quiet_for: float = 0.0
    exited: bool = False
    foreground_job: bool | None = None  # a process group other than the leader's has the tty


def _search(patterns: Sequence[re.Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def classify(preset: Preset, obs: Observation) -> AgentState | None:
    """The state these signals show, or None when the prompt is up but the screen is not yet
    quiet long enough to call it idle (the caller keeps its previous state)."""
    if obs.exited:
        return AgentState.EXITED
    lines = list(obs.lines)
    bottom = lines[-preset.scan_rows:] if preset.scan_rows else lines
    text = "\n".join(bottom)
    if preset.cursor_line_only:
        y = obs.cursor_y if obs.cursor_y is not None else len(lines) - 1
        text = lines[y] if 0 <= y < len(lines) else ""

    busy_screen = _search(preset.busy, text)
    busy_title = bool(preset.busy_title and preset.busy_title.search(obs.title))
    idle_title = bool(preset.idle_title and preset.idle_title.search(obs.title))
    waiting = _search(preset.waiting, text)
    prompt = _search(preset.prompt, text)
    job = bool(preset.foreground_job_is_busy and obs.foreground_job)
    quiet = obs.quiet_for >= preset.quiet

    if busy_screen and (waiting or idle_title):
        return AgentState.UNKNOWN
    if waiting:
        return AgentState.WAITING
    if busy_screen or job:
        return AgentState.BUSY
    if busy_title:
        # Spinners animate; a busy title over a screen quiet for long is a stale title.
        if quiet and prompt and obs.quiet_for >= 2 * preset.quiet:
            return AgentState.UNKNOWN
        return AgentState.BUSY
    if prompt:
        return AgentState.IDLE if quiet else None
    if not quiet and preset.output_means_busy:
        return AgentState.BUSY
    if idle_title and quiet:
        return AgentState.IDLE
    return AgentState.UNKNOWN if quiet else None


@dataclass
class StateTracker:
    """The current state of one session, changed only by `update`."""

    preset: Preset
    state: AgentState = AgentState.UNKNOWN
    changes: int = field(default=0)

    def update(self, obs: Observation) -> bool:
        """Take a new observation; True when the state changed."""
        new = classify(self.preset, obs)
        if new is None or new == self.state:
            return False
        self.state = new
        self.changes += 1
        return True

    def recheck_after(self, quiet_for: float) -> float | None:
        """Seconds until the debounce could change the state with no new output, if any."""
        for limit in (self.preset.quiet, 2 * self.preset.quiet):
            if quiet_for < limit:
                return limit - quiet_for
        return None
