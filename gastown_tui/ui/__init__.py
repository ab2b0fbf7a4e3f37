"""The full-screen app: live terminal panes beside the town's panels, attached to the town's host.

Public API (Textual is imported only by these modules, never by other layers)::

    from gastown_tui.ui.app import GastownApp, AppOptions
    GastownApp(AppOptions(town_root=Path, environ=dict, ...)).run()
        # town_root: attach to the town's host (hosting.attach: a background host is started
        #   when none runs); embedded=True: run the host in the app (hosting.embed)
        # start_host=False: a bare term.Multiplexer instead (tests, benchmarks)
        # live=False + view=TownView + panes={name: bytes}: fixed content (snapshot apps)
        # theme=, prefix_key=: override the town's `theme` / `prefix_key` settings
        # first_commands=[...]: registry command lines run once the host is up (gt demo)
        # early=hosting.attach_early(root, environ): a connection begun before Textual loads
        #   (what `gt` does): the first frame shows the agents and the first page's screens
    app.api (host.api.HostAPI), app.host and app.mux (in process only), app.view
    (model.TownView), app.main (screens.main.MainScreen), app.host_down (the host died:
    app.main.banner says so; ctrl+b R starts it again)
    await app.detach_app() / await app.stop_town()     # ctrl+b d / "stop the town"

    from gastown_tui.ui.live import LiveSessions       # a HostAPI's terminals -> a view's panes
    from gastown_tui.ui.acting import sling, act, nudge, peek, command_env
        # what a person does from the app and the dashboard alike (typed host requests)

    from gastown_tui.commands.gt_app import open_app, open_demo
    from gastown_tui.commands.calls import IN_APP
    open_app(env, town_root=None, first_commands=None, focus=None)  # what `gt` alone runs
    open_demo(env, target, agents)                        # what `gt demo` runs without --headless
        # both refuse (CommandError) when env.environ[IN_APP] is set: commands run from the
        # app's command bar never open a second app

    from gastown_tui.ui.widgets.terminal import TerminalPane, PaneSink
    TerminalPane(name, screen, sink, prefix_key="ctrl+b")  # a term.screen.Screen or a
        # host.screens.MirrorScreen; sink gets type_keys(bytes), paste(str), mouse(kind,
        # button, x, y, ...), resize(cols, rows), and gives history() (scrollback mode)
    pane.lines_changed(rows)                               # from term.events.LinesChanged
    pane.typing_now(); pane.type_key(key_event)            # the app's direct path for keys to
        # the focused pane's program (no trip through the pane's message queue)

    from gastown_tui.ui.widgets.linecache import SteadyLines  # mix in before a Textual widget
        # class: while none of its lines changed, a frame passing over it costs nothing
    from gastown_tui.ui.widgets.redraws import draw_now    # a widget's refreshed regions to the
        # terminal now, not at the screen's next frame (a focused pane's echo)

    from gastown_tui.ui.widgets.panels import AgentsPanel, ConvoysPanel, HooksPanel, \
        MailPanel, WorkPanel                               # .update_rows(list of model rows)
    from gastown_tui.ui.widgets.grid import PaneGrid       # .mount(pane), .arrange_panes()

    from gastown_tui.ui.theme import load_themes           # themes/*.toml -> textual Themes
    from gastown_tui.ui.keymap import PREFIX_BINDINGS      # the keys after the prefix, with ids
    from gastown_tui.ui.keymap import prefix_from_config   # setting -> (key, problem or None)
    from gastown_tui.ui.settings import check_app_setting  # (key, value, environ) -> problem
        # for `gt config set theme|prefix_key`: None, or one line saying why not

When the town's host stops under the app (`gt down` elsewhere), the app ends with
`app.HOST_STOPPED` as its message; when it dies, a banner says so (`ctrl+b R` starts it
again) until a host runs again.

Keys: a focused pane gets every key except the prefix (default ctrl+b); after it, one key acts
as in tmux (arrows/hjkl focus, z zoom, n/p cycle, : command bar, space palette, ? help,
[ scrollback, s sidebar, b hide it, < > resize it, w needs-me, ! jump, t theme, R restart a
host that died, d detach, q quit: detach or stop the town); the prefix twice sends it.
Keymap overrides: `[keymap] binding-id = "keys"` in the town config or
`~/.config/gastown/config.toml`; user themes in `~/.config/gastown/themes/*.toml`.
"""
