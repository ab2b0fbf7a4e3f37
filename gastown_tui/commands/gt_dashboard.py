"""`gt dashboard`: the town in a web browser (textual-serve), safe by default.

It binds 127.0.0.1; any other address needs a token (generated and printed when not given).
aiohttp, textual-serve and Textual load only inside the callback.
"""

from __future__ import annotations

import dataclasses
import errno
import re

import click

from .core import CommandError, UsageError, get_env
from .towncli import current_town

_TOKEN = re.compile(r"^[A-Za-z0-9._~-]{16,256}$")


@dataclasses.dataclass
class DashboardStopped:
    url: str
    message: str = "dashboard stopped"

    def render_text(self) -> str:
        return self.message


def _check(port: int, bind: str, token: str | None) -> None:
    import ipaddress

    if not 0 < port < 65536:
        raise UsageError(f"--port {port} is not a port: give 1-65535 (default 8080)")
    if token is not None and not _TOKEN.match(token):
        raise UsageError("--token must be 16-256 characters of letters, digits and . _ ~ - "
                         "(or leave it out and one is generated)")
    host = bind.strip("[]")
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise UsageError(f"--bind {bind!r} is not an IP address: give one such as "
                             "127.0.0.1 (default), 0.0.0.0 or a LAN address") from None


def register(root: click.Group) -> None:
    @root.command("dashboard")
    @click.option("--port", type=int, default=8080, show_default=True, help="TCP port to serve on.")
    @click.option("--bind", default="127.0.0.1", show_default=True,
                  help="Address to listen on; anything but loopback requires a token.")
    @click.option("--token", default=None,
                  help="Secret every request must carry (generated when binding beyond "
                       "loopback without one).")
    @click.option("--read-only", is_flag=True,
                  help="Show everything, accept no actions (no typing, sling or config).")
    @click.option("--open", "open_browser", is_flag=True, help="Open it in a web browser.")
    def dashboard(port: int, bind: str, token: str | None, read_only: bool, open_browser: bool):
        """Serve the town to a web browser: live agent terminals, convoys, hooks, mail and
        configuration. Reads the running host over its socket; without one it shows the
        ledger and says how to start the agents."""
        _check(port, bind, token)
        town = current_town()
        env = get_env()
        from ..web.server import DashboardOptions, serve

        options = DashboardOptions(town.root, port=port, bind=bind, token=token,
                                   read_only=read_only, open_browser=open_browser)
        try:
            serve(options, env.progress)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise CommandError(f"port {port} on {bind} is in use: pick another with "
                                   "--port") from None
            if e.errno == errno.EADDRNOTAVAIL:
                raise CommandError(f"{bind} is not an address of this machine: give one it "
                                   "has with --bind") from None
            if e.errno == errno.EACCES:
                raise CommandError(f"port {port} needs privileges: use a port above 1023") from None
            raise CommandError(f"cannot serve on {bind}:{port}: {e.strerror}") from None
        return DashboardStopped(options.url(with_token=False))
