"""The fast stream: a regular-expression tokenizer that drives the screen.

One compiled pattern splits decoded text into runs of printable text, CR LF pairs, CSI and ESC
sequences and single controls. Printable runs that are all one cell wide are drawn in one slice
(the fast path); anything else goes character by character (the slow path) — both give the same
cells. OSC/DCS/APC/PM/SOS strings are collected across reads up to a cap and never printed.
An incomplete sequence at the end of a read is carried to the next one. `feed()` never raises:
a bug in a handler is counted in `parse_errors` and parsing goes on after that token.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

from .style import DEFAULT, apply_sgr, with_link
from .width import is_narrow

_TOKEN = re.compile(
    r"([^\x00-\x1f\x7f-\x9f]+)(\r\n)?"              # 1 printable text, 2 a CR LF after it
    r"|\x1b\[([0-9;:]*)m([^\x00-\x1f\x7f-\x9f]*)"    # 3 SGR parameters, 4 text after them
    r"|(\r\n)"                                       # 5 the commonest pair of controls
    r"|\x1b\[([0-?]*)([ -/]*)([@-~])"                # 6 params, 7 intermediates, 8 final: CSI
    r"|([\x00-\x1a\x1c-\x1f\x7f-\x9f])"              # 9 a control other than ESC
    r"|\x1b([\]P_^X])"                               # 10 OSC, DCS, APC, PM, SOS: a string
    r"|\x1b([ -/]*)([0-OQ-WYZ\\`-~])"              # 11 intermediates, 12 final: ESC sequence
)
_CSI_PREFIX = re.compile(r"\x1b(?:\[[0-?]*[ -/]*|[ -/]*)")
_CSI_REST = re.compile(r"[^0-?\x20-/]")
_OSC_END = re.compile(r"[\x07\x18\x1a\x1b]")
_ST_END = re.compile(r"[\x18\x1a\x1b]")

#: Longest unfinished escape sequence kept between reads; longer ones are garbage.
MAX_PENDING = 4096
#: Longest OSC payload kept (OSC 52 clipboard text is the big one); the rest is skipped.
MAX_STRING = 1 << 20

_DEC_MODES = {
    1: "application_cursor", 7: "autowrap", 6: "origin", 25: "cursor_visible",
    1004: "focus_events", 1006: "mouse_sgr", 2004: "bracketed_paste", 2026: "synchronized",
}
_MOUSE = (9, 1000, 1002, 1003)


def _ints(params: str, default: int = 0) -> list[int]:
    out = []
    for p in params.split(";"):
        p = p.split(":", 1)[0]
        if p.isdigit():
            out.append(min(int(p[-9:]), 1 << 30) if len(p) > 9 else int(p))
        else:
            out.append(default)
    return out


class StreamParser:
    """Mixed into `Screen`: `feed(bytes)` and the sequence handlers."""

    #: What XTVERSION (`CSI > q`) answers.
    terminal_name = "gastown_tui 0.1.0"
    #: Colours reported for OSC 10 / OSC 11 queries (xterm's `rgb:` form).
    foreground_rgb = "rgb:e5e5/e5e5/e5e5"
    background_rgb = "rgb:0000/0000/0000"

    def _init_stream(self) -> None:
        # Invalid UTF-8 is dropped, as tmux does (xterm would show U+FFFD).
        self._decoder = codecs.getincrementaldecoder("utf-8")("ignore")
        self._pending = ""
        self._skind: str | None = None
        self._sbuf: list[str] = []
        self._slen = 0
        self._resume = 0
        self._last = ""
        self._sgr_cache: dict = {}
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
        while pos < n:
            if self._skind is not None:
                pos = self._resume = self._string(text, pos)
                continue
            m = match(text, pos)
            if m is None:
                pos = self._resume = self._malformed(text, pos)
                continue
            pos = self._resume = m.end()
            k = m.lastindex
            if k <= 4:
                if k == 4:
                    params = m.group(3)
                    pen = self.pen
                    hit = cache.get((id(pen), params))
                    if hit is not None and hit[0] is pen:
                        self.pen = hit[1]
                    else:
                        self._sgr(params)
                    s = m.group(4)
                    if not s:
                        self._last = ""
                        continue
                else:
                    s = m.group(1)
                if self._table is None and self.fast_path and (s.isascii() or is_narrow(s)):
                    # Inlined Row.append for the commonest case: text at the end of a compact row.
                    x = self._x
                    row = self._rows[self._y]
                    if (row.chars is None and x == len(row.text) and x + len(s) < self.columns
                            and not self.modes.insert):
                        t = row.text = row.text + s
                        pen = self.pen
                        runs = row.runs
                        if runs and runs[-1][1] is pen:
                            runs[-1] = (len(t), pen)
                        else:
                            runs.append((len(t), pen))
                        self._x = len(t)
                        self._dirty.add(self._y)
                    else:
                        self._draw_narrow(s)
                else:
                    self.draw(s)
                # REP repeats only a plain ASCII character, as in tmux.
                self._last = s[-1] if s[-1] < "\x7f" else ""
                if k != 2:
                    continue
            elif k != 5:
                if k == 8:
                    self._csi(m.group(6), m.group(7), m.group(8))
                elif k == 9:
                    self._control(m.group(9))
                elif k == 10:
                    self._skind = "osc" if m.group(10) == "]" else "dcs"
                    self._sbuf = []
                    self._slen = 0
                else:
                    self._esc(m.group(11), m.group(12))
                continue
            self._x = 0
            self._last = ""
            y = self._y
            if y == self._bot:
                self._scroll_up(1)
            elif y < self.lines - 1:
                self._y = y + 1

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
        """Inside an OSC/DCS/APC/PM/SOS string: collect up to its terminator."""
        if self._skind == "csi":
            m = _CSI_REST.search(text, pos)
            if m is None:
                return len(text)
            self._skind = None
            return m.end() if "@" <= m.group() <= "~" else m.start()
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

    # ---- CSI ---------------------------------------------------------------------------------

    def _csi(self, params: str, inter: str, final: str) -> None:
        if final == "m" and not inter:
            if params[:1] not in ("<", "=", ">", "?"):
                self._sgr(params)
            return
        prefix = params[:1]
        if prefix in ("<", "=", ">", "?"):
            self._csi_private(prefix, params[1:], inter, final)
            return
        if inter:
            self._csi_inter(params, inter, final)
            return
        if final != "b":
            self._last = ""
        args = _ints(params)
        a = args[0]
        if final == "H" or final == "f":
            self.cursor_position(a, args[1] if len(args) > 1 else 0)
        elif final == "K":
            self.erase_in_line(a)
        elif final == "J":
            self.erase_in_display(a)
        elif final == "A":
            self.cursor_up(a)
        elif final == "B":
            self.cursor_down(a)
        elif final == "C":
            self.cursor_forward(a)
        elif final == "D":
            self.cursor_back(a)
        elif final == "E":
            self.cursor_down1(a)
        elif final == "F":
            self.cursor_up1(a)
        elif final == "G" or final == "`":
            self.cursor_to_column(a)
        elif final == "d":
            self.cursor_to_line(a)
        elif final == "@":
            self.insert_characters(a)
        elif final == "P":
            self.delete_characters(a)
        elif final == "X":
            self.erase_characters(a)
        elif final == "L":
            self.insert_lines(a)
        elif final == "M":
            self.delete_lines(a)
        elif final == "S":
            self.scroll_up(a)
        elif final == "T":
            if len(args) == 1:
                self.scroll_down(a)
        elif final == "Z":
            self.back_tab(a)
        elif final == "b":
            if self._last:
                self.draw(self._last * min(max(1, a), 65535))
        elif final == "r":
            self.set_margins(a, args[1] if len(args) > 1 else 0)
        elif final == "s":
            self.save_cursor()
        elif final == "u":
            self.restore_cursor()
        elif final == "g":
            self.clear_tab_stop(a)
        elif final == "h" or final == "l":
            on = final == "h"
            if 4 in args:
                self.modes.insert = on
        elif final == "c":
            if a == 0:
                self._reply("\x1b[?1;2c")
        elif final == "n":
            if a == 5:
                self._reply("\x1b[0n")
            elif a == 6:
                y = self._y - (self._top if self.modes.origin else 0)
                self._reply("\x1b[%d;%dR" % (y + 1, self.cursor_x + 1))

    def _csi_private(self, prefix: str, params: str, inter: str, final: str) -> None:
        if prefix == "?":
            if inter == "$" and final == "p":
                mode = _ints(params)[0]
                self._reply("\x1b[?%d;%d$y" % (mode, self._decrqm(mode)))
            elif inter:
                return
            elif final == "h" or final == "l":
                for mode in _ints(params):
                    self.set_private_mode(mode, final == "h")
            elif final == "n":
                a = _ints(params)[0]
                if a == 6:
                    self._reply("\x1b[?%d;%dR" % (self._y + 1, self.cursor_x + 1))
            elif final == "J":
                self.erase_in_display(_ints(params)[0])
            elif final == "K":
                self.erase_in_line(_ints(params)[0])
        elif prefix == ">" and not inter:
            if final == "c" and _ints(params)[0] == 0:
                self._reply("\x1b[>84;0;0c")
            elif final == "q" and _ints(params)[0] == 0:
                self._reply("\x1bP>|%s\x1b\\" % self.terminal_name)

    def _csi_inter(self, params: str, inter: str, final: str) -> None:
        if inter == "$" and final == "p":
            mode = _ints(params)[0]
            value = 0 if mode != 4 else 1 if self.modes.insert else 2
            self._reply("\x1b[%d;%d$y" % (mode, value))
        elif inter == " " and final == "q":
            self.cursor_shape = _ints(params)[0]

    def _decrqm(self, mode: int) -> int:
        """DECRQM answer: 1 set, 2 reset, 0 unknown."""
        m = self.modes
        if mode in _DEC_MODES:
            return 1 if getattr(m, _DEC_MODES[mode]) else 2
        if mode in _MOUSE:
            return 1 if m.mouse == mode else 2
        if mode in (47, 1047, 1049):
            return 1 if m.alternate else 2
        return 0

    def set_private_mode(self, mode: int, on: bool) -> None:
        m = self.modes
        name = _DEC_MODES.get(mode)
        if name is not None:
            setattr(m, name, on)
            if mode == 6:
                self.cursor_position()
        elif mode in _MOUSE:
            m.mouse = mode if on else None
        elif mode in (47, 1047):
            if on:
                self.enter_alternate(False)
            else:
                self.leave_alternate(False)
        elif mode == 1049:
            if on:
                self.enter_alternate(True)
            else:
                self.leave_alternate(True)
        elif mode == 1048:
            if on:
                self.save_cursor()
            else:
                self.restore_cursor()

    def _sgr(self, params: str) -> None:
        pen = self.pen
        new = apply_sgr(pen, params) if params not in ("", "0") else with_link(DEFAULT, pen.link)
        if len(self._sgr_cache) > 4096:
            self._sgr_cache.clear()
        self._sgr_cache[(id(pen), params)] = (pen, new)
        self.pen = new

    # ---- OSC and replies ---------------------------------------------------------------------

    def _osc(self, payload: str, term: str) -> None:
        num, _, rest = payload.partition(";")
        if num == "0":
            self.title = self.icon_name = rest
        elif num == "2":
            self.title = rest
        elif num == "1":
            self.icon_name = rest
        elif num == "8":
            _, _, uri = rest.partition(";")
            self.pen = with_link(self.pen, uri or None)
        elif num in ("10", "11") and rest == "?":
            rgb = self.foreground_rgb if num == "10" else self.background_rgb
            self._reply("\x1b]%s;%s%s" % (num, rgb, term))
        elif num == "52" and self.allow_clipboard:
            _, _, data = rest.partition(";")
            if data != "?":
                try:
                    self.clipboard = base64.b64decode(data, validate=False).decode("utf-8", "replace")
                except (binascii.Error, ValueError):
                    pass

    def _reply(self, text: str) -> None:
        if self.on_reply is not None:
            self.on_reply(text.encode())
