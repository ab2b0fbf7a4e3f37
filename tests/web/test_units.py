"""The dashboard's parts without a browser: the Host rule and the kept secret, change
detection over the ledger, and agent rows from the host's reply (the app's own,
`ui.model.agent_rows`)."""

from __future__ import annotations

import gc
import os
import socket

import pytest

from gastown_tui.host.api import AgentInfo
from gastown_tui.ui.model import HookRow, TownView, agent_rows
from gastown_tui.web.guard import Guard
from gastown_tui.web.secret import STORED_NAME, SecretError, read_token_file, stored_token
from gastown_tui.web.source import TownSource, parked_rows
from web_helpers import make_town


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


def test_agent_rows_carry_mail_counts_by_address():
    view = TownView(unread_by={"sample/polecats/nux": 2, "mayor/": 1})
    rows = agent_rows([AgentInfo("sample/nux", "polecat", "sample", "demo", 7, "busy", "sa-1",
                                 "active", False, 1.0, 0.5, "polecats",
                                 "sample/polecats/nux"),
                       AgentInfo("mayor", "mayor", None, "demo", 8, "idle", None, None, False,
                                 1.0, 0.5, "mayor", "mayor/")],
                      TownView(unread_by=view.unread_by,
                               hooks=[HookRow("sample/max", "sample", "suspended", "sa-2")]))
    assert [(r.name, r.state, r.bead, r.unread, r.parked) for r in rows] == [
        ("sample/nux", "busy", "sa-1", 2, False), ("mayor", "idle", "", 1, False),
        ("sample/max", "suspended", "sa-2", 0, True)]
    parked = parked_rows(TownView(hooks=[HookRow("sample/nux", "sample", "suspended", "sa-1"),
                                         HookRow("sample/max", "sample", "active", "sa-2")]))
    assert [(r.name, r.state) for r in parked] == [("sample/nux", "suspended"),
                                                    ("sample/max", "unknown")]


def test_agent_rows_say_what_a_waiting_or_limited_agent_waits_on():
    """The host's reason and reset time, over the wire as the dashboard receives them."""
    import json

    from gastown_tui.host import api

    infos = [AgentInfo("sample/nux", "polecat", "sample", "claude", 7, "limited", "sa-1",
                       "active", False, 1.0, 0.5, "polecats", "sample/polecats/nux",
                       "session limit", 1796562000.0),
             AgentInfo("sample/max", "polecat", "sample", "codex", 8, "waiting", "sa-2",
                       "active", False, 1.0, 0.5, "polecats", "sample/polecats/max",
                       "trust this folder?")]
    wire = [api.build(AgentInfo, json.loads(json.dumps(api.to_wire(i))), "a reply")
            for i in infos]
    rows = agent_rows(wire, TownView())
    assert [(r.state, r.reason, r.resets_at) for r in rows] == [
        ("limited", "session limit", 1796562000.0), ("waiting", "trust this folder?", None)]
