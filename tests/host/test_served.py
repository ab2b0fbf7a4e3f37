"""The town's command server (commands/served.py, kept by host/cmdserver.py) as agents meet
it: real hosts started with `gt up --detach`, the real `gt` and `bd` scripts, real ptys and
git. A served command must be indistinguishable from the same command run in its own process
(`GT_NO_SERVER=1`): the same output, errors and exit status, on the caller's terminal or
pipes, in its directory, with its environment, stopped by its Ctrl-C."""

from __future__ import annotations

import fcntl
import json
import os
import platform
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import pytest

from host_helpers import make_sample_repo, wait_for

from gastown_tui.commands import fast, served
from gastown_tui.host import cmdserver
from gastown_tui.host.runtime import SERVE_NAME, read_info, serve_socket_path


def argv(prog: str, *args: str) -> list[str]:
    path = shutil.which(prog)
    if path:
        return [path, *args]
    entry = "main" if prog == "gt" else "bd_main"
    return [sys.executable, "-c", f"from gastown_tui.commands.fast import {entry}; {entry}()",
            *args]


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k != fast.NO_SERVER_VAR and not k.startswith(("GT_", "BD_", "BEADS_"))}
    env.update(extra)
    return env


def status(root: Path) -> tuple[int, int] | None:
    """(commands served, pid) of the town's command server, or None when none answers."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(Path(root) / ".runtime" / SERVE_NAME))
            s.sendall(len(served.STATUS).to_bytes(4, "big") + served.STATUS)
            words = s.makefile("rb").readline().split()
        return int(words[1]), int(words[3])
    except (OSError, IndexError, ValueError):
        return None


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def make_town(base: Path):
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_agent
    from gastown_tui.town.install import install
    from gastown_tui.town.rigs import add_rig

    make_sample_repo(base / "sample")
    install(base / "t")
    town = find_town(base / "t", {})
    add_rig(town, "demo", str(base / "sample"))
    # Agents that wait while the test types their commands in their place.
    set_agent(town, "idle", "sleep 600")
    return find_town(base / "t", {})


def start_host(town, env: dict[str, str]) -> tuple[int, int]:
    """A detached host as `gt up --detach` starts it; (host pid, command server pid)."""
    proc = subprocess.run(argv("gt", "up", "--detach"), cwd=town.root, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    host = read_info(town.root).pid
    try:
        served_by = wait_for(lambda: status(town.root), timeout=30, what="the command server")
    except BaseException:
        end_host(town, env, [host])
        raise
    return host, served_by[1]


def end_host(town, env: dict[str, str], pids: list[int]) -> None:
    """`gt down`, then whatever of `pids` still runs is killed (with the processes a host
    among them started)."""
    subprocess.run(argv("gt", "down"), cwd=town.root, env=env, capture_output=True,
                   timeout=60)
    for pid in pids:
        if alive(pid):
            for child in _children(pid):
                os.kill(child, signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def agent_env(town, slung: dict) -> dict[str, str]:
    rig = town.rig("demo")
    return base_env(GT_ROLE="polecat", GT_RIG="demo", GT_POLECAT=slung["polecat"],
                    BD_ACTOR=f"demo/polecats/{slung['polecat']}", GT_TOWN_ROOT=str(town.root),
                    BEADS_DIR=str(rig.beads_dir))


def sling(town, env: dict[str, str], title: str) -> dict:
    issue = town.rig("demo").ledger("overseer").create(title).id
    proc = subprocess.run(argv("gt", "sling", issue, "demo", "--agent", "idle", "--json"),
                          cwd=town.root, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)[0]


@pytest.fixture(scope="module")
def hosted():
    """One town with a running host and a polecat on a hook, for the tests that only run
    commands in it."""
    base = Path(tempfile.mkdtemp(prefix="gt-served-test-"))
    town = make_town(base)
    env = base_env()
    led = town.rig("demo").ledger("overseer")
    bead = led.create("A bead to show", description="shown served and not").id
    led.create("A bead whose title is long enough to be cut short in a narrow terminal "
               "window, as tables are")
    host, server = start_host(town, env)
    try:
        slung = sling(town, env, "Work on the hook")
        yield {"town": town, "env": env, "agent": agent_env(town, slung), "slung": slung,
               "wt": town.rig("demo").polecats_dir / slung["polecat"], "bead": bead}
    finally:
        end_host(town, env, [host, server])
        shutil.rmtree(base, ignore_errors=True)


def run(root: Path, prog: str, *args: str, cwd: Path, env: dict[str, str],
        served_: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
    """`prog args` as a process; checks that the town's server ran it (or did not)."""
    before = status(root)[0]
    proc = subprocess.run(argv(prog, *args), cwd=cwd, env=env, input=input,
                          capture_output=True, text=True, timeout=60)
    assert status(root)[0] - before == (1 if served_ else 0), (prog, args, proc.stderr)
    return proc


def both(h: dict, prog: str, *args: str, env: dict[str, str] | None = None) -> tuple:
    """The command served and in its own process: (exit status, stdout, stderr) of each."""
    env = h["agent"] if env is None else env
    root = h["town"].root
    one = run(root, prog, *args, cwd=h["wt"], env=env)
    other = run(root, prog, *args, cwd=h["wt"], env={**env, fast.NO_SERVER_VAR: "1"},
                served_=False)
    return ((one.returncode, one.stdout, one.stderr),
            (other.returncode, other.stdout, other.stderr))


CASES = [
    (("bd", "ready"), 0),
    (("bd", "ready", "--json"), 0),
    (("bd", "show", "{bead}"), 0),
    (("bd", "show", "{bead}", "--json"), 0),
    (("bd", "show", "de-nope"), 1),
    (("bd", "show"), 2),                       # the registry's usage error
    (("bd", "ready", "--bogus"), 2),
    (("bd", "list", "-n", "0"), 0),
    (("bd", "list", "--json"), 0),
    (("gt", "hook"), 0),
    (("gt", "hook", "--json"), 0),
    (("gt", "prime"), 0),
    (("gt", "mail", "inbox", "--json"), 0),
    (("gt", "mail", "read", "hq-nope"), 1),
    (("gt", "mail", "read", "hq-nope", "--json"), 1),
]


@pytest.mark.parametrize("words,code", CASES, ids=[" ".join(w) for w, _ in CASES])
def test_served_as_in_process(hosted, words, code):
    prog, *args = [w.format(bead=hosted["bead"]) for w in words]
    mine, own = both(hosted, prog, *args)
    assert mine == own
    assert mine[0] == code
    if code:
        assert len(mine[2].splitlines()) == 1 and "Traceback" not in mine[2]


def test_writes_as_the_agent_in_its_directory(hosted):
    """`bd create/update/close` served act for the agent of BD_ACTOR on the ledger its
    directory and BEADS_DIR name, as its own process would."""
    town, env, root = hosted["town"], hosted["agent"], hosted["town"].root
    made = run(root, "bd", "create", "Made by a served bd", "-p", "1", "--json", cwd=root,
               env=env)
    assert made.returncode == 0, made.stderr
    bead = json.loads(made.stdout)["id"]
    led = town.rig("demo").ledger("overseer")
    assert bead.startswith(town.rig("demo").prefix + "-")
    issue = led.get(bead)
    assert issue.created_by == env["BD_ACTOR"] and issue.priority == 1
    assert run(root, "bd", "update", bead, "--status", "in_progress", cwd=hosted["wt"],
               env=env).returncode == 0
    closed = run(root, "bd", "close", bead, "-r", "done served", cwd=hosted["wt"], env=env)
    assert closed.returncode == 0, closed.stderr
    assert led.get(bead).status == "closed"
    # another actor, given by the caller's environment alone
    other = run(root, "bd", "create", "Made by someone else", "--json", cwd=hosted["wt"],
                env={**env, "BD_ACTOR": "overseer"})
    assert led.get(json.loads(other.stdout)["id"]).created_by == "overseer"


def test_gt_done_served(hosted):
    from gastown_tui.town import find_town, hooks
    from gastown_tui.town.snapshots import list_snapshots

    town, root = hosted["town"], hosted["town"].root
    slung = sling(town, hosted["env"], "Finish me served")
    wt = town.rig("demo").polecats_dir / slung["polecat"]
    env = agent_env(town, slung)
    (wt / "served.txt").write_text("made in a served gt done\n")
    done = run(root, "gt", "done", "-m", "served done", cwd=wt, env=env)
    assert done.returncode == 0, done.stderr
    assert f"Submitted {town.rig('demo').prefix}-mr-" in done.stdout
    mr = done.stdout.split("Submitted ", 1)[1].split()[0]

    def told() -> bool:
        # The host heard of it (told once the caller had its answer) and published it.
        log = (root / ".runtime" / "events.jsonl").read_text().splitlines()
        return any(e.get("kind") == "mr_submitted" and e.get("mr") == mr
                   for e in map(json.loads, log))

    wait_for(told, timeout=20, what="the host to publish the merge request")
    hook = hooks.load(find_town(root, {}), "demo", slung["polecat"])
    assert hook.state in ("completed", "archived")
    # The finished worktree's snapshot, taken after the answer too (before telling the host).
    snaps = list_snapshots(town.rig("demo").repo_path, slung["polecat"])
    assert any(s.reason == "done" for s in snaps), [s.reason for s in snaps]
    # (from the town: the refinery may have merged the work and removed the worktree)
    again = run(root, "gt", "done", cwd=root, env=env)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert len(again.stderr.splitlines()) == 1


def test_stdin_reaches_the_served_command(hosted):
    from gastown_tui.town import find_town
    from gastown_tui.town.mail import inbox

    town, root = hosted["town"], hosted["town"].root
    body = "first line\nsecond line, from standard input\n"
    sent = run(root, "gt", "mail", "send", "mayor/", "-s", "Through stdin", "--stdin",
               cwd=hosted["wt"], env=hosted["agent"], input=body)
    assert sent.returncode == 0, sent.stderr
    [message] = [m for m in inbox(find_town(root, {}), "mayor/")
                 if m.subject == "Through stdin"]
    assert message.body == body and message.sender == hosted["agent"]["BD_ACTOR"]


def _in_pty(h: dict, env: dict[str, str], *words: str, cols: int = 60) -> tuple[int, str]:
    """`words` with a pty `cols` wide as its terminal: (exit status, what it showed)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    try:
        proc = subprocess.Popen(argv(*words), stdin=slave, stdout=slave, stderr=slave,
                                cwd=h["wt"], env=env)
        os.close(slave)
        slave = -1
        out = _drain(master)
        return proc.wait(timeout=60), out.decode()
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)


def _drain(master: int) -> bytes:
    """Everything the programs on a pty showed, until every one of them has closed it."""
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:     # EIO: every writer has closed the pty
            return out
        if not chunk:
            return out
        out += chunk


def test_a_terminal_is_a_terminal(hosted):
    """On a pty the served command sees a terminal of the caller's width (tables cut to fit)
    as its own process does; into a pipe it keeps every cell whole."""
    root = hosted["town"].root
    before = status(root)[0]
    code, shown = _in_pty(hosted, hosted["agent"], "bd", "list", "-n", "0")
    assert status(root)[0] == before + 1
    own_code, own = _in_pty(hosted, {**hosted["agent"], fast.NO_SERVER_VAR: "1"},
                            "bd", "list", "-n", "0")
    assert (code, shown) == (own_code, own) and code == 0
    assert "cut short in a narrow terminal window, as tables are" not in shown
    piped = run(root, "bd", "list", "-n", "0", cwd=hosted["wt"], env=hosted["agent"])
    assert "cut short in a narrow terminal window, as tables are" in piped.stdout


# The number of `read` in /proc/PID/syscall: a served command waiting on its standard input.
READ_SYSCALL = {"x86_64": 0, "aarch64": 63}.get(platform.machine())


@pytest.mark.skipif(READ_SYSCALL is None, reason="the read syscall's number is known for "
                    "x86_64 and aarch64 only")
def test_ctrl_c_stops_the_served_command(hosted):
    """SIGINT to the caller (what Ctrl-C in its terminal sends) reaches the command's
    process: it stops as it would in its own (`interrupted`, 130), and sends nothing."""
    from gastown_tui.town import find_town
    from gastown_tui.town.mail import inbox

    root = hosted["town"].root
    before, server = status(root)
    master, slave = os.openpty()
    terminal = os.fstat(slave).st_rdev
    try:
        proc = subprocess.Popen(argv("gt", "mail", "send", "mayor/", "-s", "Never sent",
                                     "--stdin"),
                                stdin=slave, stdout=slave, stderr=slave, cwd=hosted["wt"],
                                env=hosted["agent"])
        try:
            wait_for(lambda: status(root)[0] == before + 1, timeout=20,
                     what="the server to take the command")

            def on_the_terminal() -> list[int]:
                # The server's child whose standard input is the caller's terminal.
                found = []
                for pid in _children(server):
                    try:
                        if os.stat(f"/proc/{pid}/fd/0").st_rdev == terminal:
                            found.append(pid)
                    except OSError:
                        pass
                return found

            [child] = wait_for(on_the_terminal, timeout=20, what="the served command")

            def reading() -> bool:
                with open(f"/proc/{child}/syscall") as f:
                    return f.read().split()[0] == str(READ_SYSCALL)

            wait_for(reading, timeout=20, what="the command to read its standard input")
            os.kill(proc.pid, signal.SIGINT)
            assert proc.wait(timeout=20) == 130
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        wait_for(lambda: not alive(child), timeout=20, what="the served command to end")
        os.close(slave)
        slave = -1
        shown = _drain(master)
        assert b"interrupted" in shown and b"Traceback" not in shown
        assert not [m for m in inbox(find_town(root, {}), "mayor/")
                    if m.subject == "Never sent"]
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)


def test_refused_callers_run_in_their_own_process(hosted):
    """A caller whose environment differs where a started process reads it once (HOME for
    git), or of another town, runs the command itself, with the same result."""
    root = hosted["town"].root
    home = hosted["town"].root.parent / "home"
    home.mkdir(exist_ok=True)
    env = {**hosted["agent"], "HOME": str(home)}
    mine = run(root, "bd", "show", hosted["bead"], cwd=hosted["wt"], env=env, served_=False)
    assert mine.returncode == 0 and hosted["bead"] in mine.stdout


def test_another_towns_agents_never_use_this_server(hosted, tmp_path):
    """An agent of a town without a host (GT_TOWN_ROOT there) runs its commands itself,
    even beside a town whose host serves them."""
    other = make_town(tmp_path / "b")
    bead = other.rig("demo").ledger("overseer").create("In the other town").id
    env = base_env(GT_TOWN_ROOT=str(other.root), BD_ACTOR="overseer",
                   BEADS_DIR=str(other.rig("demo").beads_dir))
    shown = run(hosted["town"].root, "bd", "show", bead, cwd=other.root, env=env,
                served_=False)
    assert shown.returncode == 0 and "In the other town" in shown.stdout


def test_the_clients_constants_are_the_servers():
    """fast.py repeats these to import nothing at start."""
    assert fast._PROTOCOL == served.PROTOCOL
    assert fast._SERVE_SOCKET == f"/.runtime/{SERVE_NAME}"
    assert cmdserver.STALE_EXIT == served.STALE_EXIT
    assert cmdserver.NO_SERVER_VAR == fast.NO_SERVER_VAR
    assert serve_socket_path(Path("/" + "x" * 200)) is None


def test_a_changed_package_makes_the_server_stale(tmp_path):
    """The server notices that a file it loaded changed: that caller runs the command
    itself, the server ends, and the host starts a fresh one that serves the next."""
    import gastown_tui

    package = tmp_path / "pkg"
    shutil.copytree(Path(gastown_tui.__file__).parent, package / "gastown_tui")
    town = make_town(tmp_path / "town")
    bead = town.rig("demo").ledger("overseer").create("Shown by a fresh server").id
    env = base_env(PYTHONPATH=str(package))
    host, first = start_host(town, env)
    server = first
    try:
        agent = {**env, "GT_TOWN_ROOT": str(town.root), "BD_ACTOR": "overseer"}
        clone = town.rig("demo").beads_dir.parent
        assert run(town.root, "bd", "show", bead, cwd=clone, env=agent).returncode == 0
        changed = package / "gastown_tui" / "commands" / "ledger_calls.py"
        os.utime(changed, ns=(time.time_ns(), changed.stat().st_mtime_ns + 10**9))
        stale = subprocess.run(argv("bd", "show", bead), cwd=clone, env=agent,
                               capture_output=True, text=True, timeout=60)
        assert stale.returncode == 0 and "Shown by a fresh server" in stale.stdout
        wait_for(lambda: not alive(first), timeout=20, what="the stale server to end")
        fresh = wait_for(lambda: status(town.root), timeout=30, what="a fresh server")
        assert fresh[1] != first and fresh[0] == 0
        assert run(town.root, "bd", "show", bead, cwd=clone, env=agent).returncode == 0
        server = fresh[1]
    finally:
        end_host(town, env, [host, first, server])
    wait_for(lambda: not alive(server), timeout=20, what="the server to end with its host")
    assert not (town.root / ".runtime" / SERVE_NAME).exists()


def test_the_server_ends_with_its_host_even_killed(tmp_path):
    """`gt down` ends the server; so does the host's death by SIGKILL, after which agents'
    commands run in their own processes."""
    town = make_town(tmp_path)
    bead = town.rig("demo").ledger("overseer").create("Still shown").id
    env = base_env()
    agent = {**env, "GT_TOWN_ROOT": str(town.root), "BD_ACTOR": "overseer"}
    host, server = start_host(town, env)
    try:
        assert run(town.root, "bd", "show", bead, cwd=town.root, env=agent).returncode == 0
        os.kill(host, signal.SIGKILL)
        wait_for(lambda: not alive(server), timeout=20, what="the server to end")
        assert status(town.root) is None
        shown = subprocess.run(argv("bd", "show", bead), cwd=town.root, env=agent,
                               capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0 and "Still shown" in shown.stdout
    finally:
        end_host(town, env, [host, server])
