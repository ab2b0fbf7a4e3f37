"""Who may open the dashboard: its secret, the Host header and the Origin, on every request.

- The secret (see secret.py) comes with the printed URL's `?token=`; the answer to that first
  load keeps it in an HttpOnly, SameSite=Strict cookie named for the port and sends the
  browser on to the same address without it. Scripts may send `Authorization: Bearer`.
- The Host must be a name the dashboard is served as (loopback names, the bound address, and
  for a wildcard bind this machine's name or any IP address) with its port: a DNS-rebinding
  page reaches the port under its own name and is refused, secret or not.
- A request that carries an Origin (every browser's websocket does) must come from the
  dashboard's own page: another site's page in the owner's browser cannot drive it, even
  where the browser would send the cookie (another port of the same host is the same site).
No Textual here: the tests load this cheaply.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
import json
import socket
from typing import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from aiohttp import web

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "127.0.0.1", "::1"}
WILDCARDS = {"0.0.0.0", "::"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Every answer: never framed by another page (a same-site page could otherwise overlay the
# dashboard and have the owner type into it), never sending its address (and a token in it)
# on as a Referer.
HEADERS = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'",
           "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


def cookie_name(port: int) -> str:
    """Cookies are kept per host name, not per port: two dashboards on one machine must not
    overwrite each other's token."""
    return f"gt_dashboard_token_{port}"


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


class Guard:
    """The rules above for one dashboard (its token, bound address and port)."""

    def __init__(self, token: str, bind: str, port: int) -> None:
        self.token = token
        self.port = port
        self.cookie = cookie_name(port)
        bound = bind.strip("[]").lower()
        self.wildcard = bound in WILDCARDS
        self.names = set(LOOPBACK_NAMES)
        if self.wildcard:
            # Reached from other machines by this machine's name or any of its addresses. An
            # IP address in the Host is never a rebinding: that needs the attacker's name.
            self.names.add(socket.gethostname().lower())
        else:
            self.names.add(bound)

    def host_ok(self, host: str) -> bool:
        try:
            parts = urlsplit(f"//{host}")
            name, port = parts.hostname, parts.port or 80
        except ValueError:  # a port that is no number, a bracket left open
            return False
        if not name or port != self.port or parts.username is not None or parts.path:
            return False
        if name in self.names:
            return True
        if not self.wildcard:
            return False
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    def token_of(self, request: web.Request) -> str | None:
        bearer = request.headers.get("Authorization", "")
        return (request.query.get("token") or request.cookies.get(self.cookie)
                or (bearer[7:] if bearer.startswith("Bearer ") else None))

    def served_as(self) -> str:
        names = sorted(n if ":" not in n else f"[{n}]" for n in self.names)
        also = " or any of this machine's IP addresses" if self.wildcard else ""
        return ", ".join(f"{n}:{self.port}" for n in names) + also

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        host = request.headers.get("Host", "")
        if not self.host_ok(host):
            return refusal(403, "This address is not the dashboard's",
                           f"The dashboard answers only as {html.escape(self.served_as())}. "
                           "Open the URL that <code>gt dashboard</code> printed.")
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc.lower() != host.lower():
            return refusal(403, "Another page may not open the dashboard",
                           "The dashboard opens only from its own page. Open the URL that "
                           "<code>gt dashboard</code> printed.")
        if not _same(self.token_of(request), self.token):
            return refusal(401, "This dashboard needs its secret",
                           "Open the URL that <code>gt dashboard</code> printed when it "
                           "started: it carries the secret (<code>?token=…</code>) and "
                           "this browser keeps it from then on. Starting "
                           "<code>gt dashboard</code> again in the town prints it again.")
        if "token" in request.query and request.path == "/" and request.method == "GET":
            return self.keep_and_forward(request)
        return await handler(request)

    def keep_and_forward(self, request: web.Request) -> web.Response:
        """The printed URL's first load: keep the token in the cookie and send the browser on
        to the same address without it. A page that moves on (not a 30x): a SameSite=Strict
        cookie is not sent along a redirect that a click on another site started (or the
        file:// page that --open uses), so the app's own load would be refused."""
        rest = [(k, v) for k, v in request.query.items() if k != "token"]
        target = "/" + (f"?{urlencode(rest)}" if rest else "")
        quoted = html.escape(target, quote=True)
        page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Gas Town</title>"
                f"<meta http-equiv=\"refresh\" content=\"0;url={quoted}\">"
                f"<script>location.replace({_js_string(target)})</script></head>"
                f"<body><p>Opening the dashboard: <a href=\"{quoted}\">continue</a></p>"
                "</body></html>")
        response = web.Response(text=page, content_type="text/html",
                                headers={"Cache-Control": "no-store"})
        response.set_cookie(self.cookie, self.token, httponly=True, samesite="Strict",
                            path="/")
        return response


def _js_string(text: str) -> str:
    return json.dumps(text).replace("<", "\\u003c")


def refusal(status: int, title: str, body_html: str) -> web.Response:
    page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
            f"<p>{body_html}</p></body></html>\n")
    return web.Response(status=status, text=page, content_type="text/html",
                        headers={"Cache-Control": "no-store"})


async def add_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """aiohttp's on_response_prepare: every answer, refusals and errors included."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
