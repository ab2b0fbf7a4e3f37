"""Key encodings against tmux as the oracle: tmux `send-keys` by name into a program that
records the bytes it reads, compared with `encode_key` for the same key.

Home/End are left out on purpose: tmux sends the VT220 forms (CSI 1~ / CSI 4~) where xterm, whose
PC-style keys this engine follows, sends CSI H / CSI F; ctrl+backspace has no tmux name."""

from __future__ import annotations

import sys
import textwrap
import time

import pytest

from gastown_tui.term.keys import encode_key

from .conftest import TmuxOracle, make_term_env

RECORDER = textwrap.dedent("""\
    import os, sys, tty
    tty.setraw(0)
    if sys.argv[2] == "app":
        os.write(1, b"\\x1b[?1h")
    os.write(1, b"ready\\r\\n")
    with open(sys.argv[1], "w") as out:
        while True:
            out.write(os.read(0, 100).hex() + "\\n")
            out.flush()
    """)

# (our name, tmux name)
KEYS = [
    ("up", "Up"), ("down", "Down"), ("left", "Left"), ("right", "Right"),
    ("ctrl+up", "C-Up"), ("shift+down", "S-Down"), ("alt+left", "M-Left"),
    ("ctrl+shift+right", "C-S-Right"), ("ctrl+alt+up", "C-M-Up"),
    ("ctrl+home", "C-Home"), ("shift+end", "S-End"),
    ("f1", "F1"), ("f2", "F2"), ("f3", "F3"), ("f4", "F4"), ("f5", "F5"), ("f6", "F6"),
    ("f7", "F7"), ("f8", "F8"), ("f9", "F9"), ("f10", "F10"), ("f11", "F11"), ("f12", "F12"),
    ("shift+f1", "S-F1"), ("ctrl+f4", "C-F4"), ("ctrl+f5", "C-F5"), ("alt+f12", "M-F12"),
    ("insert", "IC"), ("delete", "DC"), ("shift+delete", "S-DC"), ("pageup", "PPage"),
    ("pagedown", "NPage"), ("ctrl+pagedown", "C-NPage"), ("alt+pageup", "M-PPage"),
    ("backspace", "BSpace"), ("alt+backspace", "M-BSpace"), ("enter", "Enter"),
    ("alt+enter", "M-Enter"), ("tab", "Tab"), ("shift+tab", "BTab"), ("escape", "Escape"),
    ("ctrl+a", "C-a"), ("ctrl+z", "C-z"), ("ctrl+space", "C-Space"), ("alt+x", "M-x"),
    ("ctrl+alt+c", "C-M-c"), ("ctrl+/", "C-/"), ("ctrl+\\", "C-\\"), ("ctrl+]", "C-]"),
    ("ctrl+_", "C-_"), ("ctrl+2", "C-2"), ("space", "Space"),
]


def _tmux_bytes(tmp_path, mode: str) -> list[bytes]:
    work = tmp_path / mode
    work.mkdir()
    env = make_term_env(work / ".home")
    (work / "rec.py").write_text(RECORDER)
    log = work / "keys.log"
    tmux = TmuxOracle(work, env)
    try:
        tmux.run("start-server", ";", "set", "-g", "status", "off", ";", "new-session", "-d",
                 "-s", "oracle", "-x", "80", "-y", "24",
                 f"{sys.executable} {work / 'rec.py'} {log} {mode}")
        tmux.started = True
        deadline = time.monotonic() + 10
        while "ready" not in tmux.run("capture-pane", "-p", "-t", "oracle"):
            assert time.monotonic() < deadline, "the recorder did not start under tmux"
            time.sleep(0.02)
        got = []
        for _, name in KEYS:
            tmux.run("send-keys", "-t", "oracle", name)
            deadline = time.monotonic() + 5
            while True:
                lines = log.read_text().split("\n")[:-1] if log.exists() else []
                if len(lines) > len(got):
                    got.append(bytes.fromhex(lines[len(got)]))
                    break
                assert time.monotonic() < deadline, f"tmux sent nothing for {name}"
                time.sleep(0.01)
        return got
    finally:
        tmux.close()


@pytest.mark.parametrize("mode", ["normal", "app"])
def test_keys_encode_as_tmux_sends_them(tmp_path, mode):
    theirs = _tmux_bytes(tmp_path, mode)
    ours = [encode_key(k, application_cursor=mode == "app") for k, _ in KEYS]
    diff = [f"{k} ({t}): ours {o!r}, tmux {b!r}"
            for (k, t), o, b in zip(KEYS, ours, theirs) if o != b]
    assert not diff, "\n".join(diff)
