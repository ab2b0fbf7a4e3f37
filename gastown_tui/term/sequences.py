"""What escape sequences do: CSI dispatch (cursor, editing, modes, device replies), DEC private
modes, and OSC (title, links, clipboard, colour queries).

Where tmux 3.3 and xterm differ, this follows tmux (the oracle the tests compare with): CHT,
HPR, VPR, DECSTR, LNM and mode 1048 are ignored, REP repeats only a plain ASCII character and
only up to the end of the line, DECSC keeps one slot for both screens and 1049 its own
(motion.py, resize.py). Replies are the ones tmux gives (DA1 `?1;2c`, DA2 `>84;0;0c`), plus
the answers tmux 3.3 leaves out and agents ask for: `CSI ? 6 n`, DECRQM (synchronized output
2026 reported as supported), XTVERSION, OSC 10/11, and `CSI 18 t` (in xterm's order).
"""

from __future__ import annotations

import base64
import binascii

from .style import with_link

_DEC_MODES = {
    1: "application_cursor", 7: "autowrap", 6: "origin", 25: "cursor_visible",
    1004: "focus_events", 1006: "mouse_sgr", 2004: "bracketed_paste", 2026: "synchronized",
}
_MOUSE = (9, 1000, 1002, 1003)


# The CSI sequences tmux 3.3 knows, as (private marker or intermediate, final).
_TMUX_KNOWN = frozenset([("", f) for f in "@ABCDEFGHJKLMPSTXZ`cdfghlmnrstu"] + [
    ("?", "S"), ("?", "h"), ("?", "l"), (">", "c"), (">", "m"), (">", "n"), (" ", "q"), (">", "q")])
_parsed: dict[str, list[int]] = {}


def _ints(params: str) -> list[int]:
    """`"12;;3"` -> [12, 0, 3]; sub-parameters after ":" are dropped; cached (callers only
    read the list), since programs repeat the same few parameter strings."""
    got = _parsed.get(params)
    if got is None:
        got = []
        for p in params.split(";"):
            p = p.split(":", 1)[0]
            if p.isdigit():
                got.append(min(int(p[-9:]), 1 << 30) if len(p) > 9 else int(p))
            else:
                got.append(0)
        if len(_parsed) > 8192:
            _parsed.clear()
        _parsed[params] = got
    return got


class SequencesMixin:
    """Mixed into `Screen` (through `StreamParser`)."""

    #: What XTVERSION (`CSI > q`) answers.
    terminal_name = "gastown_tui 0.1.0"
    #: Colours reported for OSC 10 / OSC 11 queries (xterm's `rgb:` form).
    foreground_rgb = "rgb:e5e5/e5e5/e5e5"
    background_rgb = "rgb:0000/0000/0000"

    def _csi(self, params: str, inter: str, final: str) -> None:
        if final == "m" and not inter:
            if params[:1] not in ("<", "=", ">", "?"):
                self._sgr(params)
            return
        prefix = params[:1]
        if final != "b" or inter or prefix in ("<", "=", ">", "?"):
            if (prefix if prefix in ("<", "=", ">", "?") else inter, final) in _TMUX_KNOWN:
                # What REP repeats is forgotten by any sequence tmux knows (not by others).
                self._last = ""
        if prefix in ("<", "=", ">", "?"):
            self._csi_private(prefix, params[1:], inter, final)
            return
        if inter:
            self._csi_inter(params, inter, final)
            return
        args = _ints(params)
        a = args[0]
        if final == "H" or final == "f":
            if self.modes.origin:
                self.cursor_position(a, args[1] if len(args) > 1 else 0)
            else:
                # The commonest sequence of full-screen programs, without the method calls.
                self._y = min(a - 1, self.lines - 1) if a > 1 else 0
                b = args[1] if len(args) > 1 else 0
                self._x = min(b - 1, self.columns - 1) if b > 1 else 0
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
            # At most up to the end of the line, as tmux caps it (so 8 KB of REPs cannot
            # cost seconds either).
            n = min(max(1, a), self.columns - self._x)
            if self._last and n > 0:
                self.draw(self._last * n)
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
        elif final == "t":
            if a == 18:
                # xterm's order, rows then columns (tmux 3.3 swaps them).
                self._reply("\x1b[8;%d;%dt" % (self.lines, self.columns))

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
