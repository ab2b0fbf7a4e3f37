"""Results and their rendering: a command's data becomes text tables, `key: value` lines or
JSON here, never in the command itself (see `core`).

Stored text is shown, never obeyed: every renderer passes the ledger's strings through
`visible` (a title's escape sequence shows as `^[]52;...`), and the text of every result goes
through it once more as a whole, so a renderer that forgets a field still sends the terminal
no control; JSON keeps the exact strings, with C1 and bidi characters as `\\u` escapes.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
import re
import sys
from pathlib import Path
from typing import Any, Sequence

from ..records import Factory, record
from ..visible import visible, visible_json

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
    """Print a Result the way the shell shows it; return its exit code."""
    text = result.render()
    if text:
        sys.stdout.write(text + "\n")
    if result.error:
        # With --json the error object is on stdout too; people watching read stderr.
        sys.stderr.write(result.error_line(prog) + "\n")
    sys.stdout.flush()
    return result.exit_code


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


def render_text(obj: Any) -> str:
    """Human text: an object's own `render_text()`, else a table or `key: value` lines."""
    if obj is None:
        return ""
    own = getattr(obj, "render_text", None)
    if callable(own):
        return own()
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "(none)"
        if all(callable(getattr(o, "render_text", None)) for o in obj):
            return "\n".join(o.render_text() for o in obj)
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


def table(rows: Sequence[Sequence[str]], headers: Sequence[str] | None = None) -> str:
    """A plain aligned table; the last column is not padded. Cells show one line each, their
    controls as marks (`visible`), so every row stays one line and the columns line up."""
    all_rows = [list(headers)] if headers else []
    all_rows += [[visible(c) for c in r] for r in rows]
    if not all_rows:
        return ""
    from wcwidth import wcswidth

    def w(s: str) -> int:
        n = wcswidth(s)
        return n if n >= 0 else len(s)

    ncols = max(len(r) for r in all_rows)
    widths = [max((w(r[i]) for r in all_rows if i < len(r)), default=0) for i in range(ncols)]
    lines = []
    for r in all_rows:
        cells = [c + " " * (widths[i] - w(c)) if i < len(r) - 1 else c for i, c in enumerate(r)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
