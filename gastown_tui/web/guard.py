"""Who may open the dashboard: the token, the Host header and the websocket's Origin.

Without a token the dashboard is reachable only on a loopback address, and even there a page
from another site in the same browser must not drive it: its websocket may only be opened by
the dashboard's own page (Origin), and only under a loopback host name (DNS rebinding). With a
token every request carries it (the `?token=` of the printed URL, then a same-site cookie).
No Textual here: `gt dashboard --help` and the tests load this cheaply.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from typing import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(bind: str) -> bool:
    host = bind.strip("[]")
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _host_name(host_header: str) -> str:
    """The name part of a Host header (`[::1]:8080` -> `::1`)."""
    return urlsplit(f"//{host_header}").hostname or ""


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def cookie_name(port: int) -> str:
    """Cookies are kept per host name, not per port: two dashboards on one machine must not
    overwrite each other's token."""
    return f"gt_dashboard_token_{port}"


def make_guard(token: str | None, loopback: bool, cookie: str) -> Callable:
    """An aiohttp middleware refusing what the rules above refuse: 401 without the token,
    403 for a foreign Host on loopback or a websocket opened from another origin."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if loopback and not is_loopback(_host_name(request.host)):
            raise web.HTTPForbidden(text="the dashboard answers only to a loopback host name "
                                         "(open http://127.0.0.1:PORT/)\n")
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin is not None \
                and urlsplit(origin).netloc.lower() != request.host.lower():
            raise web.HTTPForbidden(text="the dashboard's websocket opens only from its own "
                                         "page\n")
        from_query = request.query.get("token")
        if token is not None:
            bearer = request.headers.get("Authorization", "")
            given = (from_query or request.cookies.get(cookie)
                     or (bearer[7:] if bearer.startswith("Bearer ") else None))
            if not _same(given, token):
                raise web.HTTPUnauthorized(text="this dashboard needs its token: open the URL "
                                                "`gt dashboard` printed (it ends in ?token=...)\n")
        response = await handler(request)
        if token is not None and from_query is not None and not response.prepared:
            # The page's websocket and static files carry no query: they ride on the cookie.
            response.set_cookie(cookie, from_query, httponly=True, samesite="Strict", path="/")
        return response

    return guard
