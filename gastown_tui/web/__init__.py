"""The browser dashboard (`gt dashboard`): the town served with textual-serve, safe by default.

Public API (import from the modules; this package imports nothing, so `gt` starts fast)::

    from gastown_tui.web.server import DashboardOptions, serve
    serve(DashboardOptions(town_root, token, port=8080, bind="127.0.0.1",
                           read_only=False, open_browser=False), say=print)
        # blocks until SIGINT/SIGTERM; says the URL (with ?token=) once the port is bound;
        # OSError when it cannot bind (the command turns it into one line)
    options.url(with_token=True)            # what to open

    from gastown_tui.web.secret import stored_token, read_token_file, TOKEN_ENV
        # the secret: kept 0600 in the town's 0700 runtime dir (made on first use), or read
        # from a 0600 file or GT_DASHBOARD_TOKEN; never from a command line

    from gastown_tui.web.app import DashboardApp       # what each browser tab runs
    DashboardApp(town_root, read_only=False, environ=dict).run()
        # = python -m gastown_tui.web TOWN [--read-only]

    from gastown_tui.web.guard import Guard, cookie_name
        # aiohttp middleware, every request: the Host is a name the dashboard is served as
        # (DNS rebinding), an Origin is its own (another site's page), and the token
        # (?token=, then an HttpOnly SameSite=Strict cookie named for the port, or
        # Authorization: Bearer); the tokened first load sets the cookie and moves on
    from gastown_tui.web.source import TownSource      # ledger reads, no Textual

Each tab's app watches the host as an attached app does (`host.remote.RemoteHost`, screens
pushed as they change, `ui.live.LiveSessions` to its grid) and acts through `ui.acting`.
"""
