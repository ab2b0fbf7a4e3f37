"""Is the program in a terminal busy, waiting for a person, idle at its prompt, stopped by a
usage limit, or gone?

Each preset lists the signals one program gives (REFERENCE.md, "Agent state signals"; the
screens of claude, codex and gemini are recorded in tests/term/recordings): text near the
bottom of the screen that shows while it works ("esc to interrupt"), the dialogs and questions
that wait for a person (a folder-trust question, a sign-in choice, a permission prompt), the
messages that say a usage or rate limit was reached, its ready prompt, and window-title
glyphs. `read` turns one observation into a `Reading`: the state, a short reason a person can
act on ("trust this folder?", "permission: Bash(rm -rf build/)", "session limit") and, for a
limit, when it resets. `StateTracker` adds the quiet-time debounce: a visible prompt means idle
only after the screen has been quiet for `preset.quiet` seconds, so an agent that pauses
between tool calls is not reported idle. Signals that contradict each other (busy text beside
a question, a busy title over a quiet idle prompt) give ``unknown``: UIs change between
releases, and a wrong "idle" would have work typed into a busy agent.

Only the bottom of what is drawn is read (`scan_rows` rows, blank rows at the bottom dropped
and runs of blank rows counted once): dialogs and limit messages are there, while older
conversation text higher up may quote the same words. Dialog patterns are anchored to the
layout each UI draws (the start of a line, the choice list under a question), so an agent that
merely talks about "Do you trust..." or a person who types "rate limit reached" does not count.
A limit whose reset time has passed no longer counts either.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Sequence

from .resets import reset_time

__all__ = ["AgentState", "Preset", "PRESETS", "Observation", "Reading", "Signal", "Limit",
           "read", "classify", "StateTracker", "preset_for_argv"]


class AgentState(str, Enum):
    BUSY = "busy"
    WAITING = "waiting"
    IDLE = "idle"
    LIMITED = "limited"
    EXITED = "exited"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.MULTILINE) for p in patterns)


def _needle(pattern: re.Pattern[str]) -> str:
    """The longest text every match of `pattern` contains (its top-level literals), or "".
    A look tests `needle in text` first: a substring test costs a fraction of a regex search,
    and most signals are absent from most screens."""
    if pattern.flags & re.IGNORECASE:
        return ""
    from re import _parser

    best = run = ""
    for op, arg in _parser.parse(pattern.pattern, pattern.flags):
        run = run + chr(arg) if op is _parser.LITERAL else ""
        best = max(best, run, key=len)
    return best


@dataclass(frozen=True)
class Signal:
    """Something on screen that waits for a person. `reason` says what, in a few words;
    `{name}` in it is filled from the pattern's named group."""

    pattern: re.Pattern[str]
    reason: str
    needle: str = ""

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.needle in text else None


@dataclass(frozen=True)
class Limit:
    """A message that a usage or rate limit was reached. `reset` (group `when`) finds the
    reset time in the rows `pattern` matched and the few after them."""

    pattern: re.Pattern[str]
    reason: str
    reset: re.Pattern[str] | None = None
    needle: str = ""


def _sig(pattern: str, reason: str, needle: str | None = None) -> Signal:
    """`needle`: the text every match contains, where `_needle` cannot see it (alternatives)."""
    compiled = re.compile(pattern, re.MULTILINE)
    return Signal(compiled, reason, _needle(compiled) if needle is None else needle)


def _limit(pattern: str, reason: str, reset: str | None = None) -> Limit:
    compiled = re.compile(pattern, re.MULTILINE)
    return Limit(compiled, reason, re.compile(reset, re.IGNORECASE) if reset else None,
                 _needle(compiled))


@dataclass(frozen=True)
class Preset:
    name: str
    busy: tuple[re.Pattern[str], ...] = ()
    waiting: tuple[Signal, ...] = ()
    limits: tuple[Limit, ...] = ()
    prompt: tuple[re.Pattern[str], ...] = ()
    busy_title: re.Pattern[str] | None = None
    idle_title: re.Pattern[str] | None = None
    waiting_title: re.Pattern[str] | None = None
    # A job in the foreground (not the leader) means busy: true for shells, not for agent UIs
    # that run their tools in the background.
    foreground_job_is_busy: bool = False
    # With no other signal, fresh output means busy (programs this preset knows nothing of).
    output_means_busy: bool = False
    # Read only the cursor's line: a shell's prompt and questions are there, and old output
    # elsewhere on screen may look like either.
    cursor_line_only: bool = False
    quiet: float = 1.5
    scan_rows: int = 14


_BRAILLE_SPINNER = r"^\s*[\u2800-\u28ff]"
# The start of a line inside a dialog: indentation, a box border, a selection mark.
_IN = r"^[ \t│|]*"
_PICK = r"^[ \t│|]*(?:[❯›>●]\s*)?"
_SEL = r"^[ \t│|]*[❯›>●]\s*\d\. "  # the selected choice of a list: dialogs draw a cursor
# The rest of a line, then up to N lines, to a dialog's next part. Possessive (`*+`): no
# backtracking inside a line, so a look stays linear in the screen's size.
_ANY = r"[^\n]*+(?:\n[^\n]*+){0,%d}?\n"
_APOS = "['’]"
# Claude attaches its own messages (⎿) to the person's prompt or to the last step; a tool's
# output is attached to its `● Tool(...)` line and may print anything.
_NOT_UNDER_A_TOOL = r"^(?![ \t]*●)[ \t]*+\S[^\n]*+\n(?:[ \t]*\n)?"

PRESETS: dict[str, Preset] = {
    "claude": Preset(
        "claude",
        busy=_rx(r"esc to interrupt\b", r"Esc to interrupt\b"),
        waiting=(
            _sig(_IN + r"Bash command[ │]*\n(?:[ │]*\n)?[ │]*(?P<cmd>\S.*?)[ │]*$"
                 + _ANY % 8 + _IN + r"Do you want to proceed\?", "permission: Bash({cmd})"),
            _sig(_IN + r"Do you want to use this API key\?", "use ANTHROPIC_API_KEY?"),
            _sig(_IN + r"Do you want to proceed\?" + _ANY % 4 + _SEL, "permission"),
            _sig(_IN + r"Do you want to (?P<what>[^\n?]+)\?" + _ANY % 4 + _SEL,
                 "permission: {what}"),
            # Either choice may carry the cursor; a quoted list carries none.
            _sig(r"(?:" + _SEL + r"Yes, I trust this folder" + _ANY % 3 + _PICK + r"\d\. No"
                 + r"|" + _PICK + r"\d\. Yes, I trust this folder" + _ANY % 3 + _SEL + r"No)",
                 "trust this folder?", needle="Yes, I trust this folder"),
            _sig(_IN + r"Do you trust the files in this folder\?" + _ANY % 10 + _SEL,
                 "trust this folder?"),
            _sig(_IN + r"Choose the text style that looks best with your terminal"
                 + _ANY % 4 + _PICK + r"1\. ", "choose a theme"),
            _sig(_PICK + r"\d\. (?:Dark|Light) mode\b" + _ANY % 10 + _IN + r"Syntax theme: ",
                 "choose a theme"),
            _sig(_IN + r"Security notes:[ │]*" + _ANY % 12 + _IN
                 + r"Press Enter to continue", "security notes"),
            _sig(_IN + r"Select login method:", "sign in"),
            _sig(r"Not logged in · Run /login[ │]*$", "sign in (/login)"),
            _sig(_IN + r"Would you like to (?P<what>[^\n?]+)\?" + _ANY % 4 + _SEL,
                 "question: {what}"),
            _sig(_IN + r"❯\s*1\.\s+\S", "question"),
        ),
        limits=(
            _limit(_NOT_UNDER_A_TOOL + _IN + r"⎿\s+You" + _APOS
                   + r"ve hit your (?P<what>[^·\n]*[^·\s])",
                   "{what}", r"\bresets (?P<when>in [^·\n]+|[^·\n]+?\))"),
            _limit(_NOT_UNDER_A_TOOL + _IN + r"⎿\s+You" + _APOS
                   + r"re out of (?P<what>usage credits|extra usage)",
                   "out of {what}", r"\bresets (?P<when>in [^·\n]+|[^·\n]+?\))"),
            _limit(_NOT_UNDER_A_TOOL + _IN + r"⎿\s+Your org is out of usage",
                   "org out of usage"),
            _limit(_IN + r"(?:⎿|●)\s+API Error: (?:Request rejected \(429\)|Server is "
                   r"temporarily limiting requests)", "rate limited (429)"),
        ),
        prompt=_rx(r"^\s*(?:[│|]\s*)?[>❯](?:\s|$)"),
        busy_title=re.compile(_BRAILLE_SPINNER),
        idle_title=re.compile(r"^\s*✳"),
        # Its limit message sits above the options menu it opens and the prompt box.
        scan_rows=18,
    ),
    "codex": Preset(
        "codex",
        busy=_rx(r"esc\b[^\n]*\binterrupt\b", r"Esc\b[^\n]*\binterrupt\b"),
        waiting=(
            _sig(_IN + r"Would you like to run the following command\?" + _ANY % 6 + _IN
                 + r"\$ (?P<cmd>\S.*?)\s*$", "permission: {cmd}"),
            _sig(_IN + r"Would you like to (?P<what>[^\n?]+)\?" + _ANY % 12 + _SEL,
                 "permission: {what}"),
            _sig(r"(?i)\ballow command\?", "permission"),
            _sig(_IN + r"(?:Trust this folder\?|Allow Codex to work in this folder)",
                 "trust this folder?"),
            _sig(_IN + r"Do you trust the files in this folder\?", "trust this folder?"),
            _sig(_PICK + r"1\. Sign in with ChatGPT", "sign in"),
            _sig(_PICK + r"\d\. Use an OpenAI API key", "sign in"),
            _sig(_IN + r"Paste or type your API key", "sign in: API key"),
            _sig(_IN + r"Finish signing in via your browser", "sign in (browser)"),
            _sig(_IN + r"(?:✨\s*)?Update available[!· ]" + _ANY % 4 + _PICK
                 + r"1\. Update now", "update offered"),
            _sig(r"\[[yY]/[nN]\]", "question"),
            _sig(r"(?i)\bapprove\b[^\n]*\?", "question"),
        ),
        limits=(
            _limit(r"^■ You" + _APOS + r"ve hit your usage limit", "usage limit",
                   r"\btry again (?P<when>(?:at|in) [^.]+)"),
            _limit(r"^■ (?:Usage limit reached|You" + _APOS + r"ve reached your usage limit)",
                   "usage limit", r"\btry again (?P<when>(?:at|in) [^.]+)"),
            _limit(r"^■ You" + _APOS + r"re out of credits", "out of credits"),
            _limit(r"^■ exceeded retry limit, last status: 429\b", "rate limited (429)"),
        ),
        prompt=_rx(r"^\s*›(?:\s|$)"),
        busy_title=re.compile(_BRAILLE_SPINNER),
        waiting_title=re.compile(r"Action Required"),
    ),
    "gemini": Preset(
        "gemini",
        busy=_rx(r"\(esc to cancel\b"),
        waiting=(
            _sig(_IN + r"\?\s+(?P<tool>\w+)\s+(?P<cmd>\S.*?)[ │]*$" + _ANY % 10 + _IN
                 + r"Allow execution of\b", "permission: {tool}({cmd})"),
            _sig(_IN + r"Allow execution\b", "permission"),
            _sig(_IN + r"Apply this change\?", "permission: apply this change"),
            _sig(r"(?i)waiting for user confirmation", "question"),
            _sig(_IN + r"Do you want to proceed\?", "permission"),
            _sig(_IN + r"Do you trust the files in this folder\?" + _ANY % 12 + _SEL,
                 "trust this folder?"),
            _sig(_IN + r"How would you like to authenticate", "sign in"),
            _sig(_IN + r"\(Use Enter to select\)" + _ANY % 3 + _IN
                 + r"Terms of Services and Privacy Notice for Gemini CLI", "sign in"),
            _sig(_IN + r"Enter Gemini API Key", "sign in: API key"),
            _sig(_IN + r"\(Press Enter to submit, Esc to cancel, Ctrl\+C to clear stored key\)",
                 "sign in: API key"),
        ),
        limits=(
            _limit(_IN + r"Usage limit reached for (?P<what>\S.*?)\.[ │]*$",
                   "usage limit: {what}", r"\bAccess resets at (?P<when>[^.]+)\."),
            _limit(_IN + r"You have exhausted your daily quota", "daily quota"),
            # The API error it prints once a quota dialog is answered "Stop".
            _limit(_IN + r"✕ \[API Error: " + _ANY % 4 + _IN
                   + r"Please wait and try again later\. To increase your limits",
                   "quota exceeded", r"\bretry (?P<when>after \d[\w.]*)"),
            _limit(_IN + r"Please wait and try again later\. To increase your limits",
                   "quota exceeded"),
        ),
        prompt=_rx(r"^\s*(?:[│|]\s*)?>\s", r"Type your message"),
        busy_title=re.compile(_BRAILLE_SPINNER + r"|^\s*✦\s+Working"),
        idle_title=re.compile(r"^\s*◇\s+Ready"),
        waiting_title=re.compile(r"Action Required"),
        # Under its messages: a tall prompt box and footer (8 rows at 80 columns).
        scan_rows=20,
    ),
    "shell": Preset(
        "shell",
        waiting=(_sig(r"\[[yY]/[nN]\]\s*$", "question"),
                 _sig(r"\((?:yes/no|y/n)[^)]*\)\??\s*$", "question"),
                 _sig(r"(?i)password[^\n:]*:\s*$", "password")),
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
REASON_CHARS = 60


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
    now: datetime | None = None  # aware; reset times without a zone are in its zone


@dataclass(frozen=True)
class Reading:
    state: AgentState
    reason: str = ""                 # what waits or what limit, in a few words
    resets_at: float | None = None   # a limit's end (epoch seconds), when the message says


def _reason(template: str, m: re.Match[str]) -> str:
    groups = {k: " ".join((v or "").split()) for k, v in m.groupdict().items()}
    text = template.format(**groups) if groups else template
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS - 1] + "…"


def _scanned(preset: Preset, lines: list[str]) -> list[str]:
    """The bottom of what is drawn: trailing blank rows dropped, a run of blank rows kept as
    one (agents draw their prompt at the bottom and the conversation from the top)."""
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return out[-preset.scan_rows:] if preset.scan_rows else out


def _limit_hit(preset: Preset, rows: list[str], now: datetime) -> Reading | None:
    """The lowest limit message on screen whose reset time (if it gives one) is ahead."""
    text = "\n".join(rows)
    width = max((len(r) for r in rows), default=0)
    best: tuple[int, Reading] | None = None
    for limit in preset.limits:
        if limit.needle not in text:
            continue
        for m in limit.pattern.finditer(text):
            resets = None
            if limit.reset is not None:
                first, last = text.count("\n", 0, m.start()), text.count("\n", 0, m.end())
                found = limit.reset.search(_joined(rows[first:last + 4], width))
                if found:
                    when = reset_time(found.group("when"), now)
                    if when is not None and when <= now:
                        continue  # over: an old message still on screen
                    resets = when.timestamp() if when is not None else None
            if best is None or m.end() > best[0]:
                best = (m.end(), Reading(AgentState.LIMITED, _reason(limit.reason, m),
                                           resets))
    return best[1] if best else None


def _joined(rows: list[str], width: int) -> str:
    """A message and the rows it wrapped onto, as one line: a row filled to the edge was cut
    by the terminal (mid-word), a shorter one by the program (at a space)."""
    out, prev = "", None
    for row in rows:
        if not row.strip():
            continue
        out += ("" if prev is None or len(prev) >= width else " ") + row.strip()
        prev = row
    return out


def read(preset: Preset, obs: Observation, limits: bool = True) -> Reading | None:
    """What these signals show, or None when the prompt is up but the screen is not yet quiet
    long enough to call it idle (the caller keeps its previous reading). `limits=False` reads
    past limit messages (one known to be over)."""
    if obs.exited:
        return Reading(AgentState.EXITED)
    lines = list(obs.lines)
    rows = _scanned(preset, lines)
    text = "\n".join(rows)
    if preset.cursor_line_only:
        y = obs.cursor_y if obs.cursor_y is not None else len(lines) - 1
        text = lines[y] if 0 <= y < len(lines) else ""

    busy_screen = any(p.search(text) for p in preset.busy)
    busy_title = bool(preset.busy_title and preset.busy_title.search(obs.title))
    idle_title = bool(preset.idle_title and preset.idle_title.search(obs.title))
    asks = next(((s, m) for s in preset.waiting for m in [s.search(text)] if m), None)
    waiting_title = bool(preset.waiting_title and preset.waiting_title.search(obs.title))
    prompt = any(p.search(text) for p in preset.prompt)
    job = bool(preset.foreground_job_is_busy and obs.foreground_job)
    quiet = obs.quiet_for >= preset.quiet

    if limits and preset.limits and not busy_screen:
        hit = _limit_hit(preset, rows, obs.now or datetime.now().astimezone())
        if hit is not None:
            return hit
    waiting = asks is not None or waiting_title
    if busy_screen and (waiting or idle_title):
        return Reading(AgentState.UNKNOWN)
    if waiting:
        return Reading(AgentState.WAITING,
                       _reason(asks[0].reason, asks[1]) if asks else "action required")
    if busy_screen or job:
        return Reading(AgentState.BUSY)
    if busy_title:
        # Spinners animate; a busy title over a screen quiet for long is a stale title.
        if quiet and prompt and obs.quiet_for >= 2 * preset.quiet:
            return Reading(AgentState.UNKNOWN)
        return Reading(AgentState.BUSY)
    if prompt:
        return Reading(AgentState.IDLE) if quiet else None
    if not quiet and preset.output_means_busy:
        return Reading(AgentState.BUSY)
    if idle_title and quiet:
        return Reading(AgentState.IDLE)
    return Reading(AgentState.UNKNOWN) if quiet else None


def classify(preset: Preset, obs: Observation) -> AgentState | None:
    """`read`'s state alone."""
    reading = read(preset, obs)
    return reading.state if reading is not None else None


@dataclass
class StateTracker:
    """The current reading of one session, changed only by `update`."""

    preset: Preset
    reading: Reading = field(default_factory=lambda: Reading(AgentState.UNKNOWN))
    changes: int = field(default=0)
    # The reason of a limit whose message stayed on screen past its reset time: over.
    _over: str | None = field(default=None, repr=False)

    @property
    def state(self) -> AgentState:
        return self.reading.state

    def update(self, obs: Observation) -> bool:
        """Take a new observation; True when the state, its reason or its reset time
        changed."""
        new = read(self.preset, obs)
        if new is not None and new.state is not AgentState.LIMITED:
            self._over = None  # no limit on screen, or the agent works: a new one counts
        elif new is not None:
            old = self.reading
            if (old.state is AgentState.LIMITED and old.reason == new.reason
                    and old.resets_at is not None):
                now = (obs.now or datetime.now().astimezone()).timestamp()
                if now < old.resets_at:
                    # The same message read again: a relative time ("try again in 2h") moves
                    # with the clock, and "resets 3pm" is not yet due.
                    new = old
                else:
                    # Still on screen once due ("resets 3pm" then reads as tomorrow's 3pm).
                    self._over = new.reason
            if self._over == new.reason:
                new = read(self.preset, obs, limits=False)
        if new is None or new == self.reading:
            return False
        self.reading = new
        self.changes += 1
        return True

    def recheck_after(self, quiet_for: float, now: float | None = None) -> float | None:
        """Seconds until the state could change with no new output, if it could: the
        quiet-time debounce, or a limit's reset time passing (`now`: epoch seconds)."""
        for limit in (self.preset.quiet, 2 * self.preset.quiet):
            if quiet_for < limit:
                return limit - quiet_for
        if self.reading.state is AgentState.LIMITED and self.reading.resets_at is not None:
            return max(0.0, self.reading.resets_at - (now or time.time())) + 1.0
        return None
