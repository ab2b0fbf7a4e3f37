"""The host's one typed interface: every request and reply as a small dataclass-like class, the
protocol version, the pushes a watching client receives, and `HostAPI`, the interface the app
and the dashboard hold (in process: `local.LocalHost`; over the socket: `remote.RemoteHost`).
Short-lived `gt` commands send the same requests with the blocking `client.HostClient`.

    from gastown_tui.host.api import Agents, Sling, Act, Peek, Nudge, ...
    rows = HostClient(root).request(Agents(all=True))        # -> list[AgentInfo]
    info = await api.request(Ping())                         # -> HostInfo

Wire form (`protocol.py`): one JSON object per line. A request is `{"v": PROTOCOL, "id": n,
"op": "agents", "args": {...}}`; its reply `{"v": PROTOCOL, "id": n, "ok": true, "result": ...}`
or `{"ok": false, "error": "...", "exit_code": n}`. A notice (keys, resize, ...) has no id and
gets no reply. A watching connection (after `Watch`) also receives `{"push": kind, ...}` lines.
A request without this version is refused in one line that says to restart the host.

Message classes are not `dataclasses.dataclass`: `gt` runs in every agent's pane and defines
all of these on each start, and dataclass() compiles code per class (~0.4 ms each). `message`
gives them the same shape (fields from annotations, defaults from the class, `__eq__`,
`__repr__`) plus their wire form, checked field by field when it comes in.
"""

from __future__ import annotations

import abc
from typing import Any, Callable

PROTOCOL = 2  # 1: the untyped JSON requests before the app attached to its host


class MessageError(Exception):
    """A request or reply whose fields do not fit its class (exit code 2, a usage error)."""

    user_error = True
    exit_code = 2


_CLASSES: dict[str, type] = {}
OPS: dict[str, type] = {}          # request op -> request class
NOTICES: dict[str, type] = {}      # notice op -> notice class (no reply)


def message(op: str | None = None, reply: str | None = None, notice: bool = False):
    """Make `cls` a message: fields from its annotations, defaults from the class. With `op`, it
    is a request (or, with `notice`, a notice) of that name whose answer is `reply` (a type in
    the mini grammar below)."""

    def wrap(cls: type) -> type:
        ann = cls.__dict__.get("__annotations__", {})
        names = tuple(n for n in ann if not n.startswith("_") and n != "op")
        defaults = {n: cls.__dict__[n] for n in names if n in cls.__dict__}

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            if len(args) > len(names):
                raise TypeError(f"{cls.__name__} takes {len(names)} fields")
            values = dict(zip(names, args))
            values.update(kwargs)
            for name in names:
                if name in values:
                    setattr(self, name, values[name])
                elif name in defaults:
                    default = defaults[name]
                    setattr(self, name, list(default) if isinstance(default, list) else default)
                else:
                    raise TypeError(f"{cls.__name__} needs {name}")

        def __repr__(self: Any) -> str:
            return f"{cls.__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"

        def __eq__(self: Any, other: Any) -> bool:
            if type(other) is not type(self):
                return NotImplemented
            return all(getattr(self, n) == getattr(other, n) for n in names)

        cls.__init__, cls.__repr__, cls.__eq__ = __init__, __repr__, __eq__
        cls.__hash__ = None
        cls.__view_fields__ = names  # the command layer renders these as it does its views
        cls._fields = {n: str(ann[n]) for n in names}
        cls._defaults = defaults
        cls.op = op
        cls.reply = reply
        _CLASSES[cls.__name__] = cls
        if op is not None:
            (NOTICES if notice else OPS)[op] = cls
        return cls

    return wrap


def to_wire(value: Any) -> Any:
    """A message (or a list of them, or a plain value) as JSON-able data."""
    fields = getattr(type(value), "_fields", None)
    if fields is not None:
        return {n: to_wire(getattr(value, n)) for n in fields}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):  # town.sling.Slung and Unslung
        return {n: to_wire(getattr(value, n)) for n in value.__dataclass_fields__}
    names = getattr(type(value), "__view_fields__", None)     # a light record (records.py)
    if names is not None:
        return {n: to_wire(getattr(value, n)) for n in names}
    return value


def from_wire(kind: str, data: Any, what: str = "value", side: str = "request") -> Any:
    """`data` checked against the type `kind`: "str", "int", "float", "bool", "dict", "Any",
    a message class name, "Slung" or "Unslung", "X | None" or "list[X]". A mismatch is a `MessageError`
    naming the field."""
    kind = kind.strip()
    if kind.endswith("| None"):
        return None if data is None else from_wire(kind[:-6], data, what, side)
    if kind.startswith("list["):
        inner = kind[5:-1]
        if not isinstance(data, list):
            raise MessageError(f"{side} needs a list {_noun(inner)} '{what}'")
        return [from_wire(inner, item, what, side) for item in data]
    if kind == "Any":
        return data
    check = _PLAIN.get(kind)
    if check is not None:
        if not check(data):
            raise MessageError(f"{side} needs {_article(kind)} '{what}'")
        return float(data) if kind == "float" else data
    if kind in ("Slung", "Unslung"):  # the ledger's own records (town.sling)
        from ..town import sling

        if not isinstance(data, dict):
            raise MessageError(f"{side} needs {_article(kind)} record '{what}'")
        return getattr(sling, kind)(**data)
    cls = _CLASSES.get(kind)
    if cls is None:
        raise MessageError(f"unknown type {kind!r} in the host protocol")
    return build(cls, data, side)


def build(cls: type, data: Any, side: str = "request") -> Any:
    """A `cls` message from its wire form, every field checked."""
    if not isinstance(data, dict):
        raise MessageError(f"{side} {cls.op or cls.__name__} must be an object")
    values = {}
    for name, kind in cls._fields.items():
        if name in data and not (data[name] is None and name in cls._defaults):
            values[name] = from_wire(kind, data[name], name, side)
        elif name not in cls._defaults:
            raise MessageError(f"{side} needs {_article(kind)} '{name}'")
    return cls(**values)


_PLAIN: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "dict": lambda v: isinstance(v, dict),
}
_NAMES = {"str": "text", "int": "whole number", "float": "number", "bool": "true or false",
          "dict": "object"}


def _article(kind: str) -> str:
    word = _NAMES.get(kind.replace(" | None", ""), kind)
    return ("an " if word[0] in "aeiou" else "a ") + word


def _noun(kind: str) -> str:
    return "of " + {"str": "texts", "int": "numbers"}.get(kind, kind)


def reply_from_wire(req: Any, data: Any) -> Any:
    """The typed reply to `req` from the host's result."""
    return from_wire(type(req).reply, data, "reply", "the host's reply") if type(req).reply \
        else data


def request_from_wire(op: str, args: Any) -> Any:
    """The request named `op` from its wire args (MessageError when unknown or malformed)."""
    cls = OPS.get(op) or NOTICES.get(op)
    if cls is None:
        known = ", ".join(sorted(OPS))
        raise MessageError(f"unknown request {op!r} (known: {known})")
    req = build(cls, args if args is not None else {})
    for name in getattr(cls, "_text", ()):
        if not getattr(req, name).strip():
            raise MessageError(f"request needs a text '{name}'")
    return req


def version_problem(client: Any, host: Any) -> str:
    """The one line for a client and a host that speak different protocols."""
    return (f"this gt speaks host protocol {client or 1} and the running host {host or 1}: "
            "restart the host with this gt (`gt down`, then `gt`)")


# ---------------------------------------------------------------------- replies


@message()
class HostInfo:
    pid: int
    mode: str
    town: str
    started: float
    agents: int
    protocol: int = PROTOCOL
    window_size: str = "latest"


@message()
class Stopping:
    pid: int
    stopping: bool = True


@message()
class Done:
    ok: bool = True


@message()
class AgentInfo:
    """One agent as the host sees it, worked out once (`rows.agent_infos`) for `gt agents`, the
    app and the dashboard. `state`: busy | waiting | idle | limited | stuck | exited |
    suspended. `reason`: what a waiting or limited agent waits on, as its screen says ("trust
    this folder?", "usage limit"); `resets_at`: when its limit ends (epoch seconds), if said."""

    name: str
    role: str
    rig: str | None
    agent: str | None
    pid: int | None
    state: str
    hook: str | None
    hook_state: str | None
    stalled: bool
    uptime: float | None
    last_activity: float | None
    kind: str | None = None       # polecats | crew | mayor
    address: str | None = None    # its mail address (mayor/, RIG/polecats/NAME, ...)
    reason: str = ""            # what a waiting or limited agent waits on; a queued issue's hold
    resets_at: float | None = None  # when a limited agent's limit resets (epoch seconds)


@message()
class PeekReply:
    agent: str
    state: str
    lines: list[str]


@message()
class NudgeReply:
    agent: str
    mode: str
    delivered: bool
    queued: bool
    attempts: int | None = None
    verified: bool | None = None
    position: int | None = None


@message()
class Acted:
    """What an agent action did; `said` is one line for a person."""

    agent: str
    action: str
    said: str
    state: str | None = None
    issue: str | None = None
    snapshot: str | None = None
    pid: int | None = None
    mailed: str | None = None


@message()
class MayorInfo:
    running: bool
    pid: int | None = None
    state: str | None = None
    agent: str | None = None
    uptime: float | None = None


@message()
class Reaped:
    ended: list[str]
    resumed: list[str]


@message()
class Typed:
    agent: str


@message()
class ChannelSent:
    """What one notification channel did (`town.notify.Sent`)."""

    channel: str
    ok: bool
    detail: str


@message()
class NotifyReport:
    """`gt notify test`: the channels the host used, and how many apps attached to it write
    the notice to their terminals."""

    sent: list[ChannelSent]
    apps: int


@message()
class History:
    """An agent's scrollback and screen for copy mode and search: `lines` oldest first, each
    a row as runs (`screens.encode_runs`) whose styles are in `styles` ([id, key] pairs)."""

    agent: str
    history: int                  # how many of `lines` are scrollback (the rest: the screen)
    lines: list[Any]
    styles: list[Any]


# ---------------------------------------------------------------------- requests


@message("hello", "HostInfo")
class Hello:
    """The first request of a long-lived connection (the app, the dashboard)."""

    version: int
    client: str = "gt"


@message("ping", "HostInfo")
class Ping:
    pass


@message("shutdown", "Stopping")
class Shutdown:
    """`gt down`: snapshot and suspend every hook, end every terminal, stop."""


@message("notify", "Done")
class Notify:
    """The ledger changed (a `gt`/`bd` command wrote it): look now, not at the next tick; the
    `events` it brings (`mr_submitted`, ... as `events.make_event` makes them) are published."""

    events: list[dict] = []


@message("agents", "list[AgentInfo]")
class Agents:
    all: bool = False      # also the agents the ledger knows that do not run
    queued: bool = False   # also the work in the dispatch queue (role and state `queued`)


@message("peek", "PeekReply")
class Peek:
    target: str
    lines: int = 20
    _text = ("target",)


@message("nudge", "NudgeReply")
class Nudge:
    target: str
    message: str
    mode: str | None = None
    _text = ("target", "message")


@message("sling", "list[Slung]")
class Sling:
    issues: list[str]
    target: str
    agent: str | None = None
    no_convoy: bool = False
    base: str | None = None
    crew: str | None = None
    actor: str = "overseer"
    _text = ("target",)


@message("act", "Acted")
class Act:
    """suspend | resume | stop | restart | handoff | move of one agent, with the host's
    checks."""

    what: str
    target: str
    by: str = "gt"
    sender: str = "overseer"
    message: str = ""
    agent: str | None = None    # move: the agent preset it goes on with
    _text = ("what", "target")


@message("mayor", "MayorInfo")
class Mayor:
    action: str            # start | stop | status
    agent: str | None = None
    _text = ("action",)


@message("unsling", "Unslung")
class Unsling:
    """`gt unsling NAME`: the work comes off the hook, its running agent stopped first."""

    target: str
    by: str = "overseer"
    _text = ("target",)


@message("reap", "Reaped")
class Reap:
    """`gt hooks repair`'s live half: end sessions whose hook is gone, resume parked ones."""


@message("keys", "Typed")
class Keys:
    """A person's keystrokes (`data`) or paste, on the held path (never inside a nudge)."""

    target: str
    data: str = ""
    paste: str = ""
    _text = ("target",)


@message("notify_test", "NotifyReport")
class NotifyTest:
    """Send one test notice through every channel (`gt notify test`)."""


@message("history", "History")
class GetHistory:
    target: str
    _text = ("target",)


@message("watch", "Done")
class Watch:
    """Turn this connection into a watching one: pushes follow (`Sessions`, `Frame`, `State`,
    `Goodbye`) until it closes. `fps` caps how often frames come; the screens sent are those
    named by `Show`."""

    fps: float = 30.0


# ---------------------------------------------------------------------- notices (no reply)
# A watching client's input and view. `data` holds bytes as latin-1 text (one char a byte).


@message("show", notice=True)
class Show:
    """The screens this client shows now (its visible panes); the others stop coming."""

    names: list[str]


@message("input", notice=True)
class Input:
    target: str
    data: str


@message("paste", notice=True)
class Paste:
    target: str
    text: str


@message("mouse", notice=True)
class Mouse:
    target: str
    kind: str
    button: str
    x: int
    y: int
    shift: bool = False
    alt: bool = False
    ctrl: bool = False


@message("resize", notice=True)
class Resize:
    """This client's pane for `target` is `cols` x `rows` (the window-size rule decides the
    agent's terminal size from every client's)."""

    target: str
    cols: int
    rows: int


@message("focus", notice=True)
class Focus:
    target: str


# ---------------------------------------------------------------------- pushes
# {"push": "<kind>", ...} lines to a watching client; `screens.py` builds and applies frames.


@message()
class SessionInfo:
    name: str
    cols: int
    rows: int
    state: str
    alive: bool


PUSH_SESSIONS = "sessions"   # {"sessions": [SessionInfo...]}: every live terminal, on change
PUSH_FRAME = "frame"         # screens.py: one screen's changes
PUSH_STATE = "state"         # {"name", "old", "new"}: an agent's state changed
PUSH_EXITED = "exited"       # {"name", "code", "signal"}
PUSH_EVENT = "event"         # {"event": {...}}: a town event (events.py)
PUSH_GOODBYE = "goodbye"     # {"reason"}: the host is stopping (`gt down`), not dying


# ---------------------------------------------------------------------- the interface


class TownEvent:
    """A town event (see events.py) for a watcher, beside the terminal events of `term.events`."""

    __slots__ = ("event",)

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event


class HostGone:
    """The host went away: `stopped` when it stopped on purpose (`gt down`, stop the town),
    otherwise it died (crash, kill -9) and can be restarted."""

    __slots__ = ("stopped", "reason")

    def __init__(self, stopped: bool, reason: str = "") -> None:
        self.stopped = stopped
        self.reason = reason


class HostAPI(abc.ABC):
    """The live town as the app and the dashboard see it, in process or over the socket.

    Requests are the messages above (`await api.request(Agents())`). Screens: `subscribe`
    delivers `term.events` events (SessionAdded/Closed, LinesChanged, TitleChanged, Bell,
    StateChanged, Exited) plus `TownEvent` and `HostGone`; `screen(name)` is the screen to draw
    (the host's own `term.screen.Screen` in process, a `screens.MirrorScreen` over the socket,
    both with the same reading API); `show(names)` says which screens this viewer draws. Input
    goes back with `type_keys`, `paste`, `mouse`, `resize` and `focus`.
    """

    @abc.abstractmethod
    async def request(self, req: Any) -> Any: ...

    @abc.abstractmethod
    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]: ...

    @abc.abstractmethod
    def names(self) -> list[str]: ...

    @abc.abstractmethod
    def screen(self, name: str) -> Any: ...

    @abc.abstractmethod
    def alive(self, name: str) -> bool: ...

    @abc.abstractmethod
    def show(self, names: list[str]) -> None: ...

    @abc.abstractmethod
    def type_keys(self, name: str, data: bytes) -> None: ...

    @abc.abstractmethod
    def paste(self, name: str, text: str) -> None: ...

    @abc.abstractmethod
    def mouse(self, name: str, kind: str, button: str, x: int, y: int, *, shift: bool = False,
              alt: bool = False, ctrl: bool = False) -> None: ...

    @abc.abstractmethod
    def resize(self, name: str, cols: int, rows: int) -> None: ...

    @abc.abstractmethod
    def focus(self, name: str) -> None: ...

    @abc.abstractmethod
    async def history(self, name: str) -> Any:
        """A screen-like object with the scrollback (`history_size`, `history_runs(i)`,
        `history_text(n)`) and the screen as it is now, for copy mode and search."""

    @abc.abstractmethod
    async def close(self) -> None: ...
