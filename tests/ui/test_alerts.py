"""The outer terminal hears of a notice: the OSC 9 / OSC 777 / bell bytes for each kind of
terminal, tmux's passthrough wrapping, and the app in a real tmux writing them to its pane
when the host sends a notice (`gt notify test`)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from gastown_tui.term.alerts import choose, sequence

from test_tmux import tmux  # noqa: F401 - the fixture


def test_sequences_for_each_terminal():
    assert sequence("osc9", "Gas Town", "demo/nux is waiting") == \
        "\x1b]9;Gas Town: demo/nux is waiting\x07"
    assert sequence("osc777", "Gas;Town", "a;b\x07\x1b[2Jc") == \
        "\x1b]777;notify;Gas,Town;a;b  [2Jc\x07"
    assert sequence("bell", "t", "b") == "\x07" and sequence("off", "t", "b") == ""
    assert sequence("osc9", "T", "x", tmux=True) == "\x1bPtmux;\x1b\x1b]9;T: x\x07\x1b\\"
    assert sequence("bell", "T", "x", tmux=True) == "\x07"   # tmux passes bells on itself
    for environ, method in (({"TERM_PROGRAM": "WezTerm"}, "osc9"),
                            ({"TERM_PROGRAM": "iTerm.app"}, "osc9"),
                            ({"TERM": "xterm-kitty"}, "osc9"),
                            ({"TERM": "xterm-256color", "WT_SESSION": "1"}, "osc9"),
                            ({"TERM": "foot"}, "osc777"),
                            ({"TERM": "rxvt-unicode-256color"}, "osc777"),
                            ({"TERM": "xterm-256color"}, "bell")):
        assert choose(environ) == (method, False), environ
    assert choose({"TERM": "xterm"}, "osc777") == ("osc777", False)
    assert choose({"TERM_PROGRAM": "WezTerm"}, "off") == ("off", False)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_the_app_in_tmux_writes_the_notice_through_passthrough(tmux, town_root, environ):
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_setting

    set_setting(find_town(town_root, {}), "notify_terminal", "osc9")
    out = town_root.parent / "pane-output"
    tmux.town = town_root
    tmux.start("gt; sleep 600", town_root)
    tmux.run("set-option", "-g", "allow-passthrough", "on")
    tmux.run("pipe-pane", "-O", "-t", "main", f"cat >> {out}")
    tmux.wait_for("Work 2 ready", timeout=30)
    told = subprocess.run(["gt", "notify", "test"], cwd=town_root, env=environ,
                          capture_output=True, text=True, timeout=60)
    assert told.returncode == 0, told.stderr
    assert "apps: 1 attached app tell" in told.stdout
    wanted = b"\x1bPtmux;\x1b\x1b]9;Gas Town: a test notice from gt notify test"
    deadline = time.monotonic() + 15
    while wanted not in (out.read_bytes() if out.exists() else b""):
        assert time.monotonic() < deadline, "the app never told its terminal"
        time.sleep(0.1)
    subprocess.run(["gt", "down"], cwd=town_root, env=environ, capture_output=True,
                   timeout=60)
