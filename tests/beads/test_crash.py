"""kill -9 in the middle of a burst of creates: afterwards every command works, and every bead
whose create reported success is in the ledger and in the JSONL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys

WRITER = r"""
import json, os, sys
from pathlib import Path
from gastown_tui.commands.bd import run
from gastown_tui.commands.core import Env

n = 0
while True:
    args = ["create", f"burst {sys.argv[1]} {n}", "-d", "x" * (n % 200), "--json"]
    if n % 3 == 0:
        args += ["-l", f"batch{n % 5},crash"]
    res = run(args, Env(cwd=Path.cwd(), environ=dict(os.environ)))
    if res.exit_code:
        print(json.dumps({"error": res.error}), flush=True)
        sys.exit(1)
    print(json.loads(res.render())["id"], flush=True)
    n += 1
"""


def test_kill_9_during_creates_loses_nothing_reported(bd, workdir):
    reported: list[str] = []
    for round_no, kill_after in enumerate((7, 31, 64)):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(round_no)], cwd=workdir,
                                env=bd.environ, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            seen = 0
            while seen < kill_after:
                line = proc.stdout.readline()
                assert line and not line.startswith("{"), line + proc.stderr.read()
                reported.append(line.strip())
                seen += 1
            os.kill(proc.pid, signal.SIGKILL)
            rest, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        # Anything printed before the kill landed was reported as a success too.
        reported += [x.strip() for x in rest.splitlines() if x.strip()]
        assert proc.returncode == -signal.SIGKILL

        res = bd.proc("list", "--all", "-n", "0", "--json")
        assert res.returncode == 0, res.stderr
        listed = {i["id"] for i in json.loads(res.stdout)}
        missing = set(reported) - listed
        assert not missing, f"round {round_no}: lost {sorted(missing)}"
        # The list read the ledger, and brought the JSONL to exactly what the database holds:
        # nothing committed missing from it (a kill between commit and rename), nothing in it
        # that was rolled back.
        exported = {json.loads(x)["id"] for x in
                    (workdir / ".beads" / "issues.jsonl").read_text().splitlines()}
        assert exported == listed, (sorted(listed - exported), sorted(exported - listed))

        # Every command keeps working, and the next write brings the JSONL up to date.
        after = bd.proc("create", "after the crash", "--json")
        assert after.returncode == 0, after.stderr
        for args in (["ready", "-n", "5"], ["stats"], ["show", reported[-1]],
                     ["update", reported[-1], "--claim"], ["blocked"]):
            r = bd.proc(*args)
            assert r.returncode == 0, (args, r.stderr)
        exported = {json.loads(x)["id"] for x in
                    (workdir / ".beads" / "issues.jsonl").read_text().splitlines()}
        assert set(reported) <= exported
    conn = sqlite3.connect(workdir / ".beads" / "beads.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_temp_files_of_killed_exports_are_cleaned(bd, workdir):
    """A temp export whose process is gone goes; a live process's may be waiting for its
    commit to land, and stays."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = workdir / ".beads" / f".issues.jsonl.{gone.pid}.0.tmp"
    stale.write_text("half an export")
    waiting = workdir / ".beads" / f".issues.jsonl.{os.getpid()}.1.tmp"
    waiting.write_text("an export waiting for its commit")
    bd.json("create", "next write")
    assert not stale.exists() and waiting.exists()
    waiting.unlink()


def test_kill_9_real_bd_processes_mid_flight(bd, workdir):
    import random
    import time

    rnd = random.Random(11)
    code = "from gastown_tui.commands.bd import main; main()"
    reported: set[str] = set()
    killed = 0
    for round_no in range(4):
        procs = [subprocess.Popen([sys.executable, "-c", code, "create", f"r{round_no} p{n}",
                                   "--json"], cwd=workdir, env=bd.environ,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n in range(8)]
        try:
            # Kill the rest a moment after the first one finishes, whatever the machine's
            # speed: some have reported success by then, others are mid-command.
            deadline = time.monotonic() + 60
            while all(p.poll() is None for p in procs) and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rnd.uniform(0.0, 0.05))
            for p in procs:
                if p.poll() is None:
                    os.kill(p.pid, signal.SIGKILL)
                    killed += 1
            for p in procs:
                out, _ = p.communicate(timeout=60)
                if p.returncode == 0:
                    reported.add(json.loads(out)["id"])
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        res = bd.proc("list", "--json")
        assert res.returncode == 0, res.stderr
        assert reported <= {i["id"] for i in json.loads(res.stdout)}
    assert killed and reported        # both outcomes happened, or the test proved nothing
    after = bd.proc("create", "after", "--json")
    assert after.returncode == 0, after.stderr
    exported = {json.loads(x)["id"] for x in
                (workdir / ".beads" / "issues.jsonl").read_text().splitlines()}
    assert reported <= exported


def test_a_commit_whose_export_never_landed_is_exported_by_the_next_command(bd, workdir):
    """The state a process killed between its commit and its rename leaves: the database one
    change ahead of issues.jsonl. The next command, a read, exports it; the file never shows
    the old state again."""
    made = bd.json("create", "old title")
    db = sqlite3.connect(workdir / ".beads" / "beads.db")
    with db:
        db.execute("UPDATE issues SET title='new title' WHERE id=?", (made["id"],))
        db.execute("UPDATE lines SET line=replace(line, 'old title', 'new title') WHERE id=?",
                   (made["id"],))
        db.execute("UPDATE meta SET value=CAST(value AS INTEGER) + 1 WHERE key='changes'")
    db.close()
    jsonl = workdir / ".beads" / "issues.jsonl"
    assert "old title" in jsonl.read_text()
    shown = bd.proc("show", made["id"], "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["title"] == "new title"
    assert "new title" in jsonl.read_text() and "old title" not in jsonl.read_text()
    assert bd.proc("list", "--json").returncode == 0
    assert "new title" in jsonl.read_text()
