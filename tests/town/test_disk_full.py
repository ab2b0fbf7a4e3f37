"""A full disk: a command that says it failed changed nothing, one that succeeded is in both
stores (the ledger's database and its issues.jsonl), and the failure is one line.

The town lives on a small tmpfs mounted for these tests (root only; CI runs as root). Each
command runs with a range of free space left, from none to enough; after each attempt the
space comes back and the town is compared with how it was before."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from gastown_town_test_fixtures import Runner, clean_environ, make_repo, tree_snapshot
from gastown_tui.commands.render import to_jsonable
from gastown_tui.town.sling import UNDO_MARGIN

# Free space left for each attempt: nothing at all, a few pages, a WAL's worth, plenty.
LEAVE_KIB = (0, 4, 12, 24, 40, 64, 96, 160, 320, 2048)


@pytest.fixture(scope="module")
def small_disk():
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mnt = Path(tempfile.mkdtemp(prefix="gt-disk-full-"))
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0755", "tmpfs",
                           str(mnt)], capture_output=True, text=True)
    if proc.returncode:
        mnt.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        shutil.rmtree(mnt, ignore_errors=True)


class Disk:
    def __init__(self, mnt: Path):
        self.filler = mnt / "filler"

    def fill(self, leave: int) -> None:
        self.filler.unlink(missing_ok=True)
        st = os.statvfs(self.filler.parent)
        size = st.f_bavail * st.f_frsize - leave
        if size > 0:
            fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, size)
            finally:
                os.close(fd)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def full_town(small_disk):
    src = Path(tempfile.mkdtemp(prefix="gt-disk-src-"))
    try:
        make_repo(src / "src")
        runner = Runner(small_disk, clean_environ(HOME=str(small_disk)))
        runner.ok(f"install {small_disk / 't'}")
        town = runner.at(small_disk / "t")
        town.ok(f"rig add proj {src / 'src'}")
        rig = town.at(small_disk / "t/proj/mayor/rig")
        for n in range(20):   # ledgers of some size, so an export is more than a page
            rig.new_bead(f"seed {n}", "-d", "x" * 600)
            town.ok(f"mail send mayor/ -s 'seed {n}' -m '{'y' * 600}'")
        # A town that has slung before: git's worktree registry and the dispatch lock exist
        # (folders git and the lock make once and keep, holding no state of their own).
        town.ok(["sling", rig.new_bead("seed sling"), "proj", "--agent", "shell"])
        yield town, rig, Disk(small_disk)
    finally:
        Disk(small_disk).free()
        shutil.rmtree(src, ignore_errors=True)


def _state(town: Runner, rig: Runner) -> dict:
    """Every file of the town, and what each ledger's database holds."""
    return {"files": tree_snapshot(town.cwd),
            "town db": town.bd("export").render(),
            "rig db": rig.bd("export").render()}


def _attempts(town, rig, disk, run, check_done, prepare=None,
              leaves=lambda: LEAVE_KIB) -> tuple[int, int]:
    """Run the command with each amount of free space; (failed, succeeded) counts."""
    failed = succeeded = 0
    for leave in leaves():
        arg = prepare() if prepare else None
        before = _state(town, rig)
        # Ledgers of earlier in-process commands close when collected, and the last close of
        # a database deletes its -wal: that room must come back before the disk is measured.
        gc.collect()
        disk.fill(leave * 1024)
        try:
            result = run(arg)
        finally:
            disk.free()
        if result.exit_code == 0:
            succeeded += 1
            check_done(arg, result)
            continue
        failed += 1
        assert result.exit_code == 1, (leave, result.error)
        assert result.error.startswith("no space left on "), (leave, result.error)
        assert "\n" not in result.error
        after = _state(town, rig)
        assert after == before, \
            f"{leave} KiB left: failed ({result.error}), yet changed {_diff(before, after)}"
    assert succeeded, "never succeeded, even with 2 MiB free"
    return failed, succeeded


def _diff(before: dict, after: dict) -> list[str]:
    files = [p for p in {*before["files"], *after["files"]}
             if before["files"].get(p, "-") != after["files"].get(p, "-")]
    return sorted(files) + [k for k in ("town db", "rig db") if before[k] != after[k]]


def _in_both(ledger_dir: Path, runner: Runner, bead_id: str) -> dict:
    line = next((json.loads(x) for x in (ledger_dir / "issues.jsonl").read_text().splitlines()
                 if json.loads(x)["id"] == bead_id), None)
    shown = to_jsonable(runner.ok(["show", bead_id], prog="bd"))
    assert line is not None and line["title"] == shown["title"] \
        and line["status"] == shown["status"], (line, shown)
    return line


def test_bd_create_close_update_on_a_full_disk(full_town):
    town, rig, disk = full_town
    beads = rig.cwd / ".beads"
    counts = []

    def check_created(_arg, result):
        _in_both(beads, rig, to_jsonable(result.data)["id"])

    counts.append(_attempts(town, rig, disk, lambda _a: rig.bd(["create", "made while full",
                                                                 "-d", "z" * 300]),
                            check_created))
    counts.append(_attempts(
        town, rig, disk, lambda bead: rig.bd(["close", bead]),
        lambda bead, _r: _in_both(beads, rig, bead)["status"] == "closed" or pytest.fail(),
        prepare=lambda: rig.new_bead("to close")))
    counts.append(_attempts(
        town, rig, disk, lambda bead: rig.bd(["update", bead, "--title", "renamed"]),
        lambda bead, _r: _in_both(beads, rig, bead)["title"] == "renamed" or pytest.fail(),
        prepare=lambda: rig.new_bead("to rename")))
    assert all(failed for failed, _ok in counts), counts


def test_gt_config_set_mail_and_sling_on_a_full_disk(full_town):
    town, rig, disk = full_town
    themes = iter(["gastown-light", "gastown-dark"] * len(LEAVE_KIB))
    counts = []

    def check_theme(theme, _r):
        assert f'theme = "{theme}"' in (town.cwd / "settings/config.toml").read_text()

    counts.append(_attempts(town, rig, disk,
                            lambda theme: town.gt(["config", "set", "theme", theme]),
                            check_theme, prepare=lambda: next(themes)))

    def check_mail(_arg, result):
        for msg in to_jsonable(result.data):
            _in_both(town.cwd / ".beads", town, msg["id"])

    counts.append(_attempts(town, rig, disk,
                            lambda _a: town.gt(["mail", "send", "mayor/", "-s", "while full",
                                                "-m", "w" * 300]), check_mail))

    def check_slung(bead, result):
        slung = to_jsonable(result.data)[0]
        assert _in_both(rig.cwd / ".beads", rig, bead)["status"] == "hooked"
        assert Path(slung["worktree"]).is_dir()

    def room_and_more():
        """None, a little, and from just what a sling sets aside to undo itself (less fails
        before anything is made) to plenty: the sling then fails half-way, and its undo
        has that room."""
        need = UNDO_MARGIN + sum((d / ".beads/issues.jsonl").stat().st_size
                                 for d in (town.cwd, rig.cwd))
        return [0, 64] + [need // 1024 + k for k in (0, 8, 16, 32, 48, 64, 96, 128, 256, 2048)]

    counts.append(_attempts(town, rig, disk,
                            lambda bead: town.gt(["sling", bead, "proj", "--agent", "shell"]),
                            check_slung, prepare=lambda: rig.new_bead("to sling"),
                            leaves=room_and_more))
    assert all(failed for failed, _ok in counts), counts


def test_snapshots_on_a_full_disk(full_town):
    """A snapshot that cannot be written leaves the snapshot ref where it was; the error is
    the same one line."""
    import pygit2

    from gastown_tui.files import os_error_message
    from gastown_tui.town.snapshots import take_snapshot, wip_ref

    town, rig, disk = full_town
    bead = rig.new_bead("to snapshot")
    slung = to_jsonable(town.ok(["sling", bead, "proj", "--agent", "shell"]))[0]
    worktree, name = Path(slung["worktree"]), slung["polecat"]
    repo = pygit2.Repository(str(town.cwd / "proj/.repo.git"))
    failed = succeeded = 0
    for n, leave in enumerate(LEAVE_KIB):
        (worktree / f"notes-{n}.txt").write_text("n" * 5000 + str(n))
        before = repo.references[wip_ref(name)].target if wip_ref(name) in repo.references \
            else None
        disk.fill(leave * 1024)
        try:
            snap = take_snapshot(worktree, name, f"attempt {n}")
        except Exception as e:  # noqa: BLE001 - the message is what is checked
            failed += 1
            assert (os_error_message(e) or "").startswith("no space left on "), repr(e)
            assert (repo.references[wip_ref(name)].target if wip_ref(name) in repo.references
                    else None) == before
        else:
            succeeded += 1
            assert snap is not None and str(repo.references[wip_ref(name)].target) == snap.id
            # Whole: every file of it reads back (no object cut short by an earlier attempt).
            tree = repo[snap.id].peel(pygit2.Commit).tree
            assert (tree / f"notes-{n}.txt").data.decode().endswith(str(n))
            assert repo.odb.exists(tree.id) and all(repo[e.id].read_raw() is not None
                                                      for e in tree)
        finally:
            disk.free()
    assert failed and succeeded, (failed, succeeded)
