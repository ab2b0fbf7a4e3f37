"""Scrollback: a bounded deque of compact lines, never cells.

A line in the default style is kept as its `str` (unless a character past U+FFFF makes that
4 bytes a character: then it is packed as a styled line with one run). A styled line is one
`bytes`, whose first 16-bit value says how it is packed:

- below 0xFFFD, the number of runs, then (length, palette index) per run as 16-bit values,
  then the text in UTF-8: what nearly every line is (about 170 bytes for 100 typical coloured
  columns);
- 0xFFFF (`_DENSE`), then the number of characters (32-bit), one 16-bit palette index per
  character, then the text in UTF-8: for lines whose runs are shorter than two characters
  (every cell in its own colour, as lolcat or a gradient writes), where runs would take 4
  bytes a cell instead of 2;
- 0xFFFE (`_DEFLATED`), then one of the two above, raw-deflated: for a line still bigger than
  its budget (per-cell colours over 3-byte characters, e.g. an image drawn in half blocks);
- 0xFFFD (`_BITS`), the number of characters (32-bit), the bits per palette index and the
  text's coding (8-bit each), then the indices in that many bits each (8 to a group of that
  many bytes), then the text raw-deflated, as UTF-8 or as UTF-16 with the low bytes before
  the high ones (which then nearly vanish): for lines still over, whose indices are near
  random (every cell one of thousands of colours) and so do not deflate, over text that does
  (braille, CJK, symbols).

A line is re-packed only when it is over `LINE_BUDGET`, so common lines pay one length
comparison. Styles live once in a palette per scrollback.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections import deque
from itertools import groupby

from .rows import Entry, Row
from .style import DEFAULT, CellStyle, ansi_of_runs

_packers: dict = {}

#: Distinct styles remembered; beyond this, new styles in scrollback show as the default style.
MAX_PALETTE = 8192

#: Bytes a packed line may take before it is re-packed: a 100-column line's share of 4 MB per
#: 10,000 lines (400), less the 33 the `bytes` object itself takes and the 16 of its places in
#: `lines` and `wraps`. Longer lines (wider screens) may take 3 bytes a character plus 64.
LINE_BUDGET = 350

# Header values of the re-packed forms (a run count never reaches them: see `push`).
_DENSE = 0xFFFF
_DEFLATED = 0xFFFE
_BITS = 0xFFFD
_DENSE_HEAD = struct.Struct("<HI")
_BITS_HEAD = struct.Struct("<HIBB")
_UTF8, _PLANAR16 = 0, 1  # the text codings of the `_BITS` form


class Scrollback:
    """Lines that scrolled off the top of the main screen, oldest first, at most `limit`."""

    __slots__ = ("lines", "wraps", "limit", "_palette", "_index", "_by_look", "_aliases")

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = max(0, int(limit))
        self.lines: deque[str | bytes] = deque(maxlen=self.limit)
        # Per line: did it wrap on to the next one? (what reflow re-joins)
        self.wraps: deque[bool] = deque(maxlen=self.limit)
        self._palette: list[CellStyle] = [DEFAULT]
        self._index: dict[int, int] = {id(DEFAULT): 0}
        # By equality: a style made again once the process-wide style table was emptied (it
        # keeps at most 65,536) is a new object that looks like one in the palette.
        self._by_look: dict[CellStyle, int] = {DEFAULT: 0}
        # Such look-alikes, kept alive so that their ids in `_index` stay theirs.
        self._aliases: list[CellStyle] = []

    def __len__(self) -> int:
        return len(self.lines)

    def push(self, entry: Entry, wrapped: bool = False) -> None:
        self.wraps.append(wrapped)
        if entry.__class__ is str:
            self.lines.append(entry if entry.isascii() else _plain(entry))
            return
        text, runs = entry
        # Keyed by identity (styles are shared objects, and the palette keeps them alive):
        # an int hash instead of a call to CellStyle.__hash__ per run.
        index = self._index
        flat = [len(runs)]
        for n, style in runs:
            i = index.get(id(style))
            if i is None:
                i = self._add(style)
            flat.append(n)
            flat.append(i)
        self._store(text, flat)

    def push_row(self, row: Row, cols: int) -> None:
        """A screen row scrolling off: `push(row.entry(cols), row.wrapped)`, without the
        entry's list for the commonest row (compact, several styles, no trailing blanks:
        coloured output scrolling by)."""
        text = row.text
        runs = row.runs
        if row.chars is not None or row.fill is not DEFAULT or not runs or len(runs) < 2 \
                or not text or text[-1] == " ":
            self.push(row.entry(cols), row.wrapped)
            return
        index = self._index
        flat = [0]
        start = 0
        for end, style in runs:
            if end > start:
                i = index.get(id(style))
                if i is None:
                    i = self._add(style)
                flat.append(end - start)
                flat.append(i)
                start = end
        if len(flat) < 5:
            self.push(row.entry(cols), row.wrapped)  # one run left: perhaps a plain string
            return
        flat[0] = len(flat) >> 1
        self.wraps.append(row.wrapped)
        self._store(text, flat)

    def _store(self, text: str, flat: list[int]) -> None:
        data = text.encode("utf-8", "surrogatepass")
        pack = _packers.get(len(flat))
        if pack is None:
            pack = _packers[len(flat)] = struct.Struct("<%dH" % len(flat)).pack
        try:
            line = pack(*flat) + data if flat[0] < _BITS else None
        except struct.error:
            line = None
        if line is not None and (len(line) <= LINE_BUDGET or len(line) <= 3 * len(text) + 64):
            self.lines.append(line)
            return
        # Over budget, or runs or run lengths too many for 16 bits (a row over 65,533 cells).
        self.lines.append(_squeezed(line, flat, data, len(text)))

    def _add(self, style: CellStyle) -> int:
        i = self._by_look.get(style)
        if i is not None:
            if len(self._aliases) < MAX_PALETTE:
                self._aliases.append(style)
                self._index[id(style)] = i
            return i
        if len(self._palette) >= MAX_PALETTE:
            return 0
        i = self._index[id(style)] = self._by_look[style] = len(self._palette)
        self._palette.append(style)
        return i

    def extend_plain(self, lines) -> None:
        """Many default-style lines at once (output scrolling straight through)."""
        lines = list(lines)
        if not all(map(str.isascii, lines)):
            lines = [line if line.isascii() else _plain(line) for line in lines]
        self.lines.extend(lines)
        self.wraps.extend([False] * len(lines))

    def push_raw(self, line: str | bytes, wrapped: bool) -> None:
        """Put back a line taken from `lines` (same palette), e.g. after a reflow."""
        self.lines.append(line)
        self.wraps.append(wrapped)

    def decode(self, line: str | bytes) -> list[tuple[str, CellStyle]]:
        """A stored line as (text, style) runs."""
        if line.__class__ is str:
            return [(line, DEFAULT)] if line else []
        line = _inflated(line)
        head = line[0] | line[1] << 8
        if head == _DENSE:
            count = _DENSE_HEAD.unpack_from(line)[1]
            per_char = struct.unpack_from("<%dH" % count, line, _DENSE_HEAD.size)
            text = line[_DENSE_HEAD.size + 2 * count:].decode("utf-8", "surrogatepass")
            lengths, indices = [], []
            for i, group in groupby(per_char):
                indices.append(i)
                lengths.append(len(list(group)))
        else:
            vals = struct.unpack_from("<%dH" % (2 * head), line, 2)
            text = line[2 + 4 * head:].decode("utf-8", "surrogatepass")
            lengths, indices = vals[0::2], vals[1::2]
        palette = self._palette
        out = []
        pos = 0
        last = len(indices) - 1
        for k, i in enumerate(indices):
            length = lengths[k] if k < last else len(text) - pos
            out.append((text[pos:pos + length], palette[i]))
            pos += length
        return out

    def text_of(self, line: str | bytes) -> str:
        if line.__class__ is str:
            return line
        line = _inflated(line)
        head = line[0] | line[1] << 8
        if head == _DENSE:
            start = _DENSE_HEAD.size + 2 * _DENSE_HEAD.unpack_from(line)[1]
        else:
            start = 2 + 4 * head
        return line[start:].decode("utf-8", "surrogatepass").rstrip(" ")

    def pop_newest(self) -> tuple[list[tuple[str, CellStyle]], bool]:
        return self.decode(self.lines.pop()), self.wraps.pop()

    def clear(self) -> None:
        self.lines.clear()
        self.wraps.clear()

    def _last(self, n: int) -> list[str | bytes]:
        lines = self.lines
        n = max(0, min(int(n), len(lines)))
        return [lines[i] for i in range(len(lines) - n, len(lines))]

    def text(self, n: int) -> list[str]:
        return [self.text_of(e) for e in self._last(n)]

    def ansi(self, n: int) -> list[str]:
        return [ansi_of_runs(_rstrip(self.decode(e))) for e in self._last(n)]

    def runs(self, i: int) -> list[tuple[str, CellStyle]]:
        if not 0 <= i < len(self.lines):
            raise IndexError("scrollback line %d out of range (0..%d)" % (i, len(self.lines) - 1))
        return self.decode(self.lines[i])

    def line_bytes(self) -> int:
        """Bytes held by the stored lines and their wrap flags (what the 4 MB bound is about)."""
        return (sys.getsizeof(self.lines) + sum(map(sys.getsizeof, self.lines))
                + sys.getsizeof(self.wraps))

    def nbytes(self) -> int:
        """Bytes held by the stored lines and the palette (at most MAX_PALETTE styles, which
        the process-wide style table shares)."""
        return (self.line_bytes() + sys.getsizeof(self._palette) + sys.getsizeof(self._index)
                + sys.getsizeof(self._by_look) + sys.getsizeof(self._aliases)
                + sum(sys.getsizeof(s) + sys.getsizeof(s.__dict__) for s in self._palette))


def _plain(text: str) -> str | bytes:
    """A default-style line as its `str`, unless that takes 4 bytes a character (a character
    past U+FFFF in it) and so is over budget: then one run in the default style, packed as a
    styled line is (and deflated when still over)."""
    size = sys.getsizeof(text)
    if size <= LINE_BUDGET or size <= 3 * len(text) + 64:
        return text
    data = text.encode("utf-8", "surrogatepass")
    flat = [1, len(text), 0]
    line = struct.pack("<3H", *flat) + data if len(text) < 0x10000 else None
    packed = _squeezed(line, flat, data, len(text))
    return packed if sys.getsizeof(packed) < size else text


def _squeezed(line: bytes | None, flat: list[int], data: bytes, chars: int) -> bytes:
    """The smallest of the run form (`line`, None when it cannot hold the counts), the dense
    form and, when those are still over budget, either one deflated."""
    if len(flat) == 2 * chars + 1:
        # As many runs as characters: each is one character long.
        per_char = flat[2::2]
    else:
        per_char = []
        for k in range(1, len(flat), 2):
            per_char += [flat[k + 1]] * flat[k]
    count = len(per_char)
    dense = _DENSE_HEAD.pack(_DENSE, count) + struct.pack("<%dH" % count, *per_char) + data
    best = dense if line is None or len(dense) < len(line) else line
    if len(best) > LINE_BUDGET and len(best) > 3 * chars + 64:
        deflated = _DEFLATED.to_bytes(2, "little") + zlib.compress(best, 6, -15)
        if len(deflated) < len(best):
            best = deflated
    if len(best) > LINE_BUDGET and len(best) > 3 * chars + 64:
        packed = _bit_packed(per_char, data)
        if len(packed) < len(best):
            best = packed
    return best


def _bit_packed(per_char: list[int], data: bytes) -> bytes:
    """The `_BITS` form: each palette index in as few bits as the largest needs."""
    bits = max(1, max(per_char, default=0).bit_length())
    coding, text = _UTF8, zlib.compress(data, 9, -15)
    wide = data.decode("utf-8", "surrogatepass").encode("utf-16-le", "surrogatepass")
    planar = zlib.compress(wide[0::2] + wide[1::2], 9, -15)
    if len(planar) < len(text) and _from_planar(planar) == data:  # (lone surrogates may pair)
        coding, text = _PLANAR16, planar
    out = bytearray(_BITS_HEAD.pack(_BITS, len(per_char), bits, coding))
    for at in range(0, len(per_char), 8):
        value = 0
        for k, i in enumerate(per_char[at:at + 8]):
            value |= i << (k * bits)
        out += value.to_bytes(bits, "little")
    return bytes(out) + text


def _from_planar(planar: bytes) -> bytes:
    """UTF-8 of the text deflated as low bytes, then high bytes, of its UTF-16."""
    halves = zlib.decompress(planar, -15)
    n = len(halves) // 2
    wide = bytearray(2 * n)
    wide[0::2], wide[1::2] = halves[:n], halves[n:]
    return wide.decode("utf-16-le", "surrogatepass").encode("utf-8", "surrogatepass")


def _bit_unpacked(line: bytes) -> bytes:
    """A `_BITS` line as the dense form it stands for."""
    _, count, bits, coding = _BITS_HEAD.unpack_from(line)
    mask = (1 << bits) - 1
    per_char: list[int] = []
    at = _BITS_HEAD.size
    for _ in range(0, count, 8):
        value = int.from_bytes(line[at:at + bits], "little")
        at += bits
        per_char += [(value >> (k * bits)) & mask for k in range(8)]
    del per_char[count:]
    text = _from_planar(line[at:]) if coding == _PLANAR16 else zlib.decompress(line[at:], -15)
    return _DENSE_HEAD.pack(_DENSE, count) + struct.pack("<%dH" % count, *per_char) + text


def _inflated(line: bytes) -> bytes:
    """A deflated or bit-packed line as the run or dense form it was made from; other lines
    as they are."""
    head = line[0] | line[1] << 8
    if head == _DEFLATED:
        return zlib.decompress(line[2:], -15)
    if head == _BITS:
        return _bit_unpacked(line)
    return line


def _rstrip(runs: list[tuple[str, CellStyle]]) -> list[tuple[str, CellStyle]]:
    """Trailing spaces go, whatever their style, as `capture-pane -e` does."""
    while runs:
        text, style = runs[-1]
        kept = text.rstrip(" ")
        if kept:
            runs[-1] = (kept, style)
            break
        runs.pop()
    return runs
