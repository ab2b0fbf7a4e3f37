"""The `gt` commands agents run inside their panes all the time (`gt prime`, `gt hook`,
`gt done`, `gt mail send|inbox|read`), as plain functions of an `Env` and their parameters.

No click here: the registry's commands (`gt_host_work.py`, `gt_mail.py`) declare the words and
run these bodies (`core.runs`), and the fast entry (`fast.py`) runs the same bodies without
loading click. Domain packages are imported inside functions only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from ..visible import visible
from .calls import Env, UsageError, after_answer
from .render import table, text_of, to_jsonable, view

if TYPE_CHECKING:
    from ..town import Town


def town_of(env: Env) -> "Town":
    """The caller's town (`NotInTown` says how to get one)."""
    from ..town import find_town

    return find_town(env.cwd, env.environ)


def identity_of(town: "Town", env: Env) -> str:
    """The caller's address: an in-process caller's `Env.actor` when it sets one (the app acts
    for whoever is at the keyboard), else `current_identity` of its directory and variables."""
    from ..town import current_identity

    return env.actor or current_identity(town, env.cwd, env.environ)


def tell_host(town: "Town", events: Iterable[dict[str, Any]] = ()) -> None:
    """The ledger changed: a running host looks now (and publishes `events`, so live viewers
    see them); without a host the events go straight to the town's event log. A served
    command does it after its caller has the answer (`calls.after_answer`)."""
    events = list(events)
    after_answer(lambda: _tell_host(town, events))


def _tell_host(town: "Town", events: list[dict[str, Any]]) -> None:
    from ..host.api import Notify
    from ..host.client import HostClient
    from ..host.events import append_event
    from ..host.runtime import HostError

    try:
        HostClient(town.root, timeout=2).request(Notify(events))
        return
    except HostError:
        pass  # no host, or a busy one (which sees the change on its next ledger check)
    for event in events:
        append_event(town.root, event)


# ---------------------------------------------------------------------------------------------
# Views


@view
class HookView:
    """What is on the caller's hook (`gt hook`)."""

    address: str | None
    issue: str | None
    title: str | None = None
    description: str | None = None
    state: str | None = None
    branch: str | None = None
    worktree: str | None = None
    # Its merge request, and why it came back when it did (conflict, gate failed, rejected).
    merge_request: str | None = None
    merge_state: str | None = None
    target: str | None = None
    rejection: str | None = None
    fix: str | None = None
    files: list | None = None

    def render_text(self) -> str:
        if not self.issue:
            return f"nothing is on the hook of {visible(self.address or 'this shell')}"
        v = visible
        text = (f"{v(self.address or '')}: {v(self.issue)} {v(self.title or '')}\n"
                f"state: {v(str(self.state))}   branch: {v(str(self.branch))}\n"
                f"{v(self.description or '', lines=True)}").rstrip()
        if self.rejection:
            text += f"\n\n{self.merge_request} came back ({self.merge_state}): " \
                    f"{v(self.rejection)}\n{v(self.fix or '')}"
        return text


@view
class Sent:
    """What `gt mail send` delivered: one message per recipient."""

    messages: list[Any]

    def to_json(self) -> list[dict]:
        return [to_jsonable(m) for m in self.messages]

    def render_text(self) -> str:
        from ..town.addresses import shown_address

        return "\n".join(f"Sent {visible(m.id)} to {visible(shown_address(m.to))}: "
                         f"{visible(m.subject)}" for m in self.messages)


def _when(m: Any) -> str:
    return m.created_at[:16].replace("T", " ")


def _flags(m: Any) -> str:
    return (" " if m.read else "*") + ("!" if m.urgent else "")


class MailList(list):
    """Messages (JSON: the list): `gt mail inbox` (* marks unread, ! urgent), or a thread
    with the recipient of each."""

    def __init__(self, messages, thread: bool = False):
        super().__init__(messages)
        self.thread = thread

    def render_text(self) -> str:
        from ..town.addresses import shown_address

        if not self:
            return "(no messages)" if self.thread else "(inbox empty)"
        if self.thread:
            return table([[m.id, _when(m), shown_address(m.sender), shown_address(m.to),
                           m.subject] for m in self], ["ID", "DATE", "FROM", "TO", "SUBJECT"],
                         keep=["ID"])
        return table([[_flags(m), m.id, _when(m), shown_address(m.sender), m.subject]
                      for m in self], ["", "ID", "DATE", "FROM", "SUBJECT"], keep=["ID"])


# The town's messages know nothing of rendering: their text is registered here, where the
# fast entry and the registry (gt_mail imports this module) both find it.
@text_of("gastown_tui.town.mail.Message")
def message_text(m: Any) -> str:
    from ..town.addresses import shown_address

    return (f"{_flags(m):<2} {visible(m.id)}  {_when(m)}  {visible(shown_address(m.sender))}"
            f"  {visible(m.subject)}")


@text_of("gastown_tui.town.mail.Letter")
def letter_text(letter: Any) -> str:
    from ..town.addresses import shown_address
    from ..when import ago, local_time

    m = letter.message
    v = visible
    head = [f"From:    {v(shown_address(m.sender))}", f"To:      {v(shown_address(m.to))}",
            f"Date:    {v(ago(m.created_at))} ({v(local_time(m.created_at))})",
            f"Subject: {v(m.subject)}" + ("  [urgent]" if m.urgent else ""),
            f"Id:      {v(m.id)}  (thread {v(m.thread)})"]
    return "\n".join(head) + "\n\n" + v(m.body, lines=True).rstrip("\n")


# ---------------------------------------------------------------------------------------------
# The commands (their help text is in the registry, beside their words)


@view
class HookOutput:
    """Text an agent CLI's hook reads as it is (already JSON)."""

    text: str

    def render_text(self) -> str:
        return self.text


def prime(env: Env, as_hook: bool) -> Any:
    from ..town.prime import prime as make_prime

    made = make_prime(town_of(env), env.cwd, env.environ)
    if as_hook and not env.json:
        from ..town.session_hooks import hook_output

        return HookOutput(hook_output(made.render_text()))
    return made


def hook(env: Env) -> HookView:
    from ..town import hooks as hooks_mod

    town = town_of(env)
    h = hooks_mod.my_hook(town, env.environ, env.cwd)
    if h is None or not h.issue or not h.live:
        return HookView(h.address if h else identity_of(town, env), None,
                        state=h.state if h else None)
    from ..town.mq import REJECTED, mr_for_issue, what_to_do

    rig = town.rig(h.rig)
    issue = rig.ledger().get(h.issue)
    view_ = HookView(h.address, issue.id, issue.title, issue.description, h.state,
                     h.branch, h.worktree)
    mr = mr_for_issue(rig, issue.id)
    if mr is not None:
        view_.merge_request, view_.merge_state, view_.target = mr.id, mr.label, mr.target
        if mr.state in REJECTED:
            view_.rejection, view_.fix, view_.files = mr.reason, what_to_do(mr), mr.files
    return view_


def done(env: Env, message: str | None) -> Any:
    from ..town.done import finish

    town = town_of(env)
    result = finish(town, env.cwd, env.environ, message, later=after_answer)
    events = []
    if result.merge_request:
        from ..host.events import make_event

        events.append(make_event("mr_submitted", mr=result.merge_request, rig=result.rig,
                                 issue=result.issue, by=identity_of(town, env),
                                 branch=result.branch, target=result.target))
    tell_host(town, events)
    return result


def mail_send(env: Env, address: str, subject: str, body: str | None, from_stdin: bool,
              urgent: bool) -> Sent:
    from ..town.mail import send_mail

    if (body is None) == (not from_stdin):
        raise UsageError("give the text with -m TEXT or --stdin (one of them)")
    if from_stdin:
        if env.stdin is None:
            raise UsageError("--stdin needs a shell's standard input; give the text with -m")
        body = env.stdin.read()
    town = town_of(env)
    return Sent(send_mail(town, identity_of(town, env), address, subject, body or "",
                          urgent=urgent))


def mail_inbox(env: Env, address: str | None, unread: bool, archived: bool) -> Any:
    from ..town.mail import inbox

    town = town_of(env)
    return MailList(inbox(town, address or identity_of(town, env), unread=unread,
                          archived=archived))


def mail_read(env: Env, message_id: str) -> Any:
    from ..town.mail import read_message

    town = town_of(env)
    return read_message(town, message_id, identity_of(town, env))
