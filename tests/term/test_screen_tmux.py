"""Raw byte files through tmux (the oracle) and through this screen: same text, same cursor.

Each case's bytes are `cat` into a detached tmux pane (raw mode, so nothing is translated) and
fed to `Screen`; `capture-pane -e -p` (line-drawing cells decoded, SGR dropped) must equal
`text_lines()`. Some cases are recorded from real programs (vim, less) run in a pty here.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from gastown_tui.term.charsets import unshift_acs
from gastown_tui.term.screen import Screen

from .conftest import gt_capture
from .test_stream import PIECES

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

COLS, ROWS = 40, 10

CASES: dict[str, bytes] = {
    "plain scrolling": b"".join(b"line %d xxxxx\r\n" % i for i in range(30)),
    "wrap": b"a" * 95 + b"\r\nnext",
    "wide char in last column": b"x" * 39 + "中文".encode() + b"end",
    "cjk emoji combining zwj": "中文 😀 e\u0301 ❤\ufe0f x 👨\u200d👩\u200d👧 y".encode(),
    "alternate 1049": b"shell$ \x1b[?1049h\x1b[Hvim stuff\x1b[?1049lback",
    "alternate 47": b"shell$ \x1b[?47h\x1b[Hvim stuff\x1b[?47lback",
    "csi s u": b"abc\x1b[s\x1b[5;5Hxx\x1b[uZ",
    "su sd": b"".join(b"r%d\r\n" % i for i in range(9)) + b"r9\x1b[2S\x1b[1T",
    "rep cbt": b"a\x1b[5b\tX\x1b[ZY",
    "private prefixes": b"\x1b[>4;2mplain\x1b[<1m\x1b[=5c ok",
    "dcs apc pm sos": b"A\x1bPq#0;2;0;0;0#1!14~\x1b\\B\x1b_Gf=24;AAAA\x1b\\C\x1b^pm\x1b\\D\x1bXsos\x1b\\E",
    "colon sgr": b"\x1b[38:2::255:0:0mred\x1b[58:5:3m\x1b[4:3mcurly\x1b[0m",
    "erase": b"hello world\x1b[1;3H\x1b[K\r\nabcdef\x1b[3D\x1b[1K\r\nxyz\x1b[2D\x1b[X\x1b[P",
    "insert": b"abcdef\x1b[1;2H\x1b[2@XY\x1b[4hZ\x1b[4l",
    "scroll region": b"\x1b[2;5r" + b"".join(b"\x1b[5;1Hrow%d\n" % i for i in range(8)),
    "insert delete lines": b"1\r\n2\r\n3\r\n4\r\n5\x1b[2;1H\x1b[2L\x1b[4;1H\x1b[M",
    "dec graphics": b"\x1b(0lqqk\r\nx  x\r\nmqqj\x1b(B ok",
    "tabs": b"a\tb\tc\x1b[3g\r\x1bH\x1b[1;20H\x1bH\r\tT",
    "cr lf vt ff": b"abc\ndef\rX\x0bY\x0cZ",
    "no autowrap": b"\x1b[?7l" + b"x" * 50 + b"END\x1b[?7h",
    "origin mode": b"\x1b[3;6r\x1b[?6h\x1b[1;1HO\x1b[10;1HB\x1b[?6l",
    "backspace": b"abc\x08\x08X\x08\x08\x08\x08Y",
    "erase below": b"aaa\r\nbbb\r\nccc\x1b[2;2H\x1b[J",
    "erase above": b"aaa\r\nbbb\r\nccc\x1b[2;2H\x1b[1J",
    "reverse index at top": b"aaa\r\nbbb\x1b[H\x1bM\x1bMtop",
    "combining at column 0": b"\xcc\x81abc",
    "osc title and link": b"\x1b]0;hello\x07\x1b]2;x\x1b\\\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ end",
    "decaln": b"\x1b#8",
    "reset": b"abc\x1bc def",
    "cursor column and line": b"\x1b[5Gx\x1b[3dy\x1b[2`z\x1b[2ew\x1b[3aq",
    "clear keeps rows": b"".join(b"line %d\r\n" % i for i in range(15)) + b"\x1b[H\x1b[2Jafter",
    "sgr heavy": b"".join(b"\x1b[38;5;%dm%d\x1b[1m#\x1b[0m " % (i, i) for i in range(120)),
    "split utf8 and invalid": b"ok \xe4\xb8 \xff\xfe end",
    "huge params": b"\x1b[99999;99999Hx\x1b[99999Dy\x1b[0;0Hz",
    # The cursor just past the last column (a wrap pending): tmux's model, followed exactly.
    "pending wrap CUB": b"x" * 40 + b"\x1b[DZ",
    "pending wrap BS": b"x" * 40 + b"\x08Z",
    "pending wrap CR": b"x" * 40 + b"\rZ",
    "pending wrap LF": b"x" * 40 + b"\nZ",
    "pending wrap save restore": b"x" * 40 + b"\x1b7\x1b[5;5H\x1b8Z",
    "pending wrap ICH": b"x" * 40 + b"\x1b[2@Z",
    "pending wrap EL": b"x" * 40 + b"\x1b[KZ",
    "pending wrap tab": b"x" * 40 + b"\tZ",
    "pending wrap wide": b"x" * 40 + "中".encode(),
    "pending wrap ECH DCH": b"x" * 40 + b"\x1b[3X\x1b[PZ",
    "pending wrap CUU": b"\r\n" + b"x" * 40 + b"\x1b[AZ",
    "region at bottom keeps no history": b"".join(b"l%d\r\n" % i for i in range(12))
    + b"\x1b[1;5r\x1b[5;1H" + b"".join(b"\nr%d" % i for i in range(6)),
    "backspace over a wrap": b"x" * 83 + b"\r\x08\x08\x1b[40D\x08\x08Z",
    "backspace over a wrap after a wide char": "中文".encode() + b"x" * 39 + b"\x1b[Z\x08",
    "backspace after the wrap was erased": b"x" * 43 + b"\x1b[1;1H\x1b[K\x1b[2;1H\x08",
    "wide chars without autowrap": b"\x1b[?7l" + b"x" * 38 + "中文".encode() + b"\r\n"
    + b"x" * 39 + "中".encode() + b"y\r\n" + b"\x1b[?7h" + b"x" * 40 + b"\x1b[?7l" + "中".encode(),
    "insert line on the last row below the region": b"\x1b#8\x1b[2;5r\x1b[10;1H\x1b[2L",
    "insert line above the region": b"\x1b#8\x1b[4;6r\x1b[1;1Htop\x1b[L",
    "region in the middle": b"".join(b"l%d\r\n" % i for i in range(12)) + b"\x1b[3;10r\x1b[10;1H"
    + b"".join(b"\nr%d" % i for i in range(6)),
    "IL outside margins": b"1\r\n2\r\n3\r\n4\r\n5\x1b[2;3r\x1b[5;1H\x1b[L",
    "DL outside margins": b"1\r\n2\r\n3\r\n4\r\n5\x1b[2;3r\x1b[4;1H\x1b[M",
    "RI in margins": b"1\r\n2\r\n3\r\n4\r\n5\x1b[2;4r\x1b[2;1H\x1bMX",
    "SU in region": b"1\r\n2\r\n3\r\n4\r\n5\x1b[2;4r\x1b[2S",
    "CUU CUD stop at margins": b"1\r\n2\r\n3\r\n4\r\n5\x1b[3;4r\x1b[2;1H\x1b[5AX\x1b[9;1H\x1b[9BY",
    "tab at the end": b"\x1b[1;38H\t\tZ",
    "REP after wide, SGR, CUP": "中".encode() + b"\x1b[3ba\x1b[31m\x1b[3bb\x1b[2;1H\x1b[3b",
    "ED1 on a wide char": "中文字".encode() + b"\x1b[1;4H\x1b[1K",
    "combining after wide": "中\u0301x".encode(),
    "VS16": "\u2764\ufe0fx\u263a\ufe0fy".encode(),
    "skin tone": "👍🏽x".encode(),
    "flag": "🇺🇸x🇫".encode(),
    "LNM is ignored": b"\x1b[20ha\nb\x1b[20l\nc",
    "insert mode wide": b"abc\x1b[1;1H\x1b[4h" + "中".encode() + b"\x1b[4l",
    "insert mode overflow": b"x" * 39 + b"\x1b[1;1H\x1b[4hAB\x1b[4l",
    "VPA CHA bounds": b"\x1b[0dA\x1b[999dB\x1b[0GC",
    "CNL CPL": b"abc\x1b[2Ed\x1b[1Fe",
    "CUF past the end then back": b"\x1b[999Cx\x1b[3Dy",
    "no tab stops": b"\x1b[3g\ta",
    "DECSC keeps the charset": b"\x1b(0\x1b7\x1b(Bq\x1b8q",
    "SO SI": b"\x1b)0a\x0eq\x0fq",
    "DECSTR is ignored": b"\x1b[?7l\x1b[31m" + b"x" * 45 + b"\x1b[!p" + b"y" * 45,
    # Saved cursors and the alternate screen: tmux keeps one DECSC slot for both screens and
    # another for 1049; entering twice or leaving when not there changes nothing but the cursor.
    "decsc across 1049": b"\x1b[5;5H\x1b7\x1b[?1049h\x1b[2;2H\x1b7\x1b[?1049l\x1b8X",
    "1049 restore after decsc": b"\x1b[3;3H\x1b[?1049h\x1b[5;5H\x1b7\x1b[?1049lX\x1b8Y",
    "1049h twice": b"abc\x1b[?1049hhello\x1b[?1049hX",
    "1047h in 1049": b"\x1b[?1049hhello\x1b[?1047h",
    "47l not in alt": b"\x1b[1;40Hx\x1b[?47lY",
    "1049l not in alt": b"\x1b[3;3Hab\x1b[?1049lX",
    "1049l not in alt after 1049": b"\x1b[3;3H\x1b[?1049h\x1b[?1049l\x1b[6;6H\x1b[?1049lX",
    "decrc no save pen": b"\x1b[31m\x1b8X",
    "decrc no save charset": b"\x1b(0\x1b8q",
    "csi u no save": b"\x1b[5;5H\x1b[31m\x1b[uX",
    "zwj then ascii": "\U0001F468\u200dX".encode(),
    "zwj then emoji": "\U0001F468\u200d\U0001F469Y".encode(),
    "a zwj emoji": "a\u200d\U0001F469Y".encode(),
    # A joiner in the last column, then text drawn apart from it (after a NUL or an SGR).
    "zwj at a pending wrap then ascii": b"x" * 39 + "a\u200d".encode() + b"\x00 b",
    "zwj at a pending wrap then non-ascii": b"x" * 39 + "a\u200d".encode() + "\x1b[1m\u00e9x".encode(),
    "1049 pen saved": b"\x1b[31m\x1b[?1049h\x1b[32m\x1b[?1049lX",
    "47 keeps cursor": b"ab\x1b[?47h\x1b[3;3Hx\x1b[?47lY",
    "1047 cursor": b"ab\x1b[?1047h\x1b[3;3Hx\x1b[?1047lY",
    "1048 save": b"\x1b[4;4H\x1b[?1048h\x1b[1;1H\x1b[?1048lZ",
    "decsc autowrap": b"\x1b[?7l\x1b7\x1b[?7h\x1b8" + b"y" * 45,
    "decsc origin": b"\x1b[3;6r\x1b[?6h\x1b7\x1b[?6l\x1b8\x1b[1;1HO",
    "ris in alternate": b"main\x1b[?1049halt\x1bcX\x1b[?1049lY",
    "ris then decrc": b"\x1b[5;5H\x1b7\x1bc\x1b8X",
    "1049 in alt decsc slot": b"\x1b[2;2H\x1b7\x1b[?1049h\x1b8A\x1b[?1049l\x1b8B",
    "47h keeps pen in alt": b"\x1b[31m\x1b[?47hX\x1b[?47lY",
    "1049 charset": b"\x1b(0\x1b[?1049hq\x1b(B\x1b[?1049lq",
    "1049 wraps pending": b"x" * 40 + b"\x1b[?1049h\x1b[?1049lZ",
    "decsc pending then 1049": b"x" * 40 + b"\x1b7\x1b[?1049h\x1b8Q",
    "alt starts default bg": b"ab\x1b[44m\x1b[?1049hX\x1b[0m",
    "alt 47 bg": b"ab\x1b[44m\x1b[?47hX\x1b[0m\x1b[?47l",
    "DECSTBM homes in origin mode": b"\x1b[?6h\x1b[3;10rX",
    "DECALN homes and resets margins": b"\x1b[2;5r\x1b[?6h\x1b#8X\x1b[10;1HY\nZ",
    "IL keeps column": b"\x1b[3;7H\x1b[LX",
    "DL keeps column": b"a\r\nb\r\nc\x1b[2;7H\x1b[MX",
    "IL outside region column": b"\x1b[2;4r\x1b[6;7H\x1b[LX",
    "CBT from last": b"E" * 40 + b"\x1b[1;40H\x1b[ZX",
    "margins survive alternate": b"\x1b[3;10r\x1b[?1049h\x1b[?1047l\x1b[?6hX",
    "tabs survive alternate": b"\x1b[3g\x1b[1;5H\x1bH\x1b[?1049h\x1b[?1049l\r\tX",
    "insert mode flag": b"\x1b[4h" + "中文".encode() + b"\x1b[1;1H" + "🇺🇸".encode(),
    "flag at the last column": b"x" * 39 + "🇺🇸".encode(),
    "flag before the last column": b"x" * 38 + "🇺🇸".encode() + b"Z",
    "REP stops at the end of the line": b"a\x1b[500b\r\nb\x1b[2b",
    "REP from the middle": b"\x1b[1;30Hab\x1b[20bc",
    "REP with wrap pending": b"x" * 40 + b"\x1b[3bq",
    "esc inside dcs": b"A\x1bPq\x1b[31mB\x1b\\C",
    "esc esc inside dcs": b"A\x1bPtmux;\x1b\x1b]0;x\x07\x1b\\C",
    "esc inside apc": b"A\x1b_G\x1b[31mB\x1b\\C",
    "esc inside pm": b"A\x1b^G\x1b[31mB\x1b\\C",
    "esc inside sos": b"A\x1bXG\x1b[31mB\x1b\\C",
    "esc inside osc": b"A\x1b]0;t\x1b[31mB\x07C",
    "bel ends dcs": b"A\x1bPq\x07B\x1b\\C",
    "bel ends apc": b"A\x1b_q\x07B\x1b\\C",
    "can inside dcs": b"A\x1bPq\x18B",
    "REP after a private mode": b"o\x1b[?2026h\x1b[3b",
    "REP after an intermediate": b"o\x1b[0 q\x1b[3b",
    "REP after an OSC": b"o\x1b]0;t\x07\x1b[3b",
    "REP after a DCS": b"o\x1bPq\x1b\\\x1b[3b",
    "REP after SGR": b"o\x1b[31m\x1b[3b",
    "REP after a private REP": b"o\x1b[?3b\x1b[3b",
    "REP after an unknown CSI": b"o\x1b[5x\x1b[2b",
    "REP after DSR private": b"o\x1b[?6n\x1b[2b",
    "REP after a CSI with an intermediate": b"o\x1b[0!x\x1b[2b",
}


# Styles compared cell by cell with `capture-pane -e` (whatever SGR spelling each side uses).
STYLE_CASES: dict[str, bytes] = {
    "underline styles": b"\x1b[4ms\x1b[4:2md\x1b[4:3mc\x1b[4:4mo\x1b[4:5ma\x1b[4:0mn"
                        b"\x1b[21mD\x1b[24mx\x1b[4:1mS\x1b[4:7m?\x1b[0m.",
    "overline": b"\x1b[53mover\x1b[55mnot \x1b[1;53;31mboth\x1b[0m",
    "underline colour": b"\x1b[4;58;5;196mA\x1b[58:2::1:2:3mB\x1b[58;2;4;5;6mC\x1b[59mD"
                        b"\x1b[58:5:9mE\x1b[24mF\x1b[0mG",
    "attributes on and off": b"\x1b[1mb\x1b[2md\x1b[22;3mi\x1b[23;5mk\x1b[25;7mr\x1b[27;8mh"
                             b"\x1b[28;9ms\x1b[29m.\x1b[1;2mB\x1b[22mn",
    "colours": b"".join(b"\x1b[%dm%d" % (c, c % 10) for c in list(range(30, 38)) + list(range(90, 98)))
    + b"\x1b[39m|" + b"".join(b"\x1b[%dm%d" % (c, c % 10) for c in list(range(40, 48)) + list(range(100, 108)))
    + b"\x1b[49m|\x1b[38;5;17mq\x1b[48;5;231mw\x1b[38;2;1;2;3me\x1b[48:2::9:8:7mr\x1b[38:5:100mt\x1b[0m",
    "styles across scrolled lines": b"".join(b"\x1b[3%d;4%dmrow %d\x1b[0m\r\n" % (i % 8, (i + 3) % 8, i)
                                             for i in range(14)) + b"\x1b[4:3;58;5;2mend",
    "erase with a background": b"text\x1b[44m\x1b[K\r\n\x1b[42mxx\x1b[1K\x1b[0m\r\n\x1b[45m\x1b[2X\x1b[0m",
}


def _soup(seed: int) -> bytes:
    """Forty pieces of what programs send, picked at random (seeded, so always the same bytes).
    ASCII only and no ICH: wide characters and ICH reach the deliberate differences screen.py
    lists, which these cases would only rediscover."""
    extra = [b"\x1b[4:3m", b"\x1b[53m", b"\x1b[58;5;3m", b"\x1b[21m", b"\x1b[24m", b"\x1b[?6h",
             b"\x1b[?6l", b"\x1b[3;10r", b"\x1b[99;1H", b"\x1b[1;40H", b"x" * 39, b"\x1b[3P", b"\x1b[E",
             b"\x1b[F", b"\x1b[2b", b"\x1b[s", b"\x1b[u", b"\x1b[3S", b"\x1b[2T", b"\x1b[?1047h",
             b"\x1b[?1047l", b"\x1b[?47h", b"\x1b[?47l", b"\x1b[2J", b"\x1b[1J", b"\x1b[0J", b"\x1b[3g",
             b"\x1bH", b"\x1b[?25l", b"\x1b#8", b"\x1b[2Z", b"\x1b[7m", b"\x1b[44m", b"\x1b[48;5;9m"]
    pieces = [p for p in PIECES + extra if p.isascii() and not p.endswith(b"@")]
    rnd = random.Random(seed)
    return b"".join(rnd.choice(pieces) for _ in range(40))


SOUP = {"soup %d" % seed: _soup(seed) for seed in range(60)}

_SGR_TOKEN = re.compile(r"\x1b\[([0-9;:]*)m|\x1b\]8;[^\x1b\x07]*(?:\x1b\\|\x07)|(.)", re.DOTALL)
_ON = {1: "bold", 2: "dim", 3: "italic", 5: "blink", 7: "reverse", 8: "hidden", 9: "strike",
       53: "overline"}
_OFF = {22: ("bold", "dim"), 23: ("italic",), 25: ("blink",), 27: ("reverse",), 28: ("hidden",),
        29: ("strike",), 55: ("overline",), 39: ("fg",), 49: ("bg",), 59: ("ul_colour",)}


def _sgr_into(params: str, style: dict) -> None:
    """Apply one SGR to a plain dict of visible attributes. Colours become ("p", index) or
    ("rgb", r, g, b) so that 31, 38;5;1 and 38:5:1 compare equal."""
    codes = [[int(x or 0) for x in p.split(":")] for p in (params or "0").split(";")]
    i = 0
    while i < len(codes):
        head, sub = codes[i][0], codes[i][1:]
        i += 1
        if head == 0:
            style.clear()
        elif head == 4:
            n = sub[0] if sub else 1
            if n == 0:
                style.pop("underline", None)
            elif n <= 5:
                style["underline"] = n
        elif head == 21:
            style["underline"] = 2
        elif head == 24:
            style.pop("underline", None)
        elif head == 5 and sub == [3]:
            # tmux 3.3a's capture-pane writes SGR 53 (overline) as "5:3".
            style["overline"] = True
        elif head in _ON:
            style[_ON[head]] = True
        elif head in _OFF:
            for name in _OFF[head]:
                style.pop(name, None)
        elif 30 <= head <= 37 or 90 <= head <= 97:
            style["fg"] = ("p", head - 30 if head < 90 else head - 82)
        elif 40 <= head <= 47 or 100 <= head <= 107:
            style["bg"] = ("p", head - 40 if head < 100 else head - 92)
        elif head in (38, 48, 58):
            args = sub if sub else [c[0] for c in codes[i:i + 4]]
            if args[:1] == [5]:
                colour, used = ("p", args[1]), 2
            else:
                rgb = args[-3:] if sub and len(args) > 4 else args[1:4]
                colour, used = ("rgb", *rgb), 4
            style[{38: "fg", 48: "bg", 58: "ul_colour"}[head]] = colour
            if not sub:
                i += used


def styled_cells(lines: list[str]) -> list[list[tuple[str, tuple]]]:
    """Each line as (character, style) pairs, trailing spaces dropped; SGR state carries from
    line to line as in tmux's output (ours starts every line from the default style)."""
    style: dict = {}
    out = []
    for line in lines:
        cells = []
        for m in _SGR_TOKEN.finditer(line):
            if m.group(1) is not None:
                _sgr_into(m.group(1), style)
            elif m.group(2) is not None:
                cells.append((m.group(2), tuple(sorted(style.items()))))
        while cells and cells[-1][0] == " ":
            cells.pop()
        out.append(cells)
    return out


def _record(argv: list[str], keys: list[bytes], cols: int = COLS, rows: int = ROWS) -> bytes:
    """Run a real program in a pty, send keys, return every byte it wrote."""
    from ptyprocess import PtyProcess

    env = dict(os.environ, TERM="xterm-256color", LC_ALL="C.UTF-8")
    proc = PtyProcess.spawn(argv, dimensions=(rows, cols), env=env)
    out = bytearray()

    def drain(quiet: float, first: float = 0.0) -> None:
        """Read until the program is quiet for `quiet` s (at most 3 s: some never stop).

        `first` is how long to wait for the first byte: a program that imports a
        large library (rich) on a loaded machine can be silent for seconds before
        it draws anything, and that silence is not the end of its output."""
        import select
        if first:
            select.select([proc.fd], [], [], first)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.fd], [], [], quiet)
            if not ready:
                return
            try:
                chunk = os.read(proc.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            out.extend(chunk)

    try:
        drain(0.6, first=15)
        for key in keys:
            proc.write(key)
            drain(0.4)
    finally:
        if proc.isalive():
            proc.terminate(force=True)
        proc.close()
    return bytes(out)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("recorded")
    text = d / "notes.txt"
    text.write_text("".join("%03d the quick brown fox 中文 jumps\n" % i for i in range(60)))
    curses_app = d / "boxes.py"
    curses_app.write_text(CURSES_APP)
    cases = {}
    if shutil.which("vim"):
        cases["vim edit and quit"] = _record(
            ["vim", "-u", "NONE", "-i", "NONE", "-N", str(text)],
            [b"jjjdd", b"Ohello \xe4\xb8\xad\x1b", b"/fox\r", b":q!\r"])
    if shutil.which("less"):
        cases["less search"] = _record(["less", str(text)], [b"/jumps\r", b" ", b"G", b"q"])
    cases["python repl"] = _record(
        [sys.executable, "-q", "-i"],
        [b"print('\\x1b[1;31mred\\x1b[0m \\u4e2d\\u6587 \\U0001F600')\r", b"for i in range(30): print(i)\r\r",
         b"exit()\r"])
    # Recorded while it shows its boxes (killed after), so the screen under test is not blank.
    cases["curses boxes and colours"] = _record([sys.executable, str(curses_app)], [b"x"])
    if shutil.which("top"):
        cases["top"] = _record(["top", "-d", "0.3"], [b"", b"q"])
    if shutil.which("man"):
        cases["man page in less"] = _record(["man", "ls"], [b" ", b"/sort\r"])
    rich_app = d / "rich_app.py"
    rich_app.write_text(RICH_APP)
    cases["rich table and progress"] = _record([sys.executable, str(rich_app)], [])
    cases["bash colours"] = _record(
        ["bash", "--norc", "--noprofile", "-i"],
        [b"ls --color=always -la /usr | head -20\r", b"printf '\\e[44m%s\\e[0m \\u2764\\ufe0f\\n' blue\r",
         b"exit\r"])
    return cases


RICH_APP = """
import time
from rich.console import Console
from rich.progress import track
from rich.table import Table

console = Console()
table = Table(title="Agents")
for column in ("name", "state", "bead"):
    table.add_column(column)
for i in range(5):
    table.add_row(f"polecat-{i}", "[green]busy[/]" if i % 2 else "[yellow]idle[/]", f"gt-{i:03x} 中文 ✓")
console.print(table)
console.print("[bold magenta]Done[/] :rocket: [link=https://example.com]link[/link]")
for _ in track(range(20), description="Working..."):
    time.sleep(0.01)
console.rule("end")
"""

CURSES_APP = """
import curses

def main(w):
    curses.start_color()
    curses.init_pair(1, curses.COLOR_WHITE, curses.COLOR_BLUE)
    curses.init_pair(2, curses.COLOR_YELLOW, curses.COLOR_BLACK)
    w.border()
    w.addstr(1, 2, "curses boxes", curses.A_BOLD)
    box = curses.newwin(5, 24, 2, 3)
    box.bkgd(" ", curses.color_pair(1))
    box.box()
    box.addstr(2, 2, "inside a blue box")
    w.addstr(8, 2, "press q", curses.color_pair(2) | curses.A_REVERSE)
    w.refresh()
    box.refresh()
    while w.getch() != ord("q"):
        pass
    w.addstr(8, 2, "done   ")
    w.refresh()

curses.wrapper(main)
"""


def _tmux_run(cases: dict[str, bytes], tmp):
    """name -> (lines, cursor) and name -> styled cells, from tmux."""
    sock = "gt-screen-" + uuid.uuid4().hex[:10]
    tmux = ["tmux", "-f", "/dev/null", "-L", sock]
    names = {}
    styled = {}
    try:
        for i, (name, data) in enumerate(cases.items()):
            f = tmp / ("case%d.bin" % i)
            f.write_bytes(data)
            names[name] = "c%d" % i
            subprocess.run(tmux + ["new-session", "-d", "-s", names[name], "-x", str(COLS),
                                   "-y", str(ROWS), "stty raw -echo; cat %s; tmux -L %s wait-for "
                                   "-S %s; sleep 60" % (f, sock, names[name])], check=True)
        out = {}
        for name, session in names.items():
            subprocess.run(tmux + ["wait-for", session], check=True, timeout=30)
        time.sleep(0.3)
        for name, session in names.items():
            cap = subprocess.run(tmux + ["capture-pane", "-e", "-p", "-t", session],
                                 capture_output=True, text=True, check=True).stdout
            # -e output is stateful across lines (an SO run may span rows): decode it whole.
            # Trimmed like `capture-pane -p` (SGR left after trailing spaces hid them from -e's trim).
            lines = [line.rstrip(" ") for line in
                     re.sub(r"\x1b\[[0-9;:]*m", "", unshift_acs(cap)).split("\n")[:-1]]
            cur = subprocess.run(tmux + ["display", "-p", "-t", session, "#{cursor_x} #{cursor_y}"],
                                 capture_output=True, text=True, check=True).stdout.split()
            out[name] = (lines, (int(cur[0]), int(cur[1])))
            styled[name] = styled_cells(unshift_acs(cap).split("\n")[:-1])
        return out, styled
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


@pytest.fixture(scope="module")
def oracle(tmp_path_factory, recorded):
    cases = dict(CASES, **STYLE_CASES, **SOUP, **recorded)
    return (cases, *_tmux_run(cases, tmp_path_factory.mktemp("tmux")))


def _ours(data: bytes) -> tuple[list[str], tuple[int, int]]:
    s = Screen(COLS, ROWS, on_reply=lambda b: None)
    s.feed(data)
    assert s.parse_errors == 0
    return s.text_lines(), (s.cursor_x, s.cursor_y)


@pytest.mark.parametrize("name", list(CASES))
def test_bytes_render_like_tmux(oracle, name):
    cases, tmux, _ = oracle
    assert _ours(cases[name]) == tmux[name]


@pytest.mark.parametrize("name", list(SOUP))
def test_random_escape_soup_renders_like_tmux(oracle, name):
    cases, tmux, styled = oracle
    s = Screen(COLS, ROWS, on_reply=lambda b: None)
    s.feed(cases[name])
    assert s.parse_errors == 0
    assert (s.text_lines(), (s.cursor_x, s.cursor_y)) == tmux[name]
    assert styled_cells(s.ansi_lines()) == styled[name]


@pytest.mark.parametrize("name", list(STYLE_CASES) + ["sgr heavy", "colon sgr", "bash colours",
                                                     "curses boxes and colours", "vim edit and quit",
                                                     "rich table and progress", "top"])
def test_styles_like_tmux_capture_pane_e(oracle, name):
    cases, _, styled = oracle
    if name not in cases:
        pytest.skip("%s is not installed" % name.split()[0])
    s = Screen(COLS, ROWS, on_reply=lambda b: None)
    s.feed(cases[name])
    assert styled_cells(s.ansi_lines()) == styled[name]


@pytest.mark.parametrize("name", list(STYLE_CASES))
def test_gt_term_capture_ansi_keeps_styles_like_tmux(oracle, name, tmp_path, term_env):
    """The user's path: `gt term capture --ansi -- cat FILE` against the same bytes in tmux."""
    cases, _, styled = oracle
    (tmp_path / "case.bin").write_bytes(cases[name])
    result = gt_capture(["--size", "%dx%d" % (COLS, ROWS), "--delay", "0.2", "--ansi", "--",
                         "cat", "case.bin"], term_env, tmp_path)
    assert result.ok, result.error
    assert styled_cells(result.data.lines) == styled[name]


RECORDED = ["vim edit and quit", "less search", "python repl", "curses boxes and colours",
            "bash colours", "top", "man page in less", "rich table and progress"]


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_programs_render_like_tmux(oracle, name):
    cases, tmux, _ = oracle
    if name not in cases:
        pytest.skip("%s is not installed" % name.split()[0])
    assert len(cases[name]) > 200, "the program wrote almost nothing: %r" % cases[name][:200]
    assert _ours(cases[name]) == tmux[name]


def test_recorded_programs_split_into_small_reads(oracle):
    cases, tmux, _ = oracle
    for name in RECORDED:
        if name in cases:
            s = Screen(COLS, ROWS)
            data = cases[name]
            for i in range(0, len(data), 7):
                s.feed(data[i:i + 7])
            assert (s.text_lines(), (s.cursor_x, s.cursor_y)) == tmux[name]


LONG = b"0123456789" * 7
NUMBERED = b"".join(b"line %02d " % i + b"z" * (i * 2) + b"\r\n" for i in range(20)) + b"$ "
# name: (bytes, sizes to resize to in turn, bytes after the resizes); all start at 30x8.
RESIZES: dict[str, tuple[bytes, list[tuple[int, int]], bytes]] = {
    "narrow wraps": (b"x" * 25 + b"\r\nabc", [(10, 8)], b""),
    "narrow then widen re-joins": (b"x" * 25 + b"\r\nabc", [(10, 8), (30, 8)], b""),
    "long line narrower": (LONG + b"\r\nshort\r\n$ ", [(25, 8)], b""),
    "long line wider": (LONG + b"\r\nshort\r\n$ ", [(50, 8)], b""),
    "scrollback reflowed": (NUMBERED, [(12, 8)], b""),
    "scrollback reflowed back": (NUMBERED, [(12, 8), (40, 8)], b""),
    "blank rows below the cursor": (b"hello world this is long text\r\n$ ", [(10, 8)], b""),
    "cursor row goes to scrollback": (LONG + b"\x1b[1;5H", [(16, 8)], b""),
    "wide characters": ("中文字".encode() * 9 + b"\r\n$ ", [(7, 8)], b""),
    "shorter then taller": (LONG + b"\r\nshort\r\n$ ", [(20, 5), (50, 10)], b""),
    "shorter keeps the cursor row": (b"a\r\nb\r\nc\x1b[1;1H", [(30, 4)], b""),
    "taller pulls scrollback back": (b"".join(b"line %d\r\n" % i for i in range(20)) + b"$ ", [(30, 12)], b""),
    "alternate screen resized": (b"shell$ " + LONG + b"\x1b[?1049h\x1b[Hvim", [(20, 6)], b""),
    "main screen resized on leaving": (b"shell$ " + LONG + b"\x1b[?1049h\x1b[Hvim", [(20, 6)],
                                       b"\x1b[?1049lback"),
    "typing after a reflow": (LONG + b"\r\n$ ", [(16, 8)], b"echo hi"),
}


def _resize_soup(n: int) -> dict[str, tuple[bytes, list[tuple[int, int]], bytes]]:
    """Seeded random lines (ASCII: wide characters reflow differently in tmux), sometimes a
    cursor moved up into them, then one to three resizes and something typed."""
    rnd = random.Random(1)
    cases = {}
    for i in range(n):
        lines = ["".join(rnd.choice("abcdef ") for _ in range(rnd.choice([0, 3, 10, 29, 30, 31, 45, 70])))
                 for _ in range(rnd.randint(1, 25))]
        before = "\r\n".join(lines).encode()
        if rnd.random() < 0.3:
            before += b"\x1b[%d;%dH" % (rnd.randint(1, 8), rnd.randint(1, 30))
        sizes = [(rnd.randint(5, 50), rnd.randint(3, 12)) for _ in range(rnd.randint(1, 3))]
        cases["random %d" % i] = (before, sizes, rnd.choice([b"", b"typed", b"\r\n$ "]))
    return cases


RESIZES.update(_resize_soup(30))
# Wide characters that did not fit at a row's end left a gap; re-joining must not keep it.
RESIZES.update({
    "wide gaps narrower": ("a中b中c中d中e中f".encode() * 3, [(10, 8)], b""),
    "wide gaps narrower then wider": ("a中b中c中d中e中f".encode() * 3, [(10, 8), (30, 8)], b""),
    "wide only": (("中" * 20).encode() + b"\r\n$ ", [(11, 8)], b""),
    "wide and narrow at odd widths": (("x中" * 12 + "\r\n$ ").encode(), [(17, 8)], b""),
    "wide gaps then typing": (("中中 a" * 5 + "\r\n$ ").encode(), [(9, 8)], b"typed"),
    "wide gaps re-joined": (("ab 中" * 9).encode(), [(7, 8), (13, 8)], b""),
})


def _tmux_resized(tmp) -> dict[str, tuple[list[str], list[str], tuple[int, int]]]:
    sock = "gt-resize-" + uuid.uuid4().hex[:10]
    tmux = ["tmux", "-f", "/dev/null", "-L", sock]

    def run(*args: str) -> str:
        return subprocess.run(tmux + list(args), capture_output=True, text=True, check=True,
                              timeout=30).stdout

    names = {}
    try:
        for i, (name, (before, _, after)) in enumerate(RESIZES.items()):
            s = names[name] = "r%d" % i
            (tmp / (s + ".1")).write_bytes(before)
            (tmp / (s + ".2")).write_bytes(after)
            run("new-session", "-d", "-s", s, "-x", "30", "-y", "8",
                "stty raw -echo; cat {t}/{s}.1; tmux -L {k} wait-for -S {s}a; tmux -L {k} wait-for "
                "{s}b; cat {t}/{s}.2; tmux -L {k} wait-for -S {s}c; sleep 60".format(t=tmp, s=s, k=sock))
        for name, s in names.items():
            run("wait-for", s + "a")
        time.sleep(0.3)
        for name, s in names.items():
            for cols, rows in RESIZES[name][1]:
                run("resize-window", "-t", s, "-x", str(cols), "-y", str(rows))
                time.sleep(0.05)
        time.sleep(0.3)
        for name, s in names.items():
            run("wait-for", "-S", s + "b")
            run("wait-for", s + "c")
        time.sleep(0.3)
        out = {}
        for name, s in names.items():
            screen = run("capture-pane", "-p", "-t", s).split("\n")[:-1]
            size = int(run("display", "-p", "-t", s, "#{history_size}"))
            history = run("capture-pane", "-p", "-t", s, "-S", "-", "-E", "-1").split("\n")[:-1] if size else []
            x, y = run("display", "-p", "-t", s, "#{cursor_x} #{cursor_y}").split()
            out[name] = (screen, history, (int(x), int(y)))
        return out
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


@pytest.fixture(scope="module")
def resized(tmp_path_factory):
    return _tmux_resized(tmp_path_factory.mktemp("resize"))


@pytest.mark.parametrize("name", list(RESIZES))
def test_resize_and_reflow_like_tmux(resized, name):
    before, sizes, after = RESIZES[name]
    s = Screen(30, 8)
    s.feed(before)
    for cols, rows in sizes:
        s.resize(cols, rows)
    s.feed(after)
    assert (s.text_lines(), s.history_text(10_000), (s.cursor_x, s.cursor_y)) == resized[name]
