"""The screen's replies reach a real program through a real pty (`gt term capture`): every
query an agent CLI or editor sends gets its answer, read back by the program itself."""

from __future__ import annotations

import sys

from .conftest import gt_capture

QUERY_PROGRAM = r'''
import os, select, sys, termios, tty
QUERIES = [b"\x1b[c", b"\x1b[>c", b"\x1b[5n", b"\x1b[3;7H\x1b[6n", b"\x1b[?6n", b"\x1b[?2026$p",
           b"\x1b[?2026h\x1b[?2026$p\x1b[?2026l", b"\x1b[?2004h\x1b[?2004$p", b"\x1b[>q",
           b"\x1b]10;?\x07", b"\x1b]11;?\x1b\\", b"\x1b[18t"]
ENDS = (b"c", b"n", b"R", b"y", b"\x1b\\", b"\x07", b"t")
fd = sys.stdin.fileno()
old = termios.tcgetattr(fd)
tty.setraw(fd)
answers = []
try:
    for q in QUERIES:
        os.write(1, q)
        got = b""
        while select.select([fd], [], [], 2)[0]:
            got += os.read(fd, 1024)
            if got.endswith(ENDS):
                break
        answers.append(got)
finally:
    termios.tcsetattr(fd, termios.TCSADRAIN, old)
os.write(1, b"\x1b[2J\x1b[H")
for a in answers:
    print(repr(a)[2:-1])
'''

EXPECTED = [
    r"\x1b[?1;2c",                       # DA1
    r"\x1b[>84;0;0c",                    # DA2
    r"\x1b[0n",                          # DSR 5
    r"\x1b[3;7R",                        # DSR 6 after a CUP
    r"\x1b[?3;7R",                       # CSI ? 6 n
    r"\x1b[?2026;2$y",                   # DECRQM: synchronized output supported, reset
    r"\x1b[?2026;1$y",                   # ... and set while held
    r"\x1b[?2004;1$y",
    r"\x1bP>|gastown_tui 0.1.0\x1b\\",   # XTVERSION
    r"\x1b]10;rgb:e5e5/e5e5/e5e5\x07",   # OSC 10, answered with the query's terminator
    r"\x1b]11;rgb:0000/0000/0000\x1b\\",  # OSC 11
    r"\x1b[8;14;72t",                    # CSI 18 t: rows, columns
]


def test_every_query_is_answered_to_the_program(tmp_path, term_env):
    (tmp_path / "query.py").write_text(QUERY_PROGRAM)
    result = gt_capture(["--size", "72x14", "--delay", "0.3", "--timeout", "30", "--",
                         sys.executable, "query.py"], term_env, tmp_path)
    assert result.ok, result.error
    assert result.data.lines[:len(EXPECTED)] == EXPECTED
