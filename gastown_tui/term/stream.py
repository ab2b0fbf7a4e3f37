"""The fast stream: a regular-expression tokenizer that drives the screen.

One compiled pattern splits decoded text into runs of printable text, CR LF pairs, CSI and ESC
sequences and single controls. Printable runs that are all one cell wide are drawn in one slice
(the fast path); anything else goes character by character (the slow path) — both give the same
cells. OSC strings are collected across reads up to a cap; DCS (which only ST ends, as in
tmux), APC, PM and SOS strings are skipped; none is ever printed.
An incomplete sequence at the end of a read is carried to the next one. `feed()` never raises:
a bug in a handler is counted in `parse_errors` and parsing goes on after that token.

The commonest tokens (one-cell text, SGR, CR LF with the scroll into scrollback, CUP, EL, Ink's
erase-up, cursor moves) run in C when the extension is built (_fastpath.c): the loop below
hands it the text, it applies what it can exactly as the Python fast path here would and
returns where it stopped, and the loop handles that token and hands back. This Python code is
the reference it is tested against (tests/term/test_fastpath.py) and the fallback without it.
"""

from __future__ import annotations

import codecs
import os
import re

from .rows import Row
from .sequences import SequencesMixin, _ints, _parsed
from .style import DEFAULT, apply_sgr, blank_of, with_link
from .width import char_width, is_narrow

try:
    from . import _fastpath
except ImportError:  # installed without a C compiler: the Python path alone, same cells
    _fastpath = None
else:
    _fastpath.configure(Row, DEFAULT, blank_of, char_width)

#: The compiled hot path (_fastpath.c), unless GT_TERM_PURE=1 asks for the Python one (to
#: compare them); Screen(compiled=False) turns it off for one screen.
COMPILED = None if _fastpath is None or os.environ.get("GT_TERM_PURE") == "1" else _fastpath.parse

_TOKEN = re.compile(
    r"([^\x00-\x1f\x7f-\x9f]+)(\r\n)?"              # 1 printable text, 2 a CR LF after it
    r"|\x1b\[([0-9;:]*)m([^\x00-\x1f\x7f-\x9f]*)"    # 3 SGR parameters, 4 text after them,
    # 5 more SGRs each with its text: a coloured line (syntax highlighting, an agent UI's
    # styled words) parsed as one token, with the CR LF ending it if one does.
    r"((?:\x1b\[[0-9;:]*m[^\x00-\x1f\x7f-\x9f]*)+(?:\r\n)?)?"
    # 6 row, 7 column of a CUP, 8 an SGR after it, 9 text after them: how full-screen
    # programs draw each row, parsed as one token.
    r"|\x1b\[([0-9]*)(?:;([0-9]*))?H(?:\x1b\[([0-9;:]*)m)?([^\x00-\x1f\x7f-\x9f]*)"
    r"|(\r\n)"                                       # 10 the commonest pair of controls
    r"|\x1b\[([0-?]*)([ -/]*)([@-~])"                # 11 params, 12 intermediates, 13 final: CSI
    r"|([\x00-\x1a\x1c-\x1f\x7f-\x9f])"              # 14 a control other than ESC
    r"|\x1b([\]P_^X])"                               # 15 OSC, DCS, APC, PM, SOS: a string
    r"|\x1b([ -/]*)([0-OQ-WYZ\\`-~])"              # 16 intermediates, 17 final: ESC sequence
)
# Erase the line and go up, again and again: how Ink takes back the frame it drew.
_ERASE_UP = re.compile(r"(?:\x1b\[2K\x1b\[1A)+")
_CSI_PREFIX = re.compile(r"\x1b(?:\[[0-?]*[ -/]*|[ -/]*)")
_LINES = re.compile(r"(?:[ -~]*\r\n)+")
_CSI_REST = re.compile(r"[^0-?\x20-/]")
_OSC_END = re.compile(r"[\x07\x18\x1a\x1b]")
_ST_END = re.compile(r"[\x18\x1a\x1b]")

#: Longest unfinished escape sequence kept between reads; longer ones are garbage.
MAX_PENDING = 4096
#: Longest OSC payload kept (OSC 52 clipboard text is the big one); the rest is skipped.
MAX_STRING = 1 << 20

class StreamParser(SequencesMixin):
    """Mixed into `Screen`: `feed(bytes)` and the tokenizer loop."""

    def _init_stream(self, compiled: bool = True) -> None:
        self._compiled = COMPILED if compiled else None
        # Invalid UTF-8 is dropped, as tmux does (xterm would show U+FFFD).
        self._decoder = codecs.getincrementaldecoder("utf-8")("ignore")
        self._pending = ""
        self._skind: str | None = None
        self._sbuf: list[str] = []
        self._slen = 0
        self._resume = 0
        self._last = ""
        self._sgr_cache: dict = {}
        # SGR parameters -> the style they make from the default one (a coloured word after a
        # reset, the commonest case), keyed by the string alone.
        self._sgr_from_default: dict = {}
        self.parse_errors = 0
        self.cursor_shape = 0

    def feed(self, data: bytes) -> None:
        """Parse bytes from the program. Never raises; keeps unfinished sequences for later."""
        if isinstance(data, str):
            text = data
        else:
            text = self._decoder.decode(bytes(data))
        if self._pending:
            text = self._pending + text
            self._pending = ""
        pos = 0
        while True:
            try:
                self._parse(text, pos)
                return
            except Exception:
                self.parse_errors += 1
                self._skind = None
                pos = max(self._resume, pos + 1)

    # ---- the loop ----------------------------------------------------------------------------

    def _parse(self, text: str, pos: int) -> None:
        n = len(text)
        match = _TOKEN.match
        cache = self._sgr_cache
        parsed = _parsed
        # The compiled loop runs the common tokens and hands back the first other one.
        compiled = self._compiled if self.fast_path else None
        while pos < n:
            if self._skind is not None:
                pos = self._resume = self._string(text, pos)
                continue
            if compiled is not None:
                pos = self._resume = compiled(self, text, pos)
                if pos >= n:
                    return
            m = match(text, pos)
            if m is None:
                pos = self._resume = self._malformed(text, pos)
                continue
            pos = self._resume = m.end()
            k = m.lastindex
            if k <= 9:
                if k == 5:
                    # A coloured line, and the CR LF ending it if one does (then on below).
                    if not self._sgr_chain(*m.group(3, 4, 5)):
                        continue
                else:
                    if k == 9:
                        row_p, col_p, params, s = m.group(6, 7, 8, 9)
                        col_p = col_p or ""
                        if self.modes.origin or len(row_p) > 9 or len(col_p) > 9:
                            # _ints clamps numbers too long for int() (Python refuses 4,300 digits).
                            args = _ints("%s;%s" % (row_p, col_p))
                            self.cursor_position(args[0], args[1])
                        else:
                            a = int(row_p) if row_p else 0
                            self._y = min(a - 1, self.lines - 1) if a > 1 else 0
                            b = int(col_p) if col_p else 0
                            self._x = min(b - 1, self.columns - 1) if b > 1 else 0
                        if params is not None:
                            pen = self.pen
                            hit = cache.get((id(pen), params))
                            if hit is not None and hit[0] is pen:
                                self.pen = hit[1]
                            else:
                                self._sgr(params)
                        if not s:
                            self._last = ""
                            continue
                    elif k == 4:
                        params, s = m.group(3, 4)
                        pen = self.pen
                        hit = cache.get((id(pen), params))
                        if hit is not None and hit[0] is pen:
                            self.pen = hit[1]
                        else:
                            self._sgr(params)
                        if not s:
                            self._last = ""
                            continue
                    else:
                        s = m.group(1)
                    if self._table is None and self.fast_path and (s.isascii() or is_narrow(s)):
                        # Inlined: text that fits before the last column, not in insert mode, written
                        # into a compact row (Row.append, Row.overwrite) or over whole cells.
                        x = self._x
                        end = x + len(s)
                        row = self._rows[self._y]
                        chars = row.chars
                        if end >= self.columns or self.modes.insert:
                            self._draw_narrow(s)
                        elif chars is None:
                            if x == len(row.text):
                                row.text += s
                                pen = self.pen
                                runs = row.runs
                                if runs and runs[-1][1] is pen:
                                    runs[-1] = (end, pen)
                                else:
                                    runs.append((end, pen))
                            elif x < len(row.text):
                                row.overwrite(x, s, self.pen)
                            else:
                                row.append(x, s, self.pen)
                            self._x = end
                            self._dirty.add(self._y)
                        elif chars[end] != "" and (not x or (
                                chars[x] != "" and (chars[x - 1] or chars[x - 2])[-1:] != "\u200d")):
                            chars[x:end] = s
                            row.attrs[x:end] = [self.pen] * len(s)
                            self._x = end
                            self._dirty.add(self._y)
                        else:
                            self._draw_narrow(s)
                    else:
                        self.draw(s)
                    # REP repeats only a plain ASCII character, as in tmux.
                    self._last = s[-1] if s[-1] < "\x7f" else ""
                    if k != 2:
                        continue
            elif k != 10:
                if k == 13:
                    params, inter, final = m.group(11, 12, 13)
                    if final == "H" and not inter and (not params or params[0] < "<") \
                            and not self.modes.origin:
                        # CUP, the commonest sequence of full-screen programs, inlined.
                        args = parsed.get(params) or _ints(params)
                        a = args[0]
                        self._y = min(a - 1, self.lines - 1) if a > 1 else 0
                        b = args[1] if len(args) > 1 else 0
                        self._x = min(b - 1, self.columns - 1) if b > 1 else 0
                        self._last = ""
                    elif final == "K" and not params and not inter:
                        self._erase_cells(self._y, self._x, self.columns)
                        self._last = ""
                    elif final == "K" and params == "2" and not inter and self.fast_path:
                        block = _ERASE_UP.match(text, m.start())
                        if block is None:
                            self._erase_cells(self._y, 0, self.columns)
                            self._last = ""
                        else:
                            pos = self._resume = block.end()
                            self._erase_up((pos - m.start()) >> 3)
                    else:
                        self._csi(params, inter, final)
                elif k == 14:
                    self._control(m.group(14))
                elif k == 15:
                    self._skind = {"]": "osc", "P": "dcs"}.get(m.group(15), "str")
                    self._last = ""
                    self._sbuf = []
                    self._slen = 0
                else:
                    self._esc(m.group(16), m.group(17))
                continue
            self._x = 0
            self._last = ""
            y = self._y
            if y == self._bot:
                self._scroll_up(1)
                if self.fast_path and pos < n and (" " <= text[pos] <= "~" or text[pos] == "\r"):
                    block = _LINES.match(text, pos)
                    if block is not None:
                        pos = self._resume = self._scroll_lines(text, pos, block.end())
            elif y < self.lines - 1:
                self._y = y + 1

    def _sgr_chain(self, params: str, s: str, tail: str) -> bool:
        """SGRs each followed by its text (`params` and `s` the first; `tail` the rest, each
        starting with ESC [, perhaps ending in CR LF). Appended to the end of a compact row,
        the row's text grows once and its runs once per style; anything else goes piece by
        piece (`_sgr_pieces`). True when a CR LF ends it: the caller does the line feed."""
        crlf = tail[-1] == "\n"
        if crlf:
            tail = tail[:-2]
        cache = self._sgr_cache
        pieces = [(params, "m", s)]
        pieces += [p.partition("m") for p in tail[2:].split("\x1b[")]
        texts = "".join([t for _p, _m, t in pieces])
        x = self._x
        end = x + len(texts)
        row = self._rows[self._y]
        if not (row.chars is None and x == len(row.text) and end < self.columns
                and self._table is None and self.fast_path and not self.modes.insert
                and (texts.isascii() or is_narrow(texts))):
            self._sgr_pieces(pieces)
            return crlf
        pen = self.pen
        runs = row.runs
        at = x
        from_default = self._sgr_from_default
        for params, _m, t in pieces:
            if pen is DEFAULT:
                got = from_default.get(params)
                if got is None:
                    self.pen = pen
                    self._sgr(params)
                    got = from_default[params] = self.pen
                pen = got
            elif params == "0" and pen.link is None:
                pen = DEFAULT
            elif (hit := cache.get((id(pen), params))) is not None and hit[0] is pen:
                pen = hit[1]
            else:
                self.pen = pen
                self._sgr(params)
                pen = self.pen
            if t:
                at += len(t)
                if runs and runs[-1][1] is pen:
                    runs[-1] = (at, pen)
                else:
                    runs.append((at, pen))
        self.pen = pen
        if texts:
            row.text += texts
            self._x = end
            self._dirty.add(self._y)
        t = pieces[-1][2]
        # REP repeats only a plain ASCII character, as in tmux; an SGR forgets it.
        self._last = t[-1] if t and t[-1] < "\x7f" else ""
        return crlf

    def _sgr_pieces(self, pieces: list[tuple[str, str, str]]) -> None:
        """A coloured line that does not fit where it starts (or meets cells, wide characters,
        insert mode), piece by piece: pieces that fit at the end of a compact row are appended
        to it, its text growing once per stretch; a piece that wraps (or cannot be appended) is
        drawn as its own token would be, and the pieces after it go on appending to the row it
        left the cursor on, so a coloured line wider than the pane keeps the fast path."""
        cache = self._sgr_cache
        fast = self._table is None and self.fast_path and not self.modes.insert
        cols = self.columns
        pen = self.pen
        y = self._y
        x = self._x
        row = self._rows[y]
        runs = row.runs if fast and row.chars is None and x == len(row.text) else None
        texts: list[str] = []
        from_default = self._sgr_from_default
        # The pen step is `_sgr_chain`'s, inlined in both: as one method it cost 2-3 % of
        # SGR-heavy and Ink throughput (Screen.feed, 4 MB, best of 5).
        for params, _m, t in pieces:
            if pen is DEFAULT:
                got = from_default.get(params)
                if got is None:
                    self.pen = pen
                    self._sgr(params)
                    got = from_default[params] = self.pen
                pen = got
            elif params == "0" and pen.link is None:
                pen = DEFAULT
            elif (hit := cache.get((id(pen), params))) is not None and hit[0] is pen:
                pen = hit[1]
            else:
                self.pen = pen
                self._sgr(params)
                pen = self.pen
            if not t:
                continue
            end = x + len(t)
            if runs is not None and end < cols and (t.isascii() or is_narrow(t)):
                texts.append(t)
                if runs and runs[-1][1] is pen:
                    runs[-1] = (end, pen)
                else:
                    runs.append((end, pen))
                x = end
                continue
            if texts:
                row.text += "".join(texts)
                texts = []
                self._dirty.add(y)
            self._x = x
            self.pen = pen
            self.draw(t)
            y = self._y
            x = self._x
            row = self._rows[y]
            runs = row.runs if fast and row.chars is None and x == len(row.text) else None
        if texts:
            row.text += "".join(texts)
            self._dirty.add(y)
        self._x = x
        self.pen = pen
        t = pieces[-1][2]
        # REP repeats only a plain ASCII character, as in tmux; an SGR forgets it.
        self._last = t[-1] if t and t[-1] < "\x7f" else ""

    def _erase_up(self, n: int) -> None:
        """`n` times EL 2 then CUU 1 (erase the whole line, go up one): how Ink takes back the
        frame it drew before drawing the next."""
        fill = blank_of(self.pen)
        rows = self._rows
        dirty = self._dirty
        top = self._top
        y = self._y
        for _ in range(n):
            rows[y] = Row(fill)
            dirty.add(y)
            y = max(top if y >= top else 0, y - 1)
        self._y = y
        self._x = min(self._x, self.columns - 1)
        self._last = ""

    def _scroll_lines(self, text: str, pos: int, end: int) -> int:
        """Plain ASCII lines arriving at the bottom of the screen, each ending in CR LF: the
        lines that scroll straight off go to scrollback as strings, without ever being rows;
        the rest become compact rows. Returns where parsing goes on (pos if not applicable)."""
        rows = self._rows
        bottom = rows[-1]
        pen = self.pen
        if (self._top or self._x or self._table is not None or self.modes.insert
                or pen.bg is not None or bottom.chars is not None or bottom.text
                or bottom.fill is not DEFAULT):
            return pos
        lines = text[pos:end].split("\r\n")
        lines.pop()
        cols = self.columns
        if max(map(len, lines)) > cols:
            return pos
        m = len(lines)
        height = self.lines
        on_screen = lines[max(0, m - height + 1):]
        history = self.history
        if self._main_rows is None and history.limit:
            for row in rows[:min(m, height - 1)]:
                history.push(row.entry(cols), row.wrapped)
            straight = lines[:m - len(on_screen)]
            if straight:
                if pen is DEFAULT:
                    history.extend_plain(map(str.rstrip, straight))
                else:
                    for line in straight:
                        history.push(_line_entry(line, pen))
        fresh = []
        for line in on_screen:
            row = Row()
            if line:
                row.text = line
                row.runs = [(len(line), pen)]
            fresh.append(row)
        kept = rows[m:height - 1] if m < height - 1 else []
        self._rows = kept + fresh + [Row()]
        self._all_dirty = True
        return end

    def _malformed(self, text: str, pos: int) -> int:
        """At an ESC the pattern rejected: keep it if unfinished, else drop the bad prefix."""
        m = _CSI_PREFIX.match(text, pos)
        end = m.end() if m else pos + 1
        if end >= len(text):
            tail = text[pos:]
            if len(tail) <= MAX_PENDING:
                self._pending = tail
            elif tail[1:2] == "[":
                # Too long to keep: skip the rest of its parameters up to its final byte.
                self._skind = "csi"
            return len(text)
        return max(end, pos + 1)

    def _string(self, text: str, pos: int) -> int:
        """Inside a string: skip a DCS to its ST, collect an OSC (or skip an APC/PM/SOS) up
        to its terminator."""
        if self._skind == "csi":
            m = _CSI_REST.search(text, pos)
            if m is None:
                return len(text)
            self._skind = None
            return m.end() if "@" <= m.group() <= "~" else m.start()
        if self._skind == "dcs":
            # Only ST ends a DCS, as in tmux: an ESC or CAN inside is payload (tmux's own
            # passthrough doubles the ESCs of the sequence it wraps), and none of it is kept.
            end = text.find("\x1b\\", pos)
            if end < 0:
                if text[-1] == "\x1b":
                    self._pending = "\x1b"
                return len(text)
            self._skind = None
            return end + 2
        m = (_OSC_END if self._skind == "osc" else _ST_END).search(text, pos)
        end = m.start() if m else len(text)
        if self._slen < MAX_STRING and end > pos:
            part = text[pos:min(end, pos + MAX_STRING - self._slen)]
            self._sbuf.append(part)
            self._slen += len(part)
        if m is None:
            return len(text)
        kind, self._skind = self._skind, None
        payload = "".join(self._sbuf)
        self._sbuf = []
        term = text[end]
        nxt = end + 1
        if term == "\x1b":
            if nxt < len(text) and text[nxt] == "\\":
                nxt += 1
            elif nxt >= len(text):
                # ESC ends this read: the "\" of ST may come next, and ESC \ parses harmlessly.
                self._pending = "\x1b"
            else:
                nxt = end
        if term in "\x18\x1a":
            return nxt
        if kind == "osc" and self._slen < MAX_STRING:
            self._osc(payload, "\x07" if term == "\x07" else "\x1b\\")
        return nxt

    # ---- controls and ESC --------------------------------------------------------------------

    def _control(self, c: str) -> None:
        self._last = ""
        if c == "\n" or c == "\x0b" or c == "\x0c":
            self.linefeed()
        elif c == "\r":
            self._x = 0
        elif c == "\x08":
            self.backspace()
        elif c == "\t":
            self.tab()
        elif c == "\x07":
            self.bell()
        elif c == "\x0e":
            self.shift_out()
        elif c == "\x0f":
            self.shift_in()

    def _esc(self, inter: str, final: str) -> None:
        self._last = ""
        if not inter:
            if final == "7":
                self.save_cursor()
            elif final == "8":
                self.restore_cursor()
            elif final == "D":
                self.index()
            elif final == "E":
                self.next_line()
            elif final == "M":
                self.reverse_index()
            elif final == "H":
                self.set_tab_stop()
            elif final == "c":
                self.reset()
            elif final == "=":
                self.modes.application_keypad = True
            elif final == ">":
                self.modes.application_keypad = False
            elif final == "Z":
                self._reply("\x1b[?1;2c")
        elif inter in ("(", ")") and len(inter) == 1:
            self.define_charset(final, inter)
        elif inter == "#" and final == "8":
            self.alignment_display()

    def _sgr(self, params: str) -> None:
        pen = self.pen
        new = apply_sgr(pen, params) if params not in ("", "0") else with_link(DEFAULT, pen.link)
        if len(self._sgr_cache) > 4096:
            self._sgr_cache.clear()
            self._sgr_from_default.clear()
        self._sgr_cache[(id(pen), params)] = (pen, new)
        self.pen = new

    # ---- OSC and replies ---------------------------------------------------------------------


def _line_entry(line: str, pen) -> object:
    """What a compact row holding `line` in `pen` gives scrollback (see Row.entry)."""
    text = line.rstrip(" ") if pen.shows_blank else line
    return (text, [(len(text), pen)]) if text else ""
