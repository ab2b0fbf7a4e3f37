"""`gt dashboard`: the town in a web browser (textual-serve), safe by default.

It binds 127.0.0.1, and every dashboard, loopback included, has a secret its URL carries
(web/secret.py: from GT_DASHBOARD_TOKEN, --token-file, or made once and kept in the town).
aiohttp, textual-serve and Textual load only inside the callback.
"""

from __future__ import annotations

import dataclasses
import errno
from pathlib import Path

import click

from .core import CommandError, UsageError, get_env
from .towncli import current_town


@dataclasses.dataclass
class DashboardStopped:
    url: str
    message: str = "dashboard stopped"

    def render_text(self) -> str:
        return self.message


def _check(port: int, bind: str) -> None:
    import ipaddress

    if not 0 < port < 65536:
        raise UsageError(f"--port {port} is not a port: give 1-65535 (default 8080)")
    host = bind.strip("[]")
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise UsageError(f"--bind {bind!r} is not an IP address: give one such as "
                             "127.0.0.1 (default), 0.0.0.0 or a LAN address") from None


def _refuse_token(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        raise UsageError("--token puts the secret where every user of this machine reads it "
                         "(ps): give it in GT_DASHBOARD_TOKEN or a file only you can read "
                         "(--token-file), or leave it out and the town keeps one")


def _token(town_root: Path, token_file: Path | None, environ: dict[str, str],
           renew: bool) -> str:
    from ..host.runtime import runtime_dir
    from ..web.secret import RULE, TOKEN_ENV, SecretError, is_token, read_token_file, \
        stored_token

    given = environ.get(TOKEN_ENV)
    if renew and (token_file is not None or given is not None):
        raise UsageError(f"--new-token replaces the token the town keeps; with "
                         f"--token-file or {TOKEN_ENV} the token is yours to change")
    if token_file is not None:
        try:
            return read_token_file(token_file)
        except SecretError as e:
            raise UsageError(str(e)) from None
    if given is not None:
        if not is_token(given):
            raise UsageError(f"{TOKEN_ENV} must be {RULE} (or unset it and the town keeps "
                             "one)")
        return given
    try:
        return stored_token(runtime_dir(town_root), renew)
    except OSError as e:
        where = e.filename or town_root / ".runtime"
        raise CommandError(f"cannot keep the dashboard's token in {where}: {e.strerror} "
                           f"(or give one in {TOKEN_ENV} or --token-file)") from None


def register(root: click.Group) -> None:
    @root.command("dashboard")
    @click.option("--port", type=int, default=8080, show_default=True, help="TCP port to serve on.")
    @click.option("--bind", default="127.0.0.1", show_default=True,
                  help="Address to listen on (0.0.0.0: every address of this machine).")
    @click.option("--token-file", type=click.Path(path_type=Path), default=None,
                  help="A file only you can read (chmod 600) holding the secret. Else "
                       "GT_DASHBOARD_TOKEN, else the one the town keeps (made on first use).")
    @click.option("--new-token", is_flag=True,
                  help="Replace the token the town keeps: earlier URLs and cookies stop "
                       "working.")
    @click.option("--token", hidden=True, expose_value=False, callback=_refuse_token,
                  is_eager=True)
    @click.option("--read-only", is_flag=True,
                  help="Show everything, accept no actions (no typing, sling or config).")
    @click.option("--open", "open_browser", is_flag=True, help="Open it in a web browser.")
    def dashboard(port: int, bind: str, token_file: Path | None, new_token: bool,
                  read_only: bool, open_browser: bool):
        """Serve the town to a web browser: live agent terminals, convoys, hooks, mail and
        configuration. Reads the running host over its socket; without one it shows the
        ledger and says how to start the agents. The URL it prints carries the dashboard's
        secret; the browser keeps it in a cookie after the first load."""
        _check(port, bind)
        town = current_town()
        env = get_env()
        token = _token(town.root, token_file, env.environ, new_token)
        from ..web.server import DashboardOptions, serve

        options = DashboardOptions(town.root, token, port=port, bind=bind,
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
