"""The host: the one live process per town (the app, or `gt up --headless`).

Public API (import from the modules; this package imports nothing, so `gt` starts fast)::

    from gastown_tui.host.host import Host
    host = Host(town, loop=None, mode="app", environ=None)
    await host.start() / await host.stop()    # HostError when another host runs (names it)
    host.mux                                  # term.mux.Multiplexer with every agent's pane
    host.agents: dict[str, Agent]             # "mayor" or "<rig>/<polecat>" -> role, rig,
                                              # polecat, agent preset, family (the program:
                                              # claude, codex, shell, demo, generic...), issue,
                                              # hook_state, pid, stalled, stuck
    host.settings                             # timings; environment overrides for tests:
        # GT_RESPAWN_BACKOFF, GT_STALL_SECONDS (else town stall_minutes), GT_SNAPSHOT_SECONDS,
        # GT_WATCH_SECONDS, GT_DONE_GRACE, GT_NUDGE_WAIT_SECONDS, GT_MERGE_CHECK_SECONDS
    host.subscribe(callback) -> unsubscribe   # callback(event: dict) for every town event:
        # kind in host_started/stopped, agent_started/exited/state/stalled/stuck/respawned,
        # hook_active/suspended/completed/archived, sling, nudge(_queued/_failed), mail,
        # convoy_landed, snapshot, dialog_answered, handoff, agent_start_failed
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

    from gastown_tui.host.client import HostClient   # other processes: HostClient(root).call(op)
    # ops (protocol.py: one JSON line each way; handlers.py): ping, shutdown, notify (the
    # ledger changed), agents {all}, peek {target, lines}, nudge {target, message, mode},
    # sling {issues, target, agent, no_convoy, base, crew, actor}, suspend | resume | stop |
    # restart | handoff {target, by, sender, message} (host.agent_action; restart and handoff
    # answer first), mayor {action: start|stop|status, agent}, reap, screens {known}, keys
    # {target, data | paste}; HostClient(root).events() streams events (subscribe)
    from gastown_tui.host.runtime import host_running, HostError, HostNotRunning
    from gastown_tui.host.events import read_events, append_event, describe
"""
