"""Agent state detection on recorded screens of claude, codex, gemini and a shell prompt.

`NAME.screen` files are the older hand-kept ones; `NAME_COLSxROWS.screen` files were recorded
from the real CLIs by scripts/record_agent_screens.py (their headers say the version, the keys
and the time). Near-misses are built from the recorded screens by moving their lines.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gastown_tui.term.resets import reset_time
from gastown_tui.term.state import (PRESETS, AgentState, Observation, StateTracker, classify,
                                    preset_for_argv, read)

RECORDINGS = Path(__file__).parent / "recordings"
BUSY, WAITING, IDLE, UNKNOWN, EXITED, LIMITED = (
    AgentState.BUSY, AgentState.WAITING, AgentState.IDLE, AgentState.UNKNOWN,
    AgentState.EXITED, AgentState.LIMITED)
SIZES = ("80x24", "120x40")


def screen_file(name: str) -> tuple[dict[str, str], list[str]]:
    """A recording: `key: value` header lines, `---`, then the screen."""
    header, _, screen = (RECORDINGS / f"{name}.screen").read_text().partition("---\n")
    fields = dict(line.split(":", 1) for line in header.splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in fields.items()}, screen.rstrip("\n").split("\n")


def recorded(name: str, quiet_for: float, foreground_job: bool | None = None,
             now: datetime | None = None) -> Observation:
    """The cursor is on the screen's last line; `now` is the recording's time unless given."""
    fields, lines = screen_file(name)
    if now is None and "time" in fields:
        now = datetime.fromisoformat(fields["time"].split(";")[0])
    return Observation(lines, fields.get("title", ""), len(lines) - 1, quiet_for,
                       foreground_job=foreground_job, now=now)


def reset_of(name: str) -> datetime:
    """When the stand-in API told the CLI its limit resets (the header says)."""
    return datetime.fromisoformat(screen_file(name)[0]["time"].split("resets ")[1])


@pytest.mark.parametrize("preset, name, quiet_for, expected", [
    ("claude", "claude_busy", 0.0, BUSY),
    ("claude", "claude_busy", 10.0, BUSY),
    ("claude", "claude_busy_title_only", 0.2, BUSY),
    ("claude", "claude_busy_title_only", 2.0, BUSY),
    # A spinner title that has not moved for long over a quiet prompt is a stale title.
    ("claude", "claude_busy_title_only", 5.0, UNKNOWN),
    ("claude", "claude_waiting", 0.0, WAITING),
    ("claude", "claude_waiting", 30.0, WAITING),
    ("claude", "claude_idle", 2.0, IDLE),
    ("claude", "claude_idle_new_prompt", 2.0, IDLE),
    ("claude", "claude_disagree", 0.5, UNKNOWN),
    ("codex", "codex_busy", 0.1, BUSY),
    ("codex", "codex_busy", 4.0, BUSY),
    ("codex", "codex_waiting", 0.0, WAITING),
    ("codex", "codex_idle", 2.0, IDLE),
    ("gemini", "gemini_busy", 0.0, BUSY),
    ("gemini", "gemini_waiting", 3.0, WAITING),
    ("gemini", "gemini_idle", 2.0, IDLE),
    ("shell", "shell_idle", 1.0, IDLE),
    ("shell", "shell_waiting", 1.0, WAITING),
    ("shell", "shell_busy", 0.1, BUSY),
    # Another program's UI is not read as this preset's prompt.
    ("claude", "codex_idle", 5.0, UNKNOWN),
    ("codex", "gemini_idle", 5.0, UNKNOWN),
])
def test_recorded_screens(preset, name, quiet_for, expected):
    assert classify(PRESETS[preset], recorded(name, quiet_for)) is expected


@pytest.mark.parametrize("name", ["claude_idle", "claude_idle_new_prompt", "codex_idle",
                                  "gemini_idle"])
def test_prompt_is_not_idle_until_the_screen_is_quiet(name):
    preset = PRESETS[name.split("_")[0]]
    assert classify(preset, recorded(name, 0.3)) is None
    assert classify(preset, recorded(name, preset.quiet)) is IDLE


def test_shell_with_a_foreground_job_is_busy_even_when_quiet():
    shell = PRESETS["shell"]
    assert classify(shell, recorded("shell_busy", 30.0, foreground_job=True)) is BUSY
    assert classify(shell, recorded("shell_busy", 30.0, foreground_job=False)) is UNKNOWN
    assert classify(shell, recorded("shell_idle", 30.0, foreground_job=False)) is IDLE


def test_exited_wins_over_any_screen():
    obs = recorded("claude_busy", 0.0)
    obs.exited = True
    assert classify(PRESETS["claude"], obs) is EXITED


def test_tracker_debounces_idle_and_reports_changes():
    tracker = StateTracker(PRESETS["claude"])
    assert tracker.state is UNKNOWN
    assert tracker.update(recorded("claude_busy", 0.0))
    assert tracker.state is BUSY
    # The prompt came back but the screen just changed: still busy.
    assert not tracker.update(recorded("claude_idle", 0.4))
    assert tracker.state is BUSY
    assert tracker.recheck_after(0.4) == pytest.approx(1.1)
    assert tracker.update(recorded("claude_idle", 1.6))
    assert tracker.state is IDLE
    assert tracker.update(recorded("claude_waiting", 0.0))
    assert tracker.state is WAITING
    assert tracker.changes == 3
    assert tracker.recheck_after(10.0) is None


@pytest.mark.parametrize("argv, preset", [
    (["claude", "--dangerously-skip-permissions"], "claude"),
    (["/usr/local/bin/codex"], "codex"),
    (["gemini", "--approval-mode", "yolo"], "gemini"),
    (["bash", "--norc"], "shell"),
    (["-zsh"], "shell"),
    (["amp", "--no-ide"], "generic"),
])
def test_preset_from_the_command(argv, preset):
    assert preset_for_argv(argv).name == preset


# -- the real CLIs, recorded (scripts/record_agent_screens.py) -----------------------------

# Every recorded scenario: its state and reason. A limit's reset time is checked against the
# one the stand-in API sent (the header's); `None` where the message gives no time.
REAL = {
    "claude_theme": (WAITING, "choose a theme"),
    "claude_security": (WAITING, "security notes"),
    "claude_trust": (WAITING, "trust this folder?"),
    "claude_prompt": (IDLE, ""),
    "claude_apikey": (WAITING, "use ANTHROPIC_API_KEY?"),
    "claude_no_login": (WAITING, "sign in (/login)"),
    "claude_permission": (WAITING, "permission: Bash(rm -rf build/)"),
    "claude_working": (BUSY, ""),
    "claude_talk": (IDLE, ""),
    "claude_typed": (IDLE, ""),
    "claude_limit": (LIMITED, "session limit"),
    "claude_limit_waiting": (LIMITED, "session limit"),
    "claude_limit_weekly": (LIMITED, "weekly limit"),
    "claude_limit_midturn": (LIMITED, "session limit"),
    "claude_usage_warning": (IDLE, ""),
    "claude_ratelimit": (LIMITED, "rate limited (429)"),
    "codex_signin": (WAITING, "sign in"),
    "codex_signin_other": (WAITING, "sign in"),
    "codex_apikey": (WAITING, "sign in: API key"),
    "codex_trust": (WAITING, "trust this folder?"),
    "codex_prompt": (IDLE, ""),
    "codex_update": (WAITING, "update offered"),
    "codex_permission": (WAITING, "permission: rm -rf build/"),
    "codex_working": (BUSY, ""),
    "codex_talk": (IDLE, ""),
    "codex_limit": (LIMITED, "usage limit"),
    "codex_limit_days": (LIMITED, "usage limit"),
    "codex_ratelimit": (LIMITED, "rate limited (429)"),
    "gemini_trust": (WAITING, "trust this folder?"),
    "gemini_auth": (WAITING, "sign in"),
    "gemini_apikey": (WAITING, "sign in: API key"),
    "gemini_prompt": (IDLE, ""),
    "gemini_permission": (WAITING, "permission: Shell(rm -rf build/)"),
    "gemini_working": (BUSY, ""),
    "gemini_talk": (IDLE, ""),
    "gemini_limit": (LIMITED, "usage limit: gemini-3.5-flash-lite"),
    "gemini_limit_daily": (LIMITED, "usage limit: gemini-3.5-flash-lite"),
    "gemini_limit_stopped": (LIMITED, "quota exceeded"),
}
NO_RESET_TIME = {"claude_ratelimit", "codex_ratelimit", "gemini_limit_daily"}


def test_every_recording_has_an_expectation():
    found = {p.stem for p in RECORDINGS.glob("*_*x*.screen")}
    assert found == {f"{name}_{size}" for name in REAL for size in SIZES}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", sorted(REAL))
def test_recorded_screen(name, size):
    state, reason = REAL[name]
    file = f"{name}_{size}"
    got = read(PRESETS[name.split("_")[0]], recorded(file, quiet_for=5.0))
    assert (got.state, got.reason) == (state, reason)
    if state is LIMITED and name not in NO_RESET_TIME:
        # The CLIs print minutes: the reset is the stand-in's, to the minute.
        assert abs(got.resets_at - reset_of(file).timestamp()) < 60
    else:
        assert got.resets_at is None


def test_a_prompt_is_idle_only_once_quiet_and_a_dialog_waits_at_once():
    claude = PRESETS["claude"]
    assert read(claude, recorded("claude_prompt_80x24", 0.2)) is None
    assert read(claude, recorded("claude_trust_80x24", 0.0)).state is WAITING
    assert read(claude, recorded("claude_limit_waiting_80x24", 0.0)).state is LIMITED


def _insert_after(lines: list[str], anchor: str, new: list[str]) -> list[str]:
    at = next(i for i, line in enumerate(lines) if anchor in line)
    return lines[:at + 1] + new + lines[at + 1:]


def test_a_limit_message_scrolled_above_the_scanned_rows_does_not_count():
    obs = recorded("claude_limit_waiting_80x24", 5.0)
    later = ["", "❯ carry on with the parser", ""] + [
        f"● Step {i}: the tokenizer keeps partial sequences between reads." for i in range(12)]
    near = Observation(_insert_after(list(obs.lines), "hit your", later[:6]), obs.title,
                       quiet_for=5.0, now=obs.now)
    assert read(PRESETS["claude"], near).state is LIMITED
    far = Observation(_insert_after(list(obs.lines), "hit your", later), obs.title,
                      quiet_for=5.0, now=obs.now)
    assert read(PRESETS["claude"], far).state is IDLE


@pytest.mark.parametrize("name", ["claude_limit_weekly_80x24", "codex_limit_days_120x40"])
def test_a_limit_with_a_date_past_its_reset_does_not_count(name):
    preset = PRESETS[name.split("_")[0]]
    after = reset_of(name) + timedelta(minutes=2)
    assert read(preset, recorded(name, 5.0)).state is LIMITED
    assert read(preset, recorded(name, 5.0, now=after)).state is IDLE


@pytest.mark.parametrize("name", ["claude_limit_waiting_80x24", "codex_limit_120x40"])
def test_a_limit_still_on_screen_after_its_reset_time_is_over(name):
    """"resets 3pm" read at 3:02pm is tomorrow's 3pm to a parser; the tracker knows it saw
    today's, and takes the message as over for good."""
    preset = PRESETS[name.split("_")[0]]
    tracker = StateTracker(preset)
    assert tracker.update(recorded(name, 5.0))
    reset = tracker.reading.resets_at
    assert (tracker.reading.state, reset) == (LIMITED, reset_of(name).replace(second=0)
                                              .timestamp())
    for later in (timedelta(minutes=2), timedelta(hours=5)):
        tracker.update(recorded(name, 5.0, now=reset_of(name) + later))
        assert tracker.state is IDLE


def test_limit_words_in_code_or_in_the_persons_prompt_do_not_count():
    """The words of a limit message in a tool's output and in what the person asked, on the
    real idle screen's conversation."""
    obs = recorded("claude_talk_80x24", 5.0)
    lines = list(obs.lines)
    start = next(i for i, line in enumerate(lines) if line.startswith("❯ remove"))
    end = next(i for i, line in enumerate(lines) if line.startswith("✻"))
    talk = [
        "❯ why does CI print \"You've hit your session limit · resets 3pm (Europe/Berlin)\"?",
        "",
        "● Bash(grep -rn 'hit your' tests/)",
        "  ⎿  You've hit your session limit · resets 3pm (Europe/Berlin)",
        "     tests/fixtures/limit.txt:1: rate limit reached",
        "",
        "● Update(src/client.py)",
        "    12 +    raise LimitError(\"API Error: Request rejected (429)\")",
        "",
    ]
    screen = lines[:start] + talk + lines[end:]
    got = read(PRESETS["claude"], Observation(screen, obs.title, quiet_for=5.0, now=obs.now))
    assert got.state is IDLE


@pytest.mark.parametrize("agent, mark, quoted", [
    ("gemini", "✦", ["✦ Gemini CLI's first run asks:", "  Do you trust the files in this folder?",
                     "  and then lists:", "  1. Trust folder", "  2. Don't trust"]),
    ("claude", "●", ["● Claude Code's first run asks whether you trust the folder:",
                     "  1. Yes, I trust this folder", "  2. No, exit",
                     "  Do you trust the files in this folder? was its older wording:",
                     "  1. Yes, proceed", "  2. No, exit"]),
])
def test_dialog_words_quoted_in_conversation_do_not_count(agent, mark, quoted):
    """An agent that explains the trust question, wrapped so the quote and its list start
    lines: the real dialogs draw a cursor on one choice, a quote draws none."""
    obs = recorded(f"{agent}_talk_80x24", 5.0)
    lines = list(obs.lines)
    at = next(i for i, line in enumerate(lines) if line.startswith(mark))
    screen = lines[:at] + quoted + lines[at + 1:]
    assert read(PRESETS[agent], Observation(screen, obs.title, quiet_for=5.0,
                                            now=obs.now)).state is IDLE
    # The same words as a dialog draws them, the cursor on the first choice, do count.
    chosen = [line.replace("  1. ", "❯ 1. ") for line in quoted]
    dialog = lines[:at] + chosen + lines[at + 1:]
    assert read(PRESETS[agent], Observation(dialog, obs.title, quiet_for=5.0,
                                            now=obs.now)).state is WAITING


def test_a_limit_wins_over_its_options_menu_and_busy_text_wins_over_a_limit():
    claude = PRESETS["claude"]
    menu = recorded("claude_limit_80x24", 5.0)
    assert "What do you want to do?" in "\n".join(menu.lines)
    assert read(claude, menu).state is LIMITED
    working = recorded("claude_working_80x24", 0.0)
    lines = _insert_after(list(working.lines), "❯ remove", [
        "  ⎿  You've hit your session limit · resets 3pm (Europe/Berlin)"])
    assert read(claude, Observation(lines, working.title, now=menu.now)).state is BUSY


def test_a_relative_reset_time_holds_still_and_the_tracker_looks_again_at_reset():
    codex = PRESETS["codex"]
    start = datetime(2026, 12, 6, 10, 0, tzinfo=timezone.utc)
    lines = ["■ exceeded retry limit, last status: 429 Too Many Requests",
             "■ You've hit your usage limit. Try again in 2h 13m.", "", "› Ask Codex"]
    tracker = StateTracker(codex)
    assert tracker.update(Observation(lines, quiet_for=5.0, now=start))
    first = tracker.reading
    assert (first.state, first.reason) == (LIMITED, "usage limit")
    assert first.resets_at == (start + timedelta(hours=2, minutes=13)).timestamp()
    assert not tracker.update(Observation(lines, quiet_for=6.0,
                                          now=start + timedelta(seconds=30)))
    assert tracker.reading is first
    assert tracker.recheck_after(10.0, start.timestamp()) == 2 * 3600 + 13 * 60 + 1
    # Past its reset, the same words (a moving "in 2h 13m") are an old message.
    tracker.update(Observation(lines, quiet_for=9000.0, now=start + timedelta(hours=2,
                                                                          minutes=14)))
    assert tracker.state is IDLE


@pytest.mark.parametrize("text, now, expected", [
    ("resets 3pm (Europe/Berlin)", "2026-12-06T10:37+01:00", "2026-12-06T15:00+01:00"),
    ("resets 3pm (Europe/Berlin)", "2026-12-06T16:00+01:00", "2026-12-07T15:00+01:00"),
    ("resets Dec 9, 3:09pm (Europe/Berlin)", "2026-12-06T10:00Z", "2026-12-09T15:09+01:00"),
    ("resets Jan 2, 9am (America/New_York)", "2026-12-30T10:00Z", "2027-01-02T09:00-05:00"),
    ("or try again at 12:41 PM.", "2026-12-06T10:37+01:00", "2026-12-06T12:41+01:00"),
    ("try again at Dec 8th, 2026 11:41 AM.", "2026-12-06T10:37+01:00",
     "2026-12-08T11:41+01:00"),
    ("Access resets at 6:41 AM EST.", "2026-12-06T10:37+01:00", "2026-12-06T06:41-05:00"),
    ("Access resets at 12:41 PM GMT+5:30.", "2026-12-06T06:00Z", "2026-12-06T12:41+05:30"),
    ("Please try again in 2h 13m", "2026-12-06T10:00Z", "2026-12-06T12:13Z"),
    ("retry in 1 hour 5 minutes", "2026-12-06T10:00Z", "2026-12-06T11:05Z"),
    ("resets 9am (Mars/Olympus)", "2026-12-06T10:00Z", None),
    ("Try again later.", "2026-12-06T10:00Z", None),
    ("build 3 failed at step 12", "2026-12-06T10:00Z", None),
])
def test_reset_times(text, now, expected):
    got = reset_time(text, datetime.fromisoformat(now))
    assert (got.isoformat() if got else None) == (
        datetime.fromisoformat(expected).isoformat() if expected else None)
