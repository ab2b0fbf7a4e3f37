"""The `gt` and `bd` scripts' entries: the commands agents call constantly, answered without
loading the command registry.

Agents run `bd ready`, `bd show`, `gt prime`, `gt hook`, `gt done`, `gt mail ...` and poll
`gt agents --json` inside their panes, and on a loaded machine the registry's start (click and
the command tree, ~20 ms) costs as much as the answer. So:

- `gt agents [--all] [--json]` is served with the registry's own views (`live_views.py`) and
  one request on the host's socket; any failure (not in a town, no host) goes to the registry.
- The commands of `fast_words.py` (made from the registry's click tree by `fast_gen.py`) are
  parsed here and run through the very function the registry's command runs (`core.runs`),
  with the same `Env`, error handling (`calls.py`) and printer (`render.emit`).

Only words parsed here exactly as click parses them are served: anything else (`--help`, an
unknown or malformed option, a missing argument, a value that click would have to judge, a
completion request) goes to the registry, which says what is wrong in its own words. So the
fast path never answers differently, only sooner; tests run both on the same words and compare.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

# What the shells' completion scripts set when they call `gt` or `bd` back
# (calls.completion_var).
COMPLETE_VAR = "_GT_COMPLETE"
BD_COMPLETE_VAR = "_BD_COMPLETE"


def main(argv: Sequence[str] | None = None) -> None:
    """The `gt` script."""
    _run("gt", argv)


def bd_main(argv: Sequence[str] | None = None) -> None:
    """The `bd` script."""
    _run("bd", argv)


def _run(program: str, argv: Sequence[str] | None) -> None:
    """The town's command server, else `run_here`, answers `program`'s arguments."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and (program, args[0]) in SERVED:
        code = served(program, args)
        if code is not None:
            sys.exit(code)
    run_here(program, args)


def run_here(program: str, args: list[str]) -> None:
    """In this process: `gt agents`, then the fast words, then the registry."""
    gc.disable()    # see _at_exit
    from ..gitload import install
    from ..inflight import hold

    hold()  # an agent's terminal is not ended while this runs (see inflight.py)
    install()   # pygit2 without `ssl` (see gitload.py)
    code = None
    try:
        if program == "gt":
            code = agents(args)
        if code is None:
            code = serve(program, args)
    finally:
        _at_exit()
    if code is None:
        registry_main = importlib.import_module(f".{program}", __package__).main
        try:
            registry_main(args)
        finally:
            _at_exit()
    sys.exit(code)


# The commands agents call all the time, which the town's command server answers when its
# host runs one (served.py): (program, first word).
SERVED = frozenset({("bd", "ready"), ("bd", "show"), ("bd", "list"), ("bd", "create"),
                    ("bd", "update"), ("bd", "close"), ("gt", "prime"), ("gt", "hook"),
                    ("gt", "done"), ("gt", "mail")})
NO_SERVER_VAR = "GT_NO_SERVER"
# Kept equal to served.PROTOCOL and host.runtime's serve socket (a test compares them):
# importing either would cost every start what serving saves.
_PROTOCOL = b"gt-serve/1"
_SERVE_SOCKET = "/.runtime/serve.sock"
_MAX_SOCKET_PATH = 100


def served(program: str, args: list[str]) -> int | None:
    """Have the command server of the caller's town (`GT_TOWN_ROOT`, which the host gives
    its agents) run `program args` with this process's directory, environment and standard
    files; its exit status, or None when this process must run it (no server, a refusal, any
    failure before the command started). Signals this process gets go to the command's
    process. Only builtin modules here: this is every agent command's start."""
    environ = os.environ
    root = environ.get("GT_TOWN_ROOT", "")
    if not root.startswith("/") or environ.get(NO_SERVER_VAR):
        return None
    path = root.rstrip("/") + _SERVE_SOCKET
    if len(os.fsencode(path)) > _MAX_SOCKET_PATH or not os.path.exists(path):
        return None     # (a stat costs less than loading _socket for nothing)
    import _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
        streams = (sys.stdin, sys.stdout, sys.stderr)
        if any(s is None for s in streams):
            return None
        umask = os.umask(0o22)
        os.umask(umask)
        enc = os.fsencode
        fields = [_PROTOCOL, enc(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                  enc(sys.executable), program.encode(), enc(os.getcwd()), b"%d" % umask,
                  enc(sys.argv[0] if sys.argv else program), b"%d" % len(args),
                  *map(enc, args)]
        for s in streams:
            fields += [s.encoding.encode(), s.errors.encode()]
        fields += [k + b"=" + v for k, v in os.environb.items()]
        body = b"\0".join(fields)
        message = len(body).to_bytes(4, "big") + body
        fds = b"".join(s.fileno().to_bytes(4, sys.byteorder) for s in streams)
        sent = sock.sendmsg([message], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
        if sent < len(message):
            sock.sendall(message[sent:])
    except (OSError, ValueError):
        sock.close()
        return None
    try:
        return _await(sock, program)
    finally:
        sock.close()


def _await(sock, program: str) -> int | None:
    """Read the server's answer: the command's pid (signals to this process go to it from
    then on), then how it ended."""
    import _signal

    child = 0
    pending: list[int] = []

    def forward(signum: int, _frame) -> None:
        if not child:
            pending.append(signum)
            return
        try:
            os.kill(child, signum)
        except OSError:
            pass    # it has just ended: its status is on the way

    forwarded = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP)
    before = [_signal.signal(sig, forward) for sig in forwarded]
    try:
        data = b""
        while True:
            try:
                chunk = sock.recv(256)
            except OSError:
                chunk = b""
            data += chunk
            while b"\n" in data:
                line, _, data = data.partition(b"\n")
                word, _, value = line.partition(b" ")
                if not value.isdigit():
                    word = b"?"     # from no server of ours: as a refusal before the pid
                if word == b"pid" and not child:
                    child = int(value)
                    for signum in pending:
                        forward(signum, None)
                elif word == b"exit" and child:
                    return int(value)
                elif word == b"signal" and child:
                    _die_by(int(value))
                    return 128 + int(value)
                elif not child:
                    return None     # stale, another protocol, declined: run it here
            if not chunk:
                break
    finally:
        for sig, handler in zip(forwarded, before):
            _signal.signal(sig, handler)
        if not child:
            for signum in pending:  # they were meant for the command, which runs here now
                os.kill(os.getpid(), signum)
    if not child:
        return None
    sys.stderr.write(f"{program}: error: the town's command server ended before the command "
                     f"did (pid {child}): see whether it did its work before running it again\n")
    return 1


def _die_by(signum: int) -> None:
    """End as the command's process ended: by its signal (a shell reports it the same)."""
    import _signal

    sys.stdout.flush()
    sys.stderr.flush()
    _signal.signal(signum, _signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _at_exit() -> None:
    """What a `gt` or `bd` process has made so far is kept out of the cycle collector's
    sight from here on (`gc.freeze`), and the collector runs again for what comes next (the
    registry's command, which may be the app). Python looks for garbage cycles among every
    object a process holds as it exits (and among the young ones while it imports): ~6 ms
    of each command agents call (`bd show` +13 ms over a bare interpreter, +7 without), to
    free memory the exit gives back anyway. Objects are still freed when their last
    reference goes; only cycles still around at exit are left to it, whose finalizers
    Python never promises to run (no file or ledger of ours relies on one: a ledger's
    commits are in SQLite's log before the command returns)."""
    gc.freeze()
    gc.enable()


def agents(args: list[str]) -> int | None:
    """Serve `gt agents [--all] [--json]`; None when the registry must answer instead."""
    words = [a for a in args if a != "--json"]
    if words not in (["agents"], ["agents", "--all"]) or os.environ.get(COMPLETE_VAR):
        return None
    from .live_views import AgentRow, Agents
    from .render import Result

    try:
        from ..host.api import Agents as AgentsRequest
        from ..host.client import HostClient
        from ..town.model import find_town

        town = find_town(Path.cwd(), os.environ)
        rows = HostClient(town.root).request(AgentsRequest(all=len(words) == 2, queued=True))
        data = Agents([AgentRow.of(r) for r in rows])
    except Exception:  # noqa: BLE001 - the registry reports every failure in its own words
        return None
    return _print(Result(data=data, as_json="--json" in args), "gt")


def serve(prog: str, args: list[str]) -> int | None:
    """Run `prog args` when it is one of `fast_words.WORDS`, parsed as click would parse it;
    None when the registry must answer instead."""
    if os.environ.get(COMPLETE_VAR if prog == "gt" else BD_COMPLETE_VAR):
        return None
    from .fast_words import WORDS

    for n in (2, 1):
        entry = WORDS.get((prog, tuple(args[:n])))
        if entry is not None:
            break
    else:
        return None
    module, name, params = entry
    parsed = parse(params, args[n:])
    if parsed is None:
        return None
    values, actor = parsed
    from .calls import Env, failure, internal_error, ledger_errors, read_flags
    from .render import EXIT_OK, Result

    env = Env.from_process()
    if read_flags(args, env) is not None:
        return None     # words that are not UTF-8: the registry refuses them
    if actor:
        env.actor = actor
    body = getattr(importlib.import_module(module), name)

    def call() -> Any:
        return body(env, **values)

    try:
        try:
            data = ledger_errors(call) if prog == "bd" else call()
            result = Result(EXIT_OK, data, as_json=env.json, argv=args)
        except (Exception, KeyboardInterrupt) as e:
            result = failure(e, env, args)
    except Exception as e:  # noqa: BLE001 - the last line of defence against tracebacks
        result = internal_error(e, env, args)
    return _print(result, prog)


Param = tuple[str, tuple[str, ...], str, bool, bool, Any]


def parse(params: Sequence[Param], words: list[str]) -> tuple[dict[str, Any], str] | None:
    """The parameters click would pass for `words` (and the `--actor` given, or ""), or None
    for words this parser cannot vouch for. It knows click's ways for the kinds of
    `fast_words.py`: options anywhere among the arguments, `--opt=value`, `-ovalue`, the
    last of a repeated option, `--` ending the options."""
    options = {opt: p for p in params if p[2] not in ("arg", "args") for opt in p[1]}
    values: dict[str, Any] = {}
    actor = ""
    positional: list[str] = []
    at = 0
    while at < len(words):
        word = words[at]
        at += 1
        if word == "--":
            positional += words[at:]
            break
        if not word.startswith("-") or word == "-":
            positional.append(word)
            continue
        if word.startswith("--"):
            opt, eq, value = word.partition("=")
            attached = bool(eq)
        else:
            opt, value = word[:2], word[2:]
            attached = bool(value)
        param = options.get(opt)
        if param is None:
            return None
        name, _opts, kind, multiple, _required, _default = param
        if kind in ("flag", "json", "debug"):
            if attached:
                return None     # `-xy` runs of flags, `--flag=value`: click's to judge
            got: Any = True
        else:
            if not attached:
                if at == len(words) or words[at].startswith("-"):
                    return None     # a missing value, or one that looks like an option
                value = words[at]
                at += 1
            got = _convert(kind, value)
            if got is None:
                return None
        if kind == "actor":
            actor = got
        elif kind not in ("json", "debug"):
            if multiple:
                values.setdefault(name, []).append(got)
            else:
                values[name] = got
    for name, _opts, kind, multiple, required, default in params:
        if kind == "arg":
            if positional:
                values[name] = positional.pop(0)
            elif required:
                return None
            else:
                values[name] = default
        elif kind == "args":
            if required and not positional:
                return None
            values[name], positional = tuple(positional), []
        elif kind not in ("json", "debug", "actor"):
            if name in values:
                if multiple:
                    values[name] = tuple(values[name])
            elif required:
                return None
            else:
                values[name] = default
    if positional:
        return None     # extra arguments: click's error
    return values, actor


def _convert(kind: str, value: str) -> Any:
    if kind in ("text", "actor"):
        return value
    if kind.startswith("count"):
        if not (value.isascii() and value.isdigit()):
            return None
        top = kind.partition(":")[2]
        return int(value) if not top or int(value) <= int(top) else None
    if kind == "priority" and value.isascii():
        from .ledger_calls import priority_word

        return priority_word(value)
    return None


def _print(result: Any, prog: str) -> int:
    from .render import EXIT_OK, emit

    try:
        return emit(result, prog)
    except BrokenPipeError:
        # `gt ... | head`: the reader went away; that is not our failure (as shell_main).
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")
        return EXIT_OK
