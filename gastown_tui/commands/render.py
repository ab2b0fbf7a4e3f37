"""Results and their rendering: a command's data becomes text tables, `key: value` lines or
JSON here, never in the command itself (see `core`).

Stored text is shown, never obeyed: every renderer passes the ledger's strings through
`visible` (a title's escape sequence shows as `^[]52;...`), and the text of every result goes
through it once more as a whole, so a renderer that forgets a field still sends the terminal
no control; JSON keeps the exact strings, with C1 and bidi characters as `\\u` escapes.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import enum
import json
import os
import re
import sys
from contextvars import ContextVar
from itertools import zip_longest
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from ..records import Factory, record
from ..visible import printable_ascii, visible, visible_json

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
# What `gt term capture --ansi` writes itself around a screen's text: SGR, and OSC 8 links.
_STYLES = re.compile(r"(\x1b\[[0-9;:]*m|\x1b\]8;;[^\x00-\x1f\x7f-\x9f]*\x1b\\)")


def view(cls: type) -> type:
    """A result class: a light record (`records.record`) rather than a dataclass, as every start
    of `gt` or `bd` defines the result classes of the command it runs; the renderers treat a
    view as a dataclass whose fields all show, in text and JSON."""
    return record(cls)


def field_names(obj: Any, purpose: str = "text") -> list[str] | None:
    """The fields a dataclass or view instance shows for `purpose` ("text" or "json"), or None
    when `obj` is neither."""
    names = getattr(type(obj), "__text_fields__" if purpose == "text" else "__view_fields__",
                    None)
    if names is not None:
        return list(names)
    # Nothing is a dataclass in a process that never imported dataclasses (most starts).
    dataclasses = sys.modules.get("dataclasses")
    if dataclasses is not None and dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [f.name for f in dataclasses.fields(obj) if f.metadata.get(purpose, True)]
    return None


@record
class Result:
    """What one command gave: data on success, a one-line error otherwise."""

    exit_code: int = EXIT_OK
    data: Any = None
    error: str | None = None
    output: str = ""  # text click printed itself (help, version)
    as_json: bool = False
    argv: list[str] = Factory(list)

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    def render(self) -> str:
        """The text the shell prints on stdout (errors are separate, see `error_line`)."""
        if self.output:
            return self.output.rstrip("\n")
        if self.as_json:
            if self.error is not None:
                return json.dumps({"error": self.error, "exit_code": self.exit_code})
            own = getattr(self.data, "json_text", None)
            if callable(own):
                # Results that already hold their JSON text (the ledger's cached lines) skip
                # the pure-Python indenting encoder, which costs ~50 ms per 5,000 beads.
                return visible_json(own())
            return visible_json(json.dumps(to_jsonable(self.data), indent=2,
                                           ensure_ascii=False))
        if self.error is not None:
            return ""
        text = render_text(self.data)
        if getattr(self.data, "keeps_escapes", False):
            # A screen asked for with its colours (`gt term capture --ansi`): its styles are the
            # one control meant for the terminal; what the program drew is shown.
            parts = _STYLES.split(text)
            return "".join(p if i % 2 else visible(p, lines=True) for i, p in enumerate(parts))
        return visible(text, lines=True)

    def error_line(self, prog: str) -> str:
        # Errors quote what was typed or stored (an id, a title): one line, shown, not obeyed.
        return f"{prog}: error: {visible(self.error)}" if self.error else ""


def emit(result: Result, prog: str) -> int:
    """Print a Result the way the shell shows it; return its exit code. Tables fit a terminal
    (long cells shortened); piped output keeps every cell whole."""
    width = None
    if sys.stdout.isatty():
        import shutil

        width = shutil.get_terminal_size().columns
    with shown_at(width):
        text = result.render()
    if text:
        if len(text) >= _PIPE_BUFFER:
            _widen_pipe(len(text) + 1)
        sys.stdout.write(text + "\n")
    if result.error:
        # With --json the error object is on stdout too; people watching read stderr.
        sys.stderr.write(result.error_line(prog) + "\n")
    sys.stdout.flush()
    return result.exit_code


_PIPE_BUFFER = 1 << 16      # what a pipe holds unless asked for more
_PIPE_MOST = 1 << 20        # the most an unprivileged process may ask (fs.pipe-max-size)


def _widen_pipe(size: int) -> None:
    """A long result (every open bead, 570 KB for 6,700) into a pipe: the pipe made to hold it
    whole, so the one write is not parked until the reader drains it nine times over (~3 ms
    of wall and CPU at 6,700 beads). Anything but a pipe, or a refusal, changes nothing."""
    try:
        import fcntl
        import stat

        fd = sys.stdout.fileno()
        if (stat.S_ISFIFO(os.fstat(fd).st_mode)
                and fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ) < size):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, min(size, _PIPE_MOST))
    except (OSError, ValueError, AttributeError):
        pass


def to_jsonable(obj: Any) -> Any:
    """Plain JSON types from dataclasses, paths, dates, enums, lists and dicts."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    to_json = getattr(obj, "to_json", None)
    if callable(to_json):
        return to_json()
    names = field_names(obj, "json")
    if names is not None:
        return {n: to_jsonable(getattr(obj, n)) for n in names}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (_dt.datetime, _dt.date)):
        return obj.isoformat()
    if isinstance(obj, enum.Enum):
        return obj.value
    return str(obj)


# Text for the data classes of the layers below, which know nothing of rendering, by the
# class's dotted name (so registering one imports nothing): name -> function.
_TEXT_OF: dict[str, Callable[[Any], str]] = {}


def text_of(class_name: str) -> Callable[[Callable[[Any], str]], Callable[[Any], str]]:
    """Register the function that renders instances of the class `class_name` (dotted, e.g.
    "gastown_tui.town.convoys.Convoy") as text."""
    def register(fn: Callable[[Any], str]) -> Callable[[Any], str]:
        _TEXT_OF[class_name] = fn
        return fn
    return register


def _registered(obj: Any) -> Callable[[Any], str] | None:
    cls = type(obj)
    return _TEXT_OF.get(f"{cls.__module__}.{cls.__qualname__}")


def render_text(obj: Any) -> str:
    """Human text: a registered renderer's (`text_of`) or the object's own `render_text()`,
    else a table or `key: value` lines."""
    if obj is None:
        return ""
    registered = _registered(obj)
    if registered is not None:
        return registered(obj)
    own = getattr(obj, "render_text", None)
    if callable(own):
        return own()
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "(none)"
        if all(_registered(o) or callable(getattr(o, "render_text", None)) for o in obj):
            return "\n".join(render_text(o) for o in obj)
        if all(field_names(o) is not None for o in obj):
            names = field_names(obj[0])
            rows = [[_cell(getattr(o, n)) for n in names] for o in obj]
            return table(rows, [n.upper() for n in names])
        # One line per item: a label with a newline in it must not read as two labels.
        return "\n".join(visible(o) if isinstance(o, str) else render_text(o) for o in obj)
    names = field_names(obj)
    if names is not None:
        return _key_values([(n, getattr(obj, n)) for n in names])
    if isinstance(obj, dict):
        return _key_values(list(obj.items()))
    return str(obj)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (list, tuple, set)):
        return ",".join(visible(str(v)) for v in value) or "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return visible(str(value))


def _key_values(pairs: list[tuple[str, Any]]) -> str:
    width = max((len(k) for k, _ in pairs), default=0)
    return "\n".join(f"{k + ':':<{width + 1}} {_cell(v)}" for k, v in pairs)


# The terminal's width while a result is printed to one (`emit`); None: piped, or shown in
# the app, where results scroll sideways: cells are never shortened then.
_WIDTH: ContextVar[int | None] = ContextVar("table_width", default=None)
ELLIPSIS = "…"
GAP = "  "


@contextlib.contextmanager
def shown_at(width: int | None) -> Iterator[None]:
    """Tables rendered inside fit `width` cells (None: as wide as their cells)."""
    token = _WIDTH.set(width)
    try:
        yield
    finally:
        _WIDTH.reset(token)


def cell_width(text: str) -> int:
    """Terminal cells `text` takes (a CJK character or an emoji takes two)."""
    if text.isascii():
        return len(text)
    from wcwidth import wcswidth

    n = wcswidth(text)
    return n if n >= 0 else sum(max(0, _char_width(c)) for c in text)


def _char_width(char: str) -> int:
    from wcwidth import wcwidth

    n = wcwidth(char)
    return 1 if n < 0 else n


def shorten(text: str, width: int) -> str:
    """`text` cut to `width` cells, its last cell an ellipsis when anything was cut."""
    if cell_width(text) <= width:
        return text
    if width <= 0:
        return ""
    out, used = [], 0
    for char in text:
        w = _char_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out).rstrip() + ELLIPSIS


def table(rows: Sequence[Sequence[str]], headers: Sequence[str] | None = None, *,
          keep: Sequence[str] = ()) -> str:
    """The one table of every list: aligned columns (measured in terminal cells), a header
    row, the last column not padded, each cell on one line with its controls as marks
    (`visible`). Printed to a terminal narrower than the table, long cells are shortened with
    an ellipsis: the widest column that can still give gives, one cell at a time, down to its
    header's width; columns named in `keep` (ids people copy) never shorten. Piped, or in the
    app, nothing is shortened."""
    if headers and _WIDTH.get() is None and rows and set(map(len, rows)) == {len(headers)}:
        plain = _plain_table(list(zip(*rows)), headers)
        if plain is not None:
            return plain
    # Rows that are not all printable ASCII: those are measured with len() and laid out by one
    # format a row; only the other rows go through `visible` and wcwidth.
    body = [r if "".join(r).isprintable() else [visible(c) for c in r] for r in rows]
    all_rows = ([list(headers)] if headers else []) + body
    if not all_rows:
        return ""
    sizes = _cell_widths(all_rows)
    widths = [max(column) for column in zip_longest(*sizes, fillvalue=0)]
    limit = _WIDTH.get()
    if limit is not None:
        widths = _fit(widths, limit, headers, keep)
        all_rows = [[shorten(c, widths[i]) for i, c in enumerate(r)] for r in all_rows]
        sizes = _cell_widths(all_rows)
    whole = GAP.join([*(f"{{:<{w}}}" for w in widths[:-1]), "{}"])  # (pads by len())
    return "\n".join(
        (whole.format(*r) if len(r) == len(widths) and "".join(r).isascii() else
         GAP.join([*(c + " " * (widths[i] - w[i]) for i, c in enumerate(r[:-1])), *r[-1:]]))
        .rstrip() for r, w in zip(all_rows, sizes))


def column_table(columns: Sequence[Sequence[str]], headers: Sequence[str], *,
                 keep: Sequence[str] = ()) -> str:
    """`table` of the rows these columns (of equal length, one per header) make, for callers
    that hold their data by column (`bd list`'s thousands of beads): no rows are built when
    every cell is printable ASCII and nothing is shortened."""
    if _WIDTH.get() is None:
        plain = _plain_table(columns, headers)
        if plain is not None:
            return plain
    return table(list(zip(*columns)), headers, keep=keep)


def _plain_table(columns: Sequence[Sequence[str]], headers: Sequence[str]) -> str | None:
    """The table when every cell is printable ASCII (and no width applies), else None: widths
    by len(), each checked a column at a time, and one %-format for every row, run in C."""
    if not all(printable_ascii("".join(column)) for column in [headers, *columns]):
        return None
    widths = [max(len(head), max(map(len, column), default=0))
              for head, column in zip(headers, columns)]
    line = GAP.join([*(f"%-{w}s" for w in widths[:-1]), "%s"])
    lines = [line % tuple(headers), *map(line.__mod__, zip(*columns))]
    last = columns[-1]
    # A row ends in spaces only when its last cell is empty or ends in one.
    if "" in last or any(cell[-1] == " " for cell in last):
        lines = [text.rstrip() for text in lines]
    else:
        lines[0] = lines[0].rstrip()
    return "\n".join(lines)


def _cell_widths(rows: list[list[str]]) -> list[list[int]]:
    return [list(map(len, r)) if "".join(r).isascii() else [cell_width(c) for c in r]
            for r in rows]


MIN_SHORTENED = 4  # cells a shortened column keeps at least (three and the ellipsis)


def _fit(widths: list[int], limit: int, headers: Sequence[str] | None,
         keep: Sequence[str]) -> list[int]:
    widths = list(widths)
    floors = []
    for i, w in enumerate(widths):
        head = headers[i] if headers and i < len(headers) else ""
        floors.append(w if head in keep and head else
                      min(w, max(cell_width(head), MIN_SHORTENED)))
    excess = sum(widths) + len(GAP) * (len(widths) - 1) - limit
    while excess > 0:
        givers = [i for i, w in enumerate(widths) if w > floors[i]]
        if not givers:
            break
        widest = max(givers, key=lambda i: (widths[i], i))
        runner_up = max((widths[i] for i in givers if i != widest), default=floors[widest])
        step = min(excess, widths[widest] - max(floors[widest], runner_up - 1))
        step = max(step, 1)
        widths[widest] -= step
        excess -= step
    return widths
