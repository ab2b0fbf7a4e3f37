"""The host: the one live process per town (`gt up --headless [--detach]`, the background host
`gt` starts and attaches to, or the app with `gt app --embedded`).

Public API (import from the modules; this package imports nothing, so `gt` starts fast)::

    from gastown_tui.host.host import Host
    host = Host(town, loop=None, mode="app", environ=None)   # mode: headless | detached | app
    await host.start() / await host.stop()    # HostError when another host runs (names it)
    host.mux                                  # term.mux.Multiplexer with every agent's pane
    host.agents: dict[str, Agent]             # "mayor" or "<rig>/<polecat>" -> role, rig,
                                              # polecat, agent preset, family (the program:
                                              # claude, codex, shell, demo, generic...), issue,
                                              # hook_state, pid, stalled, stuck
    host.settings                             # timings; environment overrides for tests:
        # GT_RESPAWN_BACKOFF, GT_STALL_SECONDS (else town stall_minutes), GT_SNAPSHOT_SECONDS,
        # GT_WATCH_SECONDS, GT_DONE_GRACE, GT_DONE_WAIT_LIMIT, GT_NUDGE_WAIT_SECONDS,
        # GT_MERGE_CHECK_SECONDS
    host.subscribe(callback) -> unsubscribe   # callback(event: dict) for every town event:
        # kind in host_started/stopped, agent_started/exited/state/stalled/stuck/respawned,
        # hook_active/suspended/completed/archived, sling, nudge(_queued/_failed), mail,
        # convoy_landed, snapshot, dialog_answered, handoff, agent_start_failed,
        # agent_end_forced
    host.type_keys(name, data)                # a person's keys (held while a nudge types)
    host.paste_text(name, text)               # a person's paste (held the same way)
    await host.nudge(target, text, mode=None) # verified; mode immediate|wait-idle|queue
    await host.sling(issue_ids, target, agent=None, convoy=True, base=None, crew=None,
                     actor="overseer") -> list[town.sling.Slung]
    await host.suspend_agent(name, reason) -> snapshot id | None
    await host.resume_agent(name) / await host.restart_agent(name)
    await host.agent_action(what, target, by=, sender=, message=, later=) -> {agent, said, ...}
    await host.mayor_start(agent=None) / await host.mayor_stop()
    await host.domain(fn, *args)              # fn(town, *args) on the ledger/git thread
    host.resolve_target("nux" | "rig/nux" | "rig/polecats/nux" | "mayor") -> session name

    from gastown_tui.host import api        # the one typed interface: request and reply
        # classes (Ping, Agents, Peek, Nudge, Sling, Act, Mayor, Reap, Keys, GetHistory,
        # Notify, Shutdown; Hello/Watch and the notices Show, Input, Paste, Mouse, Resize,
        # Focus for watching clients), api.PROTOCOL (in every line; another version gets one
        # line saying to restart the host), and api.HostAPI, the interface the app and the
        # dashboard hold: request(req), subscribe(cb) (term.events + TownEvent + HostGone),
        # names(), screen(name), show(names), type_keys/paste/mouse/resize/focus, history(name)
    from gastown_tui.host.local import LocalHost      # HostAPI in process (gt app --embedded)
    from gastown_tui.host.remote import RemoteHost    # HostAPI over the socket (await connect())
    from gastown_tui.host.client import HostClient    # blocking, for `gt` commands:
        # HostClient(root).request(api.Agents(all=True)) -> list[api.AgentInfo];
        # .call(op, **wire_args) -> JSON data; .events() streams town events (subscribe)
    from gastown_tui.host.screens import MirrorScreen  # a client's copy of a pushed screen
    host.sizes                               # sizes.WindowSizes: the `window_size` rule
    from gastown_tui.host.runtime import host_running, HostError, HostNotRunning
    from gastown_tui.host.events import read_events, append_event, describe
"""
