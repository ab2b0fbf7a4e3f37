"""One table renderer for every list (`commands/render.table`): aligned columns measured in
terminal cells, a header row, long cells shortened with an ellipsis in a narrow terminal (the
widest column that can give gives), nothing shortened when piped; JSON unchanged."""

from __future__ import annotations

import json
import os
import re
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from wcwidth import wcswidth

from gastown_tui.commands.gt_costs import Costs
from gastown_tui.commands.gt_host_demo import demo_text
from gastown_tui.commands.gt_host_work import HookList, HookRow
from gastown_tui.commands.gt_mq import MrList
from gastown_tui.commands.gt_queue import QueueList
from gastown_tui.commands.live_views import AgentRow, Agents
from gastown_tui.commands.render import column_table, render_text, shown_at, table
from gastown_tui.host.demo import DemoResult, DemoWork
from gastown_tui.town.costs import CostReport, CostRow, Tokens
from gastown_tui.town.mq import MergeRequest
from gastown_tui.town.queue import Queued

LONG = "myproject/polecats/furiosa-the-imperator"
TITLE = "Fix the login bug that logs people out after a minute of typing"


HEADER = re.compile(r"\S+(?: \S+)*")  # a header may be two words ("BLOCKED BY")


def columns(text: str) -> list[int]:
    """Where each header starts (headers are ASCII: characters are cells)."""
    return [m.start() for m in HEADER.finditer(text.splitlines()[0])]


def cells_before(line: str, cells: int) -> str:
    out, used = "", 0
    for char in line:
        if used >= cells:
            break
        out += char
        used += wcswidth(char)
    return out


def assert_aligned(text: str, headers: list[str]) -> None:
    """The first line names the columns; in every row each column starts where its header
    does, after a gap (a cell never runs into the next one)."""
    lines = text.splitlines()
    assert HEADER.findall(lines[0]) == [h for h in headers if h]
    for line in lines[1:]:
        for start in columns(text)[1:]:
            before = cells_before(line, start)
            if wcswidth(before) < start:
                continue  # a short last cell ended earlier
            assert before.endswith("  ") and wcswidth(before) == start, (line, start)


def widest(text: str) -> int:
    return max(wcswidth(line) for line in text.splitlines())


def test_aligned_with_headers_and_wide_characters_by_their_cells():
    rows = [["my-1", "寿司を食べる", "open"], ["my-22", "plain", "in_progress"],
            ["my-3", "emoji 🚀 ok", "-"]]
    text = table(rows, ["ID", "TITLE", "STATUS"])
    assert_aligned(text, ["ID", "TITLE", "STATUS"])
    assert text.splitlines()[1] == "my-1   寿司を食べる  open"
    assert not any(line.endswith(" ") for line in text.splitlines())


def test_plain_ascii_tables_are_laid_out_as_every_other_table():
    """Printable ASCII tables (thousands of beads) are laid out a column at a time; they read
    as the row-by-row layout does: padded by len(), gaps of two, no trailing spaces (an
    empty or space-ended last cell), the same whether given as rows or columns."""
    rows = [["tt-1", "P1", "open", "Fix it"], ["tt-22", "P0", "in_progress", ""],
            ["tt-3", "P2", "-", "ends in spaces  "], ["tt-4", "P3", "x", " lead"]]
    heads = ["ID", "PRI", "STATUS", "TITLE"]
    expected = "\n".join([
        "ID     PRI  STATUS       TITLE",
        "tt-1   P1   open         Fix it",
        "tt-22  P0   in_progress",
        "tt-3   P2   -            ends in spaces",
        "tt-4   P3   x             lead"])
    assert table(rows, heads) == expected
    assert column_table(list(zip(*rows)), heads) == expected
    assert table(rows[:1], heads) == "ID    PRI  STATUS  TITLE\ntt-1  P1   open    Fix it"
    # Cells that are not printable ASCII take the other way, to the same columns.
    wide = [*rows, ["tt-5", "P1", "open", "列表\x1b"]]
    assert table(wide, heads).splitlines()[:5] == expected.splitlines()
    assert table(wide, heads).splitlines()[5] == "tt-5   P1   open         列表^["
    assert column_table(list(zip(*wide)), heads) == table(wide, heads)
    with shown_at(30):
        assert column_table(list(zip(*rows)), heads) == table(rows, heads)
        assert max(map(len, table(rows, heads).splitlines())) <= 30


EMIT_PROBE = """
import fcntl, sys
from gastown_tui.commands.render import Result, emit, table
rows = [[f"tt-{n}", "P1", "open", "a title of a bead " * 3] for n in range(int(sys.argv[1]))]
emit(Result(data=table(rows, ["ID", "PRI", "STATUS", "TITLE"])), "bd")
try:
    size = fcntl.fcntl(1, fcntl.F_GETPIPE_SZ)
except OSError:
    size = -1
print(size, file=sys.stderr)
"""


@pytest.mark.parametrize("rows", [10, 20_000])
def test_a_long_result_gets_a_pipe_that_holds_it_whole(rows, tmp_path):
    """A result longer than a pipe holds widens its pipe (so its one write does not wait on
    the reader); a short one, or output to a file, is written as it is; the text is whole."""
    piped = subprocess.run([sys.executable, "-c", EMIT_PROBE, str(rows)], capture_output=True,
                           text=True, timeout=60)
    assert piped.returncode == 0, piped.stderr
    lines = piped.stdout.splitlines()
    assert len(lines) == rows + 1 and lines[-1].startswith(f"tt-{rows - 1} ")
    size = int(piped.stderr.split()[-1])
    assert (size > 1 << 16) == (rows > 10) and size <= 1 << 20
    with open(tmp_path / "out", "w") as out:
        to_file = subprocess.run([sys.executable, "-c", EMIT_PROBE, str(rows)], stdout=out,
                                 stderr=subprocess.PIPE, text=True, timeout=60)
    assert to_file.returncode == 0 and to_file.stderr.split()[-1] == "-1"
    assert (tmp_path / "out").read_text() == piped.stdout


def test_a_narrow_terminal_shortens_the_widest_column_that_can_give():
    rows = [["my-abc", "P1", LONG, TITLE], ["my-d", "P2", "-", "Short"]]
    heads = ["ID", "PRI", "ASSIGNEE", "TITLE"]
    assert table(rows, heads).splitlines()[1].endswith(TITLE)   # piped: whole
    with shown_at(100):
        text = table(rows, heads, keep=["ID"])
    assert widest(text) <= 100
    assert_aligned(text, heads)
    first = text.splitlines()[1]
    assert first.startswith("my-abc  P1   ") and LONG in first     # the title gave first
    assert first.endswith("…") and TITLE[:40] in first
    with shown_at(50):
        text = table(rows, heads, keep=["ID"])
    assert widest(text) <= 50
    first = text.splitlines()[1]
    assert first.startswith("my-abc  P1   myproject/") and LONG not in first
    assert first.count("…") == 2                                  # then both gave in turn
    with shown_at(12):                                            # no room at all
        text = table(rows, heads, keep=["ID"])
    assert text.splitlines()[1] == "my-abc  P1   myproje…  Fix…"      # headers stay whole
    with shown_at(30):
        text = table([["寿司を食べる寿司を食べる寿司を食べる", "x"]], ["TITLE", "X"])
    assert widest(text) <= 30 and text.splitlines()[1] == "寿司を食べる寿司を食べる寿…  x"


@pytest.fixture
def listed(rig_town, town):
    """A town with beads (one blocked), a convoy and mail from a long address."""
    crew = rig_town.at(town / "my_proj/crew/alice")
    first = crew.new_bead(TITLE, "-a", LONG)
    crew.new_bead("寿司 wide title")
    crew.new_bead("Blocked one", "--deps", first)
    rig_town.ok(f"convoy create 'Feature X' {first}")
    rig_town.ok(["mail", "send", "overseer", "-s", "Hello", "-m", "hi"])
    crew_mail = rig_town.at(town, BD_ACTOR=LONG)
    crew_mail.ok(["mail", "send", "overseer", "-s", "Which database?", "-m", "?"])
    return rig_town, crew


@pytest.mark.parametrize("prog, line, headers", [
    ("bd", "list", ["ID", "PRI", "STATUS", "TYPE", "ASSIGNEE", "TITLE"]),
    ("bd", "ready", ["ID", "PRI", "STATUS", "TYPE", "ASSIGNEE", "TITLE"]),
    ("bd", "search login", ["ID", "PRI", "STATUS", "TYPE", "ASSIGNEE", "TITLE"]),
    ("bd", "blocked", ["ID", "PRI", "TITLE", "BLOCKED BY"]),
    ("gt", "convoy list", ["ID", "PROGRESS", "STATUS", "TITLE"]),
    ("gt", "mail inbox", ["", "ID", "DATE", "FROM", "SUBJECT"]),
    ("gt", "rig list", ["NAME", "URL", "BRANCH", "PREFIX", "CREW", "POLECATS", "OPEN_BEADS"]),
    ("gt", "crew list", ["RIG", "NAME", "PATH", "BRANCH", "IDENTITY"]),
])
def test_every_list_command_is_one_table(listed, prog, line, headers):
    rig_town, crew = listed
    at = crew if prog == "bd" else rig_town
    result = at.bd(line) if prog == "bd" else at.gt(line)
    assert result.ok, result.error
    text = result.render()
    assert_aligned(text, headers)
    with shown_at(60):
        narrow = result.render()
    assert widest(narrow) <= 60 or all(h in narrow.splitlines()[0] for h in headers)
    assert_aligned(narrow, headers)


def test_mail_inbox_lines_up_long_senders_under_a_header(listed):
    rig_town, _crew = listed
    text = rig_town.gt("mail inbox").render().splitlines()
    start = text[0].index("FROM")
    # (the sender by the name its pane has: myproject/furiosa-the-imperator)
    shown = LONG.replace("/polecats/", "/")
    assert [line[start:].split("  ")[0] for line in text[1:]] == [shown, "overseer"]
    assert text[0].index("SUBJECT") == start + len(shown) + 2


def _views() -> dict[str, tuple[object, list[str]]]:
    hook = HookRow("furiosa-the-imperator", "myproject", "my-abc", "active", "polecat/furiosa/"
                   "my-abc@20261206-101500", 3, 1, "2026-12-06T10:15:00+00:00", "claude", False,
                   "/tmp/x", merge_state="waiting review")
    agent = AgentRow(LONG, "polecat", "myproject", "claude", 4242, "busy", "my-abc", "active",
                     False, 3700.0, 4.0)
    queued = Queued("my-abc", TITLE, "myproject", 1, "2026-12-06T10:15:00+00:00", "overseer",
                    "myproject", "claude", position=1)
    mr = MergeRequest("my-mr-1", "myproject", "queued", "my-abc", TITLE,
                      "polecat/furiosa/my-abc", "0" * 40, "main", LONG, reason="waiting on "
                      "the gate of the batch before it, which runs the whole test suite")
    tokens = Tokens(1_234_567, 89_012, 3_456, 7_890_123)
    report = CostReport("agent", None, [CostRow(LONG, "claude", tokens, 12.5)],
                        CostRow("TOTAL", "", tokens, 12.5), [], 0, 0, "built in")
    demo = DemoResult("/tmp/gastown-demo-x/town", "hq-cv-1", True, 41.5, [
        DemoWork("furiosa", "sa-1", "Greet", "polecat/furiosa/sa-1@1", "1a2b3c4d5e6f",
                 ["hello.py"]),
        DemoWork("nux", "sa-22", "Notes", "polecat/nux/sa-22@1", None, [])])
    return {
        "demo --headless": (demo, ["POLECAT", "ISSUE", "BRANCH", "COMMIT", "FILES"]),
        "hooks list": (HookList([hook]), ["AGENT", "ISSUE", "STATE", "MERGE", "BRANCH",
                                          "AHEAD", "DIRTY", "LAST ACTIVITY"]),
        "agents": (Agents([agent]), ["NAME", "ROLE", "AGENT", "PID", "STATE", "HOOK",
                                     "HOOK STATE", "UPTIME", "LAST ACTIVE", "WHY"]),
        "queue list": (QueueList([queued], 10, 3), ["#", "ISSUE", "PRI", "TARGET", "AGENT",
                                                    "QUEUED", "BY", "TITLE"]),
        "mq list": (MrList([mr]), ["MR", "STATE", "RIG", "ISSUE", "FROM", "BRANCH", "NOTE"]),
        "costs": (Costs(report), ["AGENT", "PRESET", "INPUT", "OUTPUT", "CACHE WRITE",
                                  "CACHE READ", "COST"]),
    }


@pytest.mark.parametrize("name", list(_views()))
def test_host_and_queue_views_are_the_same_table(name):
    """(The headless demo's summary too, whose rows were ragged.)"""
    assert demo_text is not None  # its renderer registered, as running `gt demo` does
    data, headers = _views()[name]
    text = render_text(data)
    body = text.splitlines()
    at = next(i for i, line in enumerate(body) if line.split("  ")[0] == headers[0])
    table_text = "\n".join(line for line in body[at:] if "  " in line)
    assert_aligned(table_text, headers)
    limit = widest(table_text) - 3
    with shown_at(limit):
        narrow = render_text(data)
    rows = narrow.splitlines()[at:at + 2]
    assert "…" in rows[1] and all(wcswidth(r) <= limit for r in rows)


def test_bd_list_in_a_terminal_fits_it_and_piped_keeps_every_cell(listed):
    _rig_town, crew = listed
    env = {**crew.environ, "COLUMNS": "50", "LINES": "20"}
    bd = str(Path(sys.executable).with_name("bd"))
    piped = subprocess.run([bd, "list"], cwd=crew.cwd, env=env, capture_output=True, text=True,
                           timeout=60)
    assert TITLE in piped.stdout and LONG in piped.stdout
    as_json = subprocess.run([bd, "list", "--json"], cwd=crew.cwd, env=env,
                             capture_output=True, text=True, timeout=60)
    assert {i["title"] for i in json.loads(as_json.stdout)} >= {TITLE, "寿司 wide title"}
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(crew.cwd)
        os.execve(bd, [bd, "list"], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    lines = out.decode().replace("\r\n", "\n").strip("\n").splitlines()
    assert lines[0].split() == ["ID", "PRI", "STATUS", "TYPE", "ASSIGNEE", "TITLE"]
    assert all(wcswidth(line) <= 50 for line in lines), lines
    assert any("…" in line for line in lines) and TITLE not in out.decode()
