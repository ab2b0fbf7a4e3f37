"""The terminal engine: pty sessions, a faithful VT screen, a headless multiplexer, input
encoders and agent state. No Textual and no town words: scripts, tests and the host use it alike.

Public API (import from here or from the named module):

    Multiplexer(loop=None, fps=60, budget_ms=6)                          mux.py
        .spawn(name, argv, *, cwd=None, env=None, cols=80, rows=24, preset=None,
               transcript=None, history=10_000) -> Session
        .get(name) -> Session; .sessions() -> list[Session]; .focus(name); .focused
        .write(name, data); .send_key(name, key); .send_keys(name, keys); .paste(name, text)
        .mouse(name, kind, button, x, y, *, shift=False, alt=False, ctrl=False) -> bool
        .resize(name, cols, rows); .terminate(name); .kill(name); .close(name)
        .subscribe(callback) -> unsubscribe; await .wait(name, timeout=None)
        await .shutdown(grace=1.0); .stats (tick durations, bytes parsed)
    Session: .name .argv .screen .pid .alive .exit_code .exit_signal .state .reading
             .title .last_activity .cols .rows .preset .pending_bytes .bytes_parsed  session.py
    events: SessionAdded, LinesChanged(rows, cursor_x, cursor_y, cursor_visible),
            TitleChanged, Bell, StateChanged(old, new, reason, resets_at),
            Exited(exit_code, exit_signal), SessionClosed                      events.py
    Screen(columns, lines, *, history=10_000, on_reply=None, allow_clipboard=False) screen.py
    encode_key(key, *, application_cursor=False); encode_paste(text, *, bracketed)  keys.py
    encode_mouse(kind, button, x, y, *, mode, sgr, ...)                        mouse.py
    AgentState, PRESETS, read(preset, Observation) -> Reading(state, reason, resets_at),
        classify(preset, Observation), StateTracker                           state.py
    reset_time(text, now) (when a usage limit resets, from a CLI's words)    resets.py
    PtySession.spawn(argv, ...) (one pty without a screen), Transcript    pty.py, transcript.py
    capture.capture(argv, *, cols, rows, inputs, delay, timeout, ansi, history) -> Capture
    capture.replay(transcript_bytes, *, cols, rows, ansi, history) -> Capture

Everything runs on one asyncio loop; create the multiplexer inside it (or pass `loop`) and
touch sessions and screens only from that loop's thread. Errors a caller can cause
(`SessionError`, `SpawnError`, `UnknownKey`) carry `user_error = True` for one-line messages.
"""

from __future__ import annotations

from ..lazy import lazy_exports

_EXPORTS = {
    "Multiplexer": "mux", "SessionError": "mux", "Session": "session",
    "Screen": "screen", "CellStyle": "screen",
    "encode_key": "keys", "encode_paste": "keys", "encode_focus": "keys", "UnknownKey": "keys",
    "encode_mouse": "mouse",
    "AgentState": "state", "PRESETS": "state", "Preset": "state", "Observation": "state",
    "classify": "state", "StateTracker": "state", "read": "state", "Reading": "state",
    "reset_time": "resets",
    "PtySession": "pty", "SpawnError": "pty", "Transcript": "transcript",
    "Capture": "capture",
}

__all__ = sorted(_EXPORTS)


# Lazy, so importing one small module (keys, state) does not load pyte and the screen.
__getattr__ = lazy_exports(__name__, _EXPORTS)
