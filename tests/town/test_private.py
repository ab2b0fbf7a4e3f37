"""A town's private state against the umask and against a second local user.

The second user is real: created with useradd when the tests run as root (CI does), removed at
the end. Its commands run in a child process that has given up root for that user's uid and
gid, so the kernel, not the program, decides what it may read; the child is forked from this
test process (with every module it needs already imported) because the interpreter may live
where that user cannot reach it (pyenv under a private home)."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from gastown_town_test_fixtures import Runner, clean_environ, make_repo
from gastown_tui.commands import bd as bd_cli
from gastown_tui.commands import gt as gt_cli
from gastown_tui.commands.core import Env
from gastown_tui.town import find_town
from gastown_tui.town.private import private_paths


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mode & 0o777
            for p in private_paths(find_town(root, {})) if p.exists()}


def test_private_state_ignores_a_loose_umask(tmp_path):
    old = os.umask(0)
    try:
        runner = Runner(tmp_path, clean_environ())
        runner.ok(f"install {tmp_path / 't'} --git")
        town = runner.at(tmp_path / "t")
        town.ok(f"rig add proj {make_repo(tmp_path / 'src') and tmp_path / 'src'}")
        town.ok("config set theme gastown-light")
        town.ok("mail send mayor/ -s secret -m 'the key is 42'")
        town.at(tmp_path / "t/proj/mayor/rig").new_bead("rig work")
    finally:
        os.umask(old)
    root = tmp_path / "t"
    modes = _modes(root)
    for rel in (".beads", ".beads/beads.db", ".beads/issues.jsonl", ".beads/routes.jsonl",
                ".runtime", "settings/config.toml", "mayor/rigs.toml", "proj/config.toml",
                "proj/mayor/rig/.beads/beads.db", ".git"):
        assert rel in modes, rel
    loose = {rel: oct(m) for rel, m in modes.items() if m & 0o077}
    assert not loose
    # The project's own files are the user's business: git and the umask (0) decide.
    assert (root / "proj/mayor/rig/README.md").stat().st_mode & 0o044 == 0o044
    assert (root / "CLAUDE.md").stat().st_mode & 0o777 == 0o666


def test_repair_tightens_an_old_town(town, at_town):
    for rel in (".beads", ".beads/issues.jsonl", "settings/config.toml", "mayor"):
        (town / rel).chmod(0o755 if (town / rel).is_dir() else 0o644)
    report = at_town.ok("hooks repair")
    assert "private files: 4 readable by other users made private" in report.render_text()
    assert not {rel for rel, m in _modes(town).items() if m & 0o077}
    assert at_town.ok("hooks repair").render_text() == "hooks are consistent: nothing to repair"


# ------------------------------------------------------------------------- a second user

def _preload() -> None:
    """Everything a command may import lazily, imported now: after the switch to the other
    user the interpreter's own library may be out of reach."""
    import importlib
    import pkgutil

    import gastown_tui

    for mod in pkgutil.walk_packages(gastown_tui.__path__, "gastown_tui."):
        if not mod.name.startswith(("gastown_tui.ui", "gastown_tui.web")) \
                and not mod.name.endswith("__main__"):
            importlib.import_module(mod.name)
    gt_cli.root().load_all()
    bd_cli.root().load_all()
    for name in ("tomllib", "tomlkit", "sqlite3", "pygit2", "pwd", "fcntl", "hashlib",
                 "tempfile", "shlex", "secrets", "traceback", "click.shell_completion"):
        importlib.import_module(name)


def as_user(user: tuple[int, int], fn, *args):
    """`fn(*args)` in a forked child running as `user` (uid, gid); its return value, or the
    exception it raised, comes back pickled."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            os.setgroups([])
            os.setresgid(user[1], user[1], user[1])
            os.setresuid(user[0], user[0], user[0])
            try:
                out = ("ok", fn(*args))
            except BaseException as e:  # noqa: BLE001 - reported to the parent
                out = ("raised", f"{type(e).__name__}: {e}")
            with os.fdopen(write, "wb") as f:
                pickle.dump(out, f)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    kind, value = pickle.loads(data)
    if kind == "raised":
        raise AssertionError(f"as the other user: {value}")
    return value


@pytest.fixture(scope="module")
def other_user():
    if os.geteuid() != 0:
        pytest.skip("needs root to create a second local user (CI runs as root)")
    if shutil.which("useradd") is None:
        pytest.skip("useradd is not installed, so no second user can be made")
    name = f"gtother{uuid.uuid4().hex[:6]}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                   check=True, capture_output=True)
    try:
        import pwd

        entry = pwd.getpwnam(name)
        _preload()
        yield entry.pw_uid, entry.pw_gid
    finally:
        subprocess.run(["userdel", name], capture_output=True)


@pytest.fixture(scope="module")
def shared_town(other_user):
    """A town with a rig, beads and mail, in a folder the other user can walk into (the
    pytest temp base is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="gt-private-"))
    try:
        base.chmod(0o755)
        runner = Runner(base, clean_environ(HOME=str(base)))
        runner.ok(f"install {base / 't'} --git")
        town = runner.at(base / "t")
        make_repo(base / "src")
        (base / "src").chmod(0o755)
        town.ok(f"rig add proj {base / 'src'}")
        town.ok("mail send mayor/ -s secret -m 'the key is 42'")
        bead = town.at(base / "t/proj/mayor/rig").new_bead("rig work")
        # A host that ran once leaves its lock file behind.
        os.close(os.open(base / "t/.runtime/host.lock", os.O_CREAT | os.O_WRONLY, 0o600))
        yield base / "t", bead
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _read_all(paths: list[str]) -> dict[str, str]:
    out = {}
    for path in paths:
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                with open(path, "rb") as f:
                    f.read(1)
            out[path] = "read"
        except PermissionError:
            out[path] = "refused"
    return out


def _run(prog: str, cwd: str, line: list[str]) -> dict:
    cli = gt_cli if prog == "gt" else bd_cli
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8"}
    result = cli.run(line, Env(cwd=Path(cwd), environ=env))
    return {"code": result.exit_code, "error": result.error or "", "output": result.output}


# (prog, where, words, whether it changes the town)
COMMANDS = [
    ("gt", ".", ["hooks", "list"], False), ("gt", ".", ["down"], True),
    ("gt", ".", ["mail", "inbox"], False), ("gt", ".", ["sling", "BEAD", "proj"], True),
    ("gt", ".", ["config", "show"], False), ("gt", ".", ["convoy", "list"], False),
    ("gt", ".", ["mail", "send", "mayor/", "-s", "x", "-m", "y"], True),
    ("bd", ".", ["create", "from another user"], True),
    ("bd", "proj/mayor/rig", ["create", "from another user"], True),
    ("bd", "proj/mayor/rig", ["list"], False),
]


def _run_all(root: Path, bead: str, user) -> list[tuple[list[str], bool, dict]]:
    out = []
    for prog, where, line, writes in COMMANDS:
        line = [bead if w == "BEAD" else w for w in line]
        out.append(([prog, *line], writes, as_user(user, _run, prog, str(root / where), line)))
    return out


def _assert_clear(results, reads_refused: bool) -> None:
    """Every change refused, and reads too when `reads_refused`, each with one line that
    names the owner; no internal error anywhere."""
    for line, writes, res in results:
        assert "internal error" not in res["error"] and "\n" not in res["error"], (line, res)
        if writes or reads_refused:
            assert res["code"] == 1 and "root" in res["error"], (line, res)


def test_a_second_user_reads_nothing_private(shared_town, other_user):
    root, _bead = shared_town
    private = [str(p) for p in private_paths(find_town(root, {})) if p.exists()]
    seen = as_user(other_user, _read_all, private + [str(root / "proj/mayor/rig/README.md")])
    assert seen.pop(str(root / "proj/mayor/rig/README.md")) == "read"
    assert set(seen.values()) == {"refused"}, {p: v for p, v in seen.items() if v != "refused"}


def test_a_second_user_is_told_whose_town_it_is(shared_town, other_user):
    root, bead = shared_town
    results = _run_all(root, bead, other_user)
    _assert_clear(results, reads_refused=True)
    assert all("belongs to root" in res["error"] for _line, _w, res in results), results


def test_an_old_loose_town_refuses_a_second_user_clearly(shared_town, other_user):
    """A town whose files others can read (made before they were private; only .runtime was,
    by the host that ran) still refuses another user's changes with one line naming the owner,
    and repair closes it again."""
    root, bead = shared_town
    before = _modes(root)
    subprocess.run(["chmod", "-R", "go+rX", str(root)], check=True)
    (root / ".runtime").chmod(0o700)
    try:
        _assert_clear(_run_all(root, bead, other_user), reads_refused=False)
    finally:
        Runner(root, clean_environ()).ok("hooks repair")
    after = _modes(root)
    assert {p: m for p, m in after.items() if p in before} == \
        {p: m for p, m in before.items() if p in after}
    listed = json.loads(Runner(root, clean_environ()).gt("hooks list --json").render())
    assert listed == []
