"""Agent state detection on recorded screens of claude, codex, gemini and a shell prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from gastown_tui.term.state import (PRESETS, AgentState, Observation, StateTracker, classify,
                                    preset_for_argv)

RECORDINGS = Path(__file__).parent / "recordings"
BUSY, WAITING, IDLE, UNKNOWN, EXITED = (AgentState.BUSY, AgentState.WAITING, AgentState.IDLE,
                                        AgentState.UNKNOWN, AgentState.EXITED)


def recorded(name: str, quiet_for: float, foreground_job: bool | None = None) -> Observation:
    """A recording: `title:` header, `---`, then the screen; the cursor is on its last line."""
    header, _, screen = (RECORDINGS / f"{name}.screen").read_text().partition("---\n")
    title = header.split("title:", 1)[1].strip()
    lines = screen.rstrip("\n").split("\n")
    return Observation(lines, title, len(lines) - 1, quiet_for, foreground_job=foreground_job)


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
