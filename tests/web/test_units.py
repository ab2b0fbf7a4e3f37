"""The dashboard's parts without a browser: the loopback rule, change detection over the
ledger, and agent rows from the host's reply (the app's own, `ui.model.agent_rows`)."""

from __future__ import annotations

import gc

import pytest

from gastown_tui.host.api import AgentInfo
from gastown_tui.ui.model import HookRow, TownView, agent_rows
from gastown_tui.web.guard import is_loopback
from gastown_tui.web.source import TownSource, parked_rows
from web_helpers import make_town


@pytest.mark.parametrize("bind, loopback", [
    ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False),
    ("example.com", False), ("", False),
])
def test_loopback_addresses(bind, loopback):
    assert is_loopback(bind) is loopback


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
