"""Mail: message beads in the town ledger. The recipient is the assignee; labels carry
`from:<sender>`, `thread:<id>` (the id of the thread's first message) and `reply-to:<id>`.
Unread is open, read is closed; urgent mail has priority 0 and the `urgent` label."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ..records import field_names, record
from .addresses import expand, normalize
from .errors import TownError, usage
from .model import Town

if TYPE_CHECKING:
    from ..beads import Issue, Ledger

ARCHIVED = "archived"  # the label of mail put away


@record
class Message:
    id: str
    sender: str
    to: str
    subject: str
    read: bool
    urgent: bool
    created_at: str
    thread: str
    reply_to: str | None = None
    body: str = ""
    __text_hidden__ = ("body",)


@record
class Letter:
    """One message shown in full (`gt mail read`)."""

    message: Message

    def to_json(self) -> dict:
        return {n: getattr(self.message, n) for n in field_names(self.message)}


def _label(issue: "Issue", key: str) -> str | None:
    for lab in issue.labels:
        if lab.startswith(key + ":"):
            return lab[len(key) + 1:]
    return None


def to_message(issue: "Issue") -> Message:
    return Message(issue.id, issue.sender or _label(issue, "from") or "?", issue.assignee or "",
                   issue.title, issue.is_closed, "urgent" in issue.labels, issue.created_at,
                   _label(issue, "thread") or issue.id, _label(issue, "reply-to"),
                   issue.description)


def deliver(led: "Ledger", sender: str, recipients: Iterable[str], subject: str, body: str,
            urgent: bool = False, reply_to: str | None = None,
            thread: str | None = None) -> list[Message]:
    """Write one message bead per recipient, all in one transaction and one thread."""
    sent = []
    with led.transaction():
        for to in recipients:
            labels = [f"from:{sender}"] + (["urgent"] if urgent else [])
            if reply_to:
                labels.append(f"reply-to:{reply_to}")
            if thread:
                labels.append(f"thread:{thread}")
            issue = led.create(subject, description=body, issue_type="message", assignee=to,
                               priority=0 if urgent else 2, labels=labels, sender=sender)
            if thread is None:
                thread = issue.id
                issue = led.add_label(issue.id, f"thread:{thread}")
            sent.append(to_message(issue))
    return sent


def one_line(text: str) -> str:
    """A title made part of a subject or a convoy's name, both one line: a title may hold
    newlines (`bd update --title`), and "Done: <title>" must not refuse to be sent."""
    return text.replace("\r\n", " ").replace("\n", " ")


def _check_subject(subject: str) -> str:
    subject = subject.strip()
    if not subject or "\n" in subject:
        raise usage("a message needs a one-line subject (-s \"SUBJECT\")")
    return subject


def send_mail(town: Town, sender: str, to: str, subject: str, body: str,
              urgent: bool = False, reply_to: str | None = None) -> list[Message]:
    """Mail `to` (an address or a group); returns one Message per recipient. With `reply_to`
    the mail joins that message's thread."""
    recipients = expand(town, to)
    if not recipients:
        raise TownError(f"{to} has no members to mail yet")
    thread_id = to_message(_message(town, reply_to)).thread if reply_to else None
    return deliver(town.ledger(sender), sender, recipients, _check_subject(subject), body,
                   urgent, reply_to=reply_to, thread=thread_id)


def inbox(town: Town, address: str, unread: bool = False,
          archived: bool = False) -> list[Message]:
    """Messages to `address`, newest first; only unread ones with `unread`; archived ones only
    with `archived`."""
    who = normalize(town, address)
    issues = town.ledger().list(issue_type="message", assignee=who, include_closed=not unread,
                                order="-created")
    return [to_message(i) for i in issues if archived or ARCHIVED not in i.labels]


def _message(town: Town, message_id: str, actor: str | None = None) -> "Issue":
    from ..beads import LedgerError

    try:
        issue = town.ledger(actor).get(message_id)
    except LedgerError as e:
        raise TownError(str(e)) from None
    if issue.issue_type != "message":
        raise usage(f"{issue.id} is a {issue.issue_type}, not a message (see `gt mail inbox`)")
    return issue


def read_message(town: Town, message_id: str, reader: str) -> Letter:
    """Show a message; reading your own mail marks it read."""
    issue = _message(town, message_id, reader)
    if issue.assignee == reader and not issue.is_closed:
        issue = town.ledger(reader).close(issue.id, reason="read")
    return Letter(to_message(issue))


def mark(town: Town, message_id: str, read: bool, actor: str) -> Message:
    issue = _message(town, message_id, actor)
    led = town.ledger(actor)
    if read and not issue.is_closed:
        issue = led.close(issue.id, reason="read")
    elif not read and issue.is_closed:
        issue = led.reopen(issue.id)
    return to_message(issue)


def archive(town: Town, message_id: str, actor: str) -> Message:
    """Read and put away: the message leaves the inbox (`gt mail inbox --archived` still
    lists it) and its thread keeps it."""
    issue = _message(town, message_id, actor)
    led = town.ledger(actor)
    if not issue.is_closed:
        issue = led.close(issue.id, reason=ARCHIVED)
    if ARCHIVED not in issue.labels:
        issue = led.add_label(issue.id, ARCHIVED)
    return to_message(issue)


def reply(town: Town, message_id: str, sender: str, body: str) -> Message:
    original = to_message(_message(town, message_id, sender))
    if original.sender in ("?", ""):
        raise TownError(f"{original.id} has no sender to reply to")
    try:
        expand(town, original.sender)
    except TownError:
        raise TownError(f"{original.id} came from {original.sender!r}, which is no address in "
                        "this town: a reply would reach no inbox (send new mail with "
                        "`gt mail send ADDR`)") from None
    subject = original.subject if original.subject.startswith("Re: ") \
        else f"Re: {original.subject}"
    return deliver(town.ledger(sender), sender, [original.sender], subject, body,
                   reply_to=original.id, thread=original.thread)[0]


def thread(town: Town, message_id: str) -> list[Message]:
    """Every message of the thread `message_id` belongs to, oldest first."""
    root = to_message(_message(town, message_id)).thread
    issues = town.ledger().list(issue_type="message", label=f"thread:{root}",
                                include_closed=True, order="created")
    return [to_message(i) for i in issues]
