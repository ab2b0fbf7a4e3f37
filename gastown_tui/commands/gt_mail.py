"""`gt mail`: persistent messages between the town's addresses."""

from __future__ import annotations

import click

from . import agent_calls
from .core import runs
from .towncli import complete_address, complete_mail, current_town, identity


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
    @runs(agent_calls.mail_send)
    def send():
        """Send mail to ADDRESS (or a group: @town, @rig/<rig>)."""

    @mail.command("inbox")
    @click.argument("address", required=False, shell_complete=complete_address)
    @click.option("--unread", is_flag=True, help="Only unread messages.")
    @click.option("--archived", is_flag=True, help="Archived messages too.")
    @runs(agent_calls.mail_inbox)
    def inbox_():
        """Messages to ADDRESS (default: you), newest first; * marks unread."""

    @mail.command("read")
    @click.argument("message_id", metavar="ID", shell_complete=complete_mail)
    @runs(agent_calls.mail_read)
    def read():
        """Show a message (and mark it read when it is yours)."""

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

        return agent_calls.MailList(thread(current_town(), message_id), thread=True)
