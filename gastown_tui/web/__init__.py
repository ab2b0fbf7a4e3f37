"""The browser dashboard (`gt dashboard`): the town served with textual-serve, safe by default.

Public API (import from the modules; this package imports nothing, so `gt` starts fast)::

    from gastown_tui.web.server import DashboardOptions, serve
    serve(DashboardOptions(town_root, port=8080, bind="127.0.0.1", token=None,
                           read_only=False, open_browser=False), say=print)
        # blocks until SIGINT/SIGTERM; says the URL (with ?token= when one is needed) once the
        # port is bound; OSError when it cannot bind (the command turns it into one line)
    options.url(with_token=True)            # what to open; a token is made for non-loopback binds

    from gastown_tui.web.app import DashboardApp       # what each browser tab runs
    DashboardApp(town_root, read_only=False, environ=dict).run()
        # = python -m gastown_tui.web TOWN [--read-only]

    from gastown_tui.web.guard import make_guard, cookie_name, is_loopback
        # aiohttp middleware: the token (?token=, then an HttpOnly SameSite=Strict cookie named
        # for the port, or Authorization: Bearer), loopback Host names when bound to loopback,
        # and a same-origin websocket
    from gastown_tui.web.source import TownSource      # ledger reads, no Textual

Each tab's app watches the host as an attached app does (`host.remote.RemoteHost`, screens
pushed as they change, `ui.live.LiveSessions` to its grid) and acts through `ui.acting`.
"""
