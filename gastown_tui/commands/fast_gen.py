"""Writes `fast_words.py`: the words of the commands agents call constantly, read from the
click registry, for the fast entry (`fast.py`) to parse without loading click.

The registry stays the one definition of every command; this turns the few it names into
plain tuples. A test fails while `fast_words.py` differs from what this makes, so a changed
option of one of these commands is one command away from being served fast again:

    python3 -m gastown_tui.commands.fast_gen

Only what the fast parser handles exactly as click does is accepted (text, flags, counts,
priorities, one or all remaining arguments, the eager `--json`, `--debug` and `--actor`);
anything else stops this with an error rather than being served differently.
"""

from __future__ import annotations

import pprint
import sys
from pathlib import Path
from typing import Any

import click

try:
    from click._utils import UNSET as _UNSET  # click >= 8.3 marks "not given" with it
except ImportError:
    _UNSET = None

# (program, command words): the commands agents run inside their panes all the time.
HOT = (
    ("bd", ("ready",)), ("bd", ("show",)), ("bd", ("list",)), ("bd", ("create",)),
    ("bd", ("update",)), ("bd", ("close",)),
    ("gt", ("prime",)), ("gt", ("hook",)), ("gt", ("done",)),
    ("gt", ("mail", "send")), ("gt", ("mail", "inbox")), ("gt", ("mail", "read")),
)

TARGET = Path(__file__).with_name("fast_words.py")

HEADER = '''"""The words of the commands agents call constantly, as the registry defines them, for the
fast entry (`fast.py`) to parse without loading click.

Made from the click tree by `python3 -m gastown_tui.commands.fast_gen`; a test fails while
this differs from what that makes. Do not edit by hand.

(program, command words) -> (module, body function, params); a param is
(name, option strings, kind, multiple, required, default), kind one of: text, count (a whole
number >= 0; count:N at most N), priority (0-4 or P0-P4), flag, arg (one argument), args (all
the rest), and json, debug, actor (the eager options that set the `Env`).
"""

'''


def _kind(cmd: click.Command, p: click.Parameter) -> str:
    where = f"{cmd.name} {p.name}"
    if isinstance(p, click.Argument):
        if p.type is not click.STRING:
            raise ValueError(f"{where}: type {p.type!r} is not served fast")
        if p.nargs == 1:
            return "arg"
        if p.nargs == -1:
            return "args"
        raise ValueError(f"{where}: nargs={p.nargs} is not served fast")
    assert isinstance(p, click.Option)
    if p.opts and not p.expose_value:
        effect = {"--json": "json", "--debug": "debug", "--actor": "actor"}.get(p.opts[0])
        if effect is None:
            raise ValueError(f"{where}: an option that sets no parameter is not served fast")
        return effect
    if p.secondary_opts or p.callback is not None or p.envvar or p.nargs != 1 \
            or p.prompt or p.count:
        raise ValueError(f"{where}: this kind of option is not served fast")
    if p.is_flag:
        if p.flag_value is not True and p.flag_value is not _UNSET:  # (UNSET: True, click 8.5)
            raise ValueError(f"{where}: a flag with its own value is not served fast")
        return "flag"
    from .bd_common import PriorityType

    t = p.type
    if t is click.STRING:
        return "text"
    if isinstance(t, PriorityType):
        return "priority"
    if isinstance(t, click.IntRange) and (t.min, t.min_open, t.max_open, t.clamp) == \
            (0, False, False, False) and (t.max is None or isinstance(t.max, int)):
        return "count" if t.max is None else f"count:{t.max}"
    raise ValueError(f"{where}: type {t!r} is not served fast")


def _default(cmd: click.Command, p: click.Parameter) -> Any:
    """What click passes for `p` when the words leave it out."""
    if not p.expose_value:
        return None
    ctx = click.Context(cmd)
    value, _source = p.consume_value(ctx, {})
    try:
        value = p.process_value(ctx, value)
    except click.MissingParameter:
        return None     # required: the fast entry leaves its absence to the registry
    return None if value is _UNSET else value   # what click then hands the callback


def words() -> dict[tuple[str, tuple[str, ...]], tuple[str, str, tuple]]:
    from . import bd, gt

    roots = {"bd": bd.root(), "gt": gt.root()}
    table = {}
    for prog, path in HOT:
        cmd: click.Command = roots[prog]
        for word in path:
            assert isinstance(cmd, click.Group)
            cmd = cmd.commands[word]
        body = getattr(cmd.callback, "body", None)
        if body is None:
            raise ValueError(f"{prog} {' '.join(path)}: its callback is not made with core.runs")
        params = tuple((p.name, tuple(p.opts), _kind(cmd, p),
                        bool(getattr(p, "multiple", False)), bool(p.required), _default(cmd, p))
                       for p in cmd.params)
        table[(prog, path)] = (body.__module__, body.__name__, params)
    return table


def render() -> str:
    return HEADER + "WORDS = " + pprint.pformat(words(), width=96, sort_dicts=False) + "\n"


def main() -> None:
    TARGET.write_text(render())
    print(f"wrote {TARGET}", file=sys.stderr)


if __name__ == "__main__":
    main()
