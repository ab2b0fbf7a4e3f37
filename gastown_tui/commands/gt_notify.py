"""`gt notify test`: one notice through every channel that can reach a person outside the app
(the town's `notify_command`, a desktop notification, the terminals of attached apps and the
terminal this runs in), saying which it used."""

from __future__ import annotations

import click

from .core import get_env
from .render import view
from .towncli import current_town


@view
class NotifyTested:
    sent: list[dict]          # {"channel", "ok", "detail"}
    apps: int | None          # attached apps that write it to their terminals (None: no host)
    terminal: str | None = None   # how this terminal was told (osc9, osc777, bell)

    def used(self) -> list[str]:
        out = [s["channel"] for s in self.sent if s["ok"]]
        if self.apps:
            out.append("apps")
        if self.terminal:
            out.append("terminal")
        return out

    def render_text(self) -> str:
        lines = [f"{s['channel']}: {s['detail']}" for s in self.sent]
        if self.apps is None:
            lines.append("apps: no host runs, so no app is attached")
        else:
            lines.append(f"apps: {self.apps} attached app{'' if self.apps == 1 else 's'} "
                         "tell their terminals (OSC 9, OSC 777 or the bell, as each takes)")
        if self.terminal:
            lines.append(f"this terminal: {_METHOD_WORDS.get(self.terminal, self.terminal)}")
        return "\n".join(lines)


_METHOD_WORDS = {"osc9": "OSC 9", "osc777": "OSC 777", "bell": "the bell"}


def _this_terminal(environ: dict[str, str], setting: str) -> str | None:
    """Tell the terminal this command prints to, when it is one; the method used."""
    import os
    import sys

    from ..term.alerts import choose, sequence
    from ..town.notify import TITLE
    from .calls import IN_APP

    if environ.get(IN_APP) or not sys.stdout.isatty():
        return None
    method, wrap = choose(environ, setting)
    seq = sequence(method, TITLE, "a test notice from gt notify test", wrap)
    if not seq:
        return None
    sys.stdout.flush()
    os.write(sys.stdout.fileno(), seq.encode())
    return method


def register(root: click.Group) -> None:
    @root.group("notify")
    def notify():
        """Notifications outside the app: agents waiting or stuck, merge requests to look at,
        convoys landed."""

    @notify.command("test")
    def notify_test():
        """Send one notice through every channel there is, and say which were used."""
        from ..host.runtime import HostNotRunning, host_running
        from ..town.errors import TownError
        from ..town.notify import Notice, desktop, run_command

        town = current_town()
        env = get_env()
        config = town.config()
        command = str(config.get("notify_command") or "")
        on_desktop = config.get("notify_desktop", True) is not False
        sent: list[dict] | None = None
        apps = None
        if host_running(town.root) is not None:
            from ..host.api import NotifyTest
            from ..host.client import HostClient

            try:
                reply = HostClient(town.root, timeout=30).request(NotifyTest())
                sent = [{"channel": s.channel, "ok": s.ok, "detail": s.detail}
                        for s in reply.sent]
                apps = reply.apps
            except HostNotRunning:
                sent = None
        if sent is None:
            notice = Notice("test", "a test notice from gt notify test: notifications reach "
                            "you here")
            done = []
            if command:
                done.append(run_command(command, notice, str(town.root), env.environ))
            if on_desktop:
                done.append(desktop(notice, env.environ))
            sent = [{"channel": s.channel, "ok": s.ok, "detail": s.detail} for s in done]
        if not command:
            sent.insert(0, {"channel": "notify_command", "ok": False,
                            "detail": "not set (`gt config set notify_command 'CMD'`: CMD "
                                      "reads one JSON object on stdin)"})
        if not on_desktop:
            sent.append({"channel": "desktop", "ok": False,
                         "detail": "off (notify_desktop is false)"})
        tested = NotifyTested(sent, apps, None if env.json else _this_terminal(
            env.environ, str(config.get("notify_terminal") or "auto")))
        if not tested.used():
            raise TownError("no channel reached you: " + "; ".join(
                f"{s['channel']} {s['detail']}" for s in sent)
                + "; no app is attached and this is no terminal")
        return tested
