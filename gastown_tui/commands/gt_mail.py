"""`gt mail`: persistent messages between the town's addresses."""

from __future__ import annotations

from typing import Any

import click

from ..visible import visible
from .core import UsageError, get_env
from .render import table, text_of, to_jsonable, view
from .towncli import complete_address, complete_mail, current_town, identity


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


def register(root: click.Group) -> None:
    @root.group("mail")
    def mail():
        """Mail between the Mayor, crew, polecats and you (overseer)."""

    @mail.command("send")
    @click.argument("address", shell_complete=complete_address)
    @click.option("-s", "--subject", required=True, help="One-line subject.")
    @click.option("-m", "--message", "body", help="The message text.")
    @click.option("--stdin", "from_stdin", is_flag=True, help="Read the message text from stdin.")
    @click.option("--urgent", is_flag=True, help="Mark as urgent (priority 0).")
    def send(address: str, subject: str, body: str | None, from_stdin: bool, urgent: bool):
        """Send mail to ADDRESS (or a group: @town, @rig/<rig>)."""
        from ..town.mail import send_mail

        if (body is None) == (not from_stdin):
            raise UsageError("give the text with -m TEXT or --stdin (one of them)")
        if from_stdin:
            stdin = get_env().stdin
            if stdin is None:
                raise UsageError("--stdin needs a shell's standard input; give the text with -m")
            body = stdin.read()
        town = current_town()
        return Sent(send_mail(town, identity(town), address, subject, body or "",
                              urgent=urgent))

    @mail.command("inbox")
    @click.argument("address", required=False, shell_complete=complete_address)
    @click.option("--unread", is_flag=True, help="Only unread messages.")
    @click.option("--archived", is_flag=True, help="Archived messages too.")
    def inbox_(address: str | None, unread: bool, archived: bool):
        """Messages to ADDRESS (default: you), newest first; * marks unread."""
        from ..town.mail import inbox

        town = current_town()
        return MailList(inbox(town, address or identity(town), unread=unread,
                              archived=archived))

    @mail.command("read")
    @click.argument("message_id", metavar="ID", shell_complete=complete_mail)
    def read(message_id: str):
        """Show a message (and mark it read when it is yours)."""
        from ..town.mail import read_message

        town = current_town()
        return read_message(town, message_id, identity(town))

    @mail.command("reply")
    @click.argument("message_id", metavar="ID", shell_complete=complete_mail)
    @click.option("-m", "--message", "body", required=True, help="The reply text.")
    def reply_(message_id: str, body: str):
        """Reply to a message's sender, in the same thread."""
        from ..town.mail import reply

        town = current_town()
        return reply(town, message_id, identity(town), body)

    @mail.command("mark-read")
    @click.argument("message_id", metavar="ID", shell_complete=complete_mail)
    def mark_read(message_id: str):
        """Mark a message read."""
        from ..town.mail import mark

        town = current_town()
        return mark(town, message_id, True, identity(town))

    @mail.command("mark-unread")
    @click.argument("message_id", metavar="ID", shell_complete=complete_mail)
    def mark_unread(message_id: str):
        """Mark a message unread."""
        from ..town.mail import mark

        town = current_town()
        return mark(town, message_id, False, identity(town))

    @mail.command("archive")
    @click.argument("message_id", metavar="ID", shell_complete=complete_mail)
    def archive_(message_id: str):
        """Mark a message read and take it out of the inbox (--archived lists it again)."""
        from ..town.mail import archive

        town = current_town()
        return archive(town, message_id, identity(town))

    @mail.command("thread")
    @click.argument("message_id", metavar="ID", shell_complete=complete_mail)
    def thread_(message_id: str):
        """Every message of the thread ID belongs to, oldest first."""
        from ..town.mail import thread

        return MailList(thread(current_town(), message_id), thread=True)
