"""The dashboard's parts without a browser: mirrored screens, the Host rule and the kept
secret, change detection over the ledger, and agent rows from the host's reply."""

from __future__ import annotations

import gc
import os
import socket

import pytest

from gastown_tui.term.screen import Screen
from gastown_tui.ui.model import HookRow, TownView
from gastown_tui.web.guard import Guard
from gastown_tui.web.secret import STORED_NAME, SecretError, read_token_file, stored_token
from gastown_tui.web.remote import RemoteScreen, RemoteScreens, window
from gastown_tui.web.source import TownSource, agent_rows, parked_rows
from web_helpers import make_town


def snap_of(screen: Screen, version: str = "1") -> dict:
    return {"version": version, "cols": screen.columns, "rows": screen.lines,
            "lines": screen.ansi_lines(), "alive": True,
            "cursor": [screen.cursor_x, screen.cursor_y, not screen.cursor_hidden],
            "app_cursor": screen.modes.application_cursor,
            "bracketed_paste": screen.modes.bracketed_paste}


def test_a_mirror_shows_text_colours_and_cursor_of_the_source():
    source = Screen(30, 5)
    source.feed("plain \x1b[1;31mbold red\x1b[0m \x1b[48;5;22mbg\x1b[0m\r\n"
                "\u4e2d\u6587 wide".encode())
    source.feed(b"\x1b[?1h")
    mirror = RemoteScreen(30, 5)
    mirror.apply(snap_of(source))
    assert mirror.screen.text_lines() == source.text_lines()
    for y in range(5):
        assert mirror.screen.row_runs(y) == source.row_runs(y)
    assert (mirror.screen.cursor_x, mirror.screen.cursor_y) == (source.cursor_x, source.cursor_y)
    assert mirror.screen.modes.application_cursor


def test_only_changed_rows_are_rewritten_and_reported():
    source = Screen(20, 4)
    source.feed(b"one\r\ntwo\r\nthree")
    mirror = RemoteScreen(20, 4)
    mirror.apply(snap_of(source))
    source.feed(b"\x1b[2;1H\x1b[2KTWO")
    changed = mirror.apply(snap_of(source, "2"))
    assert 1 in changed and 0 not in changed and 2 not in changed
    assert mirror.screen.text_lines()[:3] == ["one", "TWO", "three"]
    assert mirror.version == "2"


def test_a_resized_source_rebuilds_the_mirror():
    mirror = RemoteScreen(20, 4)
    big = Screen(50, 10)
    big.feed(b"\x1b[10;45Hcorner")
    assert mirror.apply(snap_of(big)) is None
    assert (mirror.screen.columns, mirror.screen.lines) == (50, 10)
    assert mirror.screen.text_lines()[9].endswith("corner")


def test_hidden_cursor_and_a_cursor_past_the_last_column():
    source = Screen(10, 2)
    source.feed(b"0123456789\x1b[?25l")  # the cursor waits past the edge (pending wrap)
    mirror = RemoteScreen(10, 2)
    mirror.apply(snap_of(source))
    assert mirror.screen.cursor_hidden
    assert mirror.screen.text_lines()[0] == "0123456789"


def test_screens_come_and_go_with_the_hosts_reply():
    screens = RemoteScreens()
    a, b = Screen(10, 2), Screen(10, 2)
    changed, gone = screens.apply({"screens": {"a": snap_of(a), "b": snap_of(b)},
                                   "names": ["a", "b"]})
    assert changed == {"a": None, "b": None} and gone == []
    assert screens.known() == {"a": "1", "b": "1"}
    # Unchanged screens are not sent again; a closed session is gone.
    changed, gone = screens.apply({"screens": {}, "names": ["a"]})
    assert changed == {} and gone == ["b"]
    assert screens.clear() == ["a"] and screens.known() == {}


@pytest.mark.parametrize("bind, host, ok", [
    ("127.0.0.1", "127.0.0.1:8080", True), ("127.0.0.1", "localhost:8080", True),
    ("127.0.0.1", "LocalHost:8080", True), ("127.0.0.1", "[::1]:8080", True),
    ("127.0.0.1", "127.0.0.1:8081", False),        # another port: not this dashboard
    ("127.0.0.1", "127.0.0.1", False),             # port 80
    ("127.0.0.1", "evil.example:8080", False),     # DNS rebinding
    ("127.0.0.1", "localhost.evil.example:8080", False),
    ("127.0.0.1", "127.0.0.2:8080", False), ("127.0.0.1", "192.168.1.20:8080", False),
    ("127.0.0.1", "", False), ("127.0.0.1", "localhost:http", False),
    ("127.0.0.1", "[::1:8080", False), ("127.0.0.1", "x@localhost:8080", False),
    ("127.0.0.1", "localhost:8080/x", False),
    ("192.168.1.20", "192.168.1.20:8080", True), ("192.168.1.20", "localhost:8080", True),
    ("192.168.1.20", "10.0.0.9:8080", False),
    ("0.0.0.0", "10.0.0.9:8080", True), ("0.0.0.0", "[fe80::1]:8080", True),
    ("0.0.0.0", f"{socket.gethostname()}:8080", True),
    ("0.0.0.0", "evil.example:8080", False), ("::", "evil.example:8080", False),
    ("[::]", "[2001:db8::5]:8080", True),
])
def test_the_dashboard_answers_only_as_the_hosts_it_is_served_as(bind, host, ok):
    assert Guard("t" * 20, bind, 8080).host_ok(host) is ok


def test_a_kept_secret_is_made_once_private_and_replaced_when_it_is_not(tmp_path):
    runtime = tmp_path / ".runtime"
    runtime.mkdir(mode=0o700)
    first = stored_token(runtime)
    path = runtime / STORED_NAME
    assert len(first) >= 32 and (path.stat().st_mode & 0o777) == 0o600
    assert stored_token(runtime) == first                      # the same URL next time
    renewed = stored_token(runtime, renew=True)
    assert renewed != first and stored_token(runtime) == renewed
    os.chmod(path, 0o644)                                      # others could have read it
    widened = stored_token(runtime)
    assert widened != renewed and (path.stat().st_mode & 0o777) == 0o600
    path.write_text("short\n")                                # not a token
    assert stored_token(runtime) not in ("short", widened)
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere")
    made = stored_token(runtime)
    assert not path.is_symlink() and not (tmp_path / "elsewhere").exists()
    assert path.read_text() == made + "\n"
    assert [p.name for p in runtime.iterdir()] == [STORED_NAME]  # no temp file left


def test_a_token_file_must_be_private_and_hold_a_token(tmp_path):
    path = tmp_path / "secret"
    path.write_text("a-token-of-my-own-1234\n")
    os.chmod(path, 0o600)
    assert read_token_file(path) == "a-token-of-my-own-1234"
    for mode in (0o640, 0o604, 0o620):
        os.chmod(path, mode)
        with pytest.raises(SecretError, match=f"other users .mode 0{mode:o}.: chmod 600"):
            read_token_file(path)
    os.chmod(path, 0o600)
    for text in ("short", "has spaces in it, sixteen+", "x" * 300, ""):
        path.write_text(text)
        with pytest.raises(SecretError, match="must hold one token"):
            read_token_file(path)
    with pytest.raises(SecretError, match="is not a file"):
        read_token_file(tmp_path)
    with pytest.raises(SecretError, match="No such file"):
        read_token_file(tmp_path / "missing")


def test_the_ledger_is_read_again_only_when_it_changed(tmp_path):
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_setting

    def settle() -> None:
        # SQLite removes its -wal/-shm files when the last connection is collected: that is a
        # change too (a harmless extra read), so let it happen before checking for quiet.
        gc.collect()
        source.ledger_changed()

    root = tmp_path / "town"
    make_town(root, 1)
    source = TownSource(root)
    settle()
    assert not source.ledger_changed()
    find_town(root, {}).rig("sample").ledger("overseer").create("A new bead")
    assert source.ledger_changed()
    settle()
    assert not source.ledger_changed()
    set_setting(find_town(root, {}), "theme", "textual-light")
    assert source.ledger_changed()
    assert not source.ledger_changed()
    source.invalidate()
    assert source.ledger_changed()


def test_without_a_host_the_source_says_so(tmp_path):
    root = tmp_path / "town"
    make_town(root, 1)
    live = TownSource(root).live({})
    assert not live.running and live.agents == [] and not live.problem


def test_agent_rows_carry_mail_counts_by_address():
    view = TownView(unread_by={"sample/polecats/nux": 2, "mayor/": 1})
    rows = agent_rows([{"name": "sample/nux", "role": "polecat", "rig": "sample",
                        "state": "busy", "hook": "sa-1"},
                       {"name": "mayor", "role": "mayor", "rig": None, "state": "idle"}], view)
    assert [(r.name, r.state, r.bead, r.unread) for r in rows] == [
        ("sample/nux", "busy", "sa-1", 2), ("mayor", "idle", "", 1)]
    parked = parked_rows(TownView(hooks=[HookRow("sample/nux", "sample", "suspended", "sa-1"),
                                         HookRow("sample/max", "sample", "active", "sa-2")]))
    assert [(r.name, r.state) for r in parked] == [("sample/nux", "suspended"),
                                                    ("sample/max", "unknown")]


def test_a_short_pane_sees_the_rows_around_the_cursor():
    source = Screen(20, 10)
    source.feed(b"".join(b"line %d\r\n" % i for i in range(9)) + b"> typing")
    mirror = RemoteScreen(20, 10)
    mirror.apply(snap_of(source))
    assert mirror.set_view(4) is None  # rebuilt at the pane's height
    assert mirror.screen.text_lines() == ["line 6", "line 7", "line 8", "> typing"]
    assert (mirror.top, mirror.screen.cursor_y) == (6, 3)
    assert mirror.set_view(4) is False
    # The cursor goes back up (a full-screen program homes it): the window follows.
    source.feed(b"\x1b[2;1H")
    mirror.apply(snap_of(source, "2"))
    assert mirror.top == 0 and mirror.screen.text_lines()[1] == "line 1"
    # A pane taller than the agent's terminal shows all of it.
    assert mirror.set_view(30) is None
    assert mirror.screen.lines == 10 and mirror.top == 0


def test_a_short_pane_squeezes_the_blank_middle_of_a_full_screen_agent():
    source = Screen(30, 20)
    source.feed(b"header\r\nlog one\r\nlog two\x1b[18;1Hstatus: busy\x1b[19;1H----\x1b[20;1H> ")
    mirror = RemoteScreen(30, 20)
    mirror.apply(snap_of(source))
    mirror.set_view(7)
    assert mirror.screen.text_lines() == ["header", "log one", "log two", "", "status: busy",
                                          "----", ">"]
    assert (mirror.screen.cursor_x, mirror.screen.cursor_y) == (2, 6)
    assert window(["a", "", "", "b"], 3, 4) == [0, 1, 2, 3]  # it fits: every row as it is
