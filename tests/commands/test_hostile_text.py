"""Stored text reaches people as marks, never as terminal controls.

Agents write titles, labels, mail and comments; people read them with `bd` and `gt`. Every
command that shows stored text runs here as a real process on one town whose ledgers hold the
hostile catalogue (tests/hostile_text.py): its stdout and stderr carry no control, C1, bidi or
invisible format character (only newlines, and tabs inside bodies), each entry shows as its
marks (`^[]52;...`, `<U+202E>`), one-line fields keep tables one row per record, and `--json`
gives back the exact strings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gastown_town_test_fixtures import clean_environ, make_repo
from gastown_tui.visible import visible
from hostile_text import (CATALOGUE, COMBINED, COMBINED_SHOWN, EVERYTHING, EVERYTHING_SHOWN,
                          SHOWN, assert_safe, body_of, build_town, label_of)

# Subjects and convoy names given on the command line are one line (a newline is refused).
ONE_LINE = COMBINED.replace("\n", " ")
ONE_LINE_SHOWN = COMBINED_SHOWN.replace("two^Jlines", "two lines")


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    make_repo(base / "src")
    return build_town(base, base / "src")


def run(prog: str, *args: str, cwd: Path, env: dict | None = None) -> tuple[int, str, str]:
    exe = Path(sys.executable).with_name(prog)
    proc = subprocess.run([str(exe) if exe.exists() else prog, *args], cwd=cwd,
                          env={**clean_environ(), **(env or {})}, capture_output=True,
                          timeout=120)
    # Strict UTF-8: bytes a terminal cannot read as text fail here too.
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def text(prog: str, *args: str, cwd: Path, keep: str = "\n", env: dict | None = None) -> str:
    code, out, err = run(prog, *args, cwd=cwd, env=env)
    what = visible(" ".join([prog, *args[:2]]))  # failure messages must not be hostile either
    assert code == 0, f"{what}: {visible(err)}"
    assert_safe(out, keep, f"{what} stdout")
    assert_safe(err, "\n", f"{what} stderr")
    return out


def as_json(prog: str, *args: str, cwd: Path, env: dict | None = None):
    code, out, err = run(prog, *args, "--json", cwd=cwd, env=env)
    what = visible(" ".join([prog, *args[:2], "--json"]))
    assert code == 0, f"{what}: {visible(err)}"
    # JSON too: C1 and bidi characters go out as \u escapes, which parse back exactly.
    assert_safe(out, "\n", what)
    return json.loads(out)


def shows_every_entry(out: str, where: str = "") -> None:
    missing = [name for name in CATALOGUE if SHOWN[name] not in out]
    assert not missing, f"{where}: not shown as marks: {missing}"


def test_bead_lists_show_one_row_per_bead(town):
    # (search by the ids' prefix: SQLite's text search ends a string at its NUL)
    prefix = town.beads["nul"].split("-")[0] + "-"
    for args in (["list", "-n", "0"], ["ready", "-n", "0"], ["search", prefix, "-n", "0"]):
        out = text("bd", *args, cwd=town.clone)
        listed = as_json("bd", *args, cwd=town.clone)
        shows_every_entry(out, args[0])
        assert len(out.splitlines()) == 1 + len(listed), args  # one row each, and the header
        by_id = {b["id"]: b for b in listed}
        for name, bead_id in town.beads.items():
            bead = by_id[bead_id]
            assert (bead["title"], bead["labels"]) == \
                (CATALOGUE[name], [label_of(CATALOGUE[name])])


def test_bead_details_keep_their_lines_and_show_their_controls(town):
    ids = list(town.beads.values())
    out = text("bd", "show", *ids, cwd=town.clone, keep="\n\t")
    for name, bead_id in town.beads.items():
        entry = CATALOGUE[name]
        assert f"{bead_id}: {SHOWN[name]}\n" in out
        assert f"Labels: {visible(label_of(entry))}\n" in out
        assert "  " + visible(body_of(entry), lines=True).replace("\n", "\n  ") in out
        assert visible(body_of(entry), lines=True).replace("\n", "\n    ") in out  # comment
    shown = {b["id"]: b for b in as_json("bd", "show", *ids, cwd=town.clone)}
    for name, bead_id in town.beads.items():
        bead = shown[bead_id]
        assert bead["title"] == CATALOGUE[name] and bead["description"] == body_of(CATALOGUE[name])
        assert [c["text"] for c in bead["comments"]] == [body_of(CATALOGUE[name])]


def test_labels_and_comments(town):
    out = text("bd", "label", "list", cwd=town.clone)
    counts = as_json("bd", "label", "list", cwd=town.clone)
    assert len(out.splitlines()) == 1 + len(counts)
    assert {c["label"] for c in counts} >= {label_of(t) for t in CATALOGUE.values()}
    for entry in CATALOGUE.values():
        assert f"\n{visible(label_of(entry))} " in out
    bead = town.beads["csi-2j-clear"]
    assert text("bd", "label", "list", bead, cwd=town.clone) == \
        visible(label_of(CATALOGUE["csi-2j-clear"])) + "\n"
    out = text("bd", "comments", town.beads["newline-tab"], cwd=town.clone, keep="\n\t")
    assert out.endswith(": two\n  lines\tand a tab\n  hostile second line\n"
                        "  \tindented two\n  lines\tand a tab\n")


def test_create_update_and_the_views_of_dependencies(town):
    ids = list(town.beads.values())
    out = text("bd", "create", COMBINED, "-d", body_of(COMBINED), "-a", COMBINED,
               "-l", label_of(COMBINED), "--deps", ",".join(ids), cwd=town.clone)
    made = out.split()[1].rstrip(":")
    assert out == f"Created {made}: {COMBINED_SHOWN}\n"
    bead = as_json("bd", "show", made, cwd=town.clone)
    assert (bead["title"], bead["description"], bead["assignee"], bead["labels"]) == \
        (COMBINED, body_of(COMBINED), COMBINED, [label_of(COMBINED)])
    assert text("bd", "update", made, "-p", "1", cwd=town.clone) == \
        f"Updated {made}: {COMBINED_SHOWN} [open, {COMBINED_SHOWN}]\n"
    assigned = text("bd", "list", "-a", COMBINED, cwd=town.clone).splitlines()
    assert len(assigned) == 2 and assigned[1].startswith(made) and \
        assigned[1].count(COMBINED_SHOWN) == 2                  # the assignee and the title
    assert f"Assignee: {COMBINED_SHOWN}\n" in text("bd", "show", made, cwd=town.clone,
                                                    keep="\n\t")
    tree = text("bd", "dep", "tree", made, cwd=town.clone)
    assert len(tree.splitlines()) == 1 + len(ids)
    shows_every_entry(tree, "dep tree")
    blocked = text("bd", "blocked", cwd=town.clone)
    assert [line for line in blocked.splitlines() if line.startswith(made)] and \
        COMBINED_SHOWN in blocked
    # An error quoting what was typed shows it the same way, on one line.
    code, out, err = run("bd", "show", COMBINED, cwd=town.clone)
    assert code == 1 and out == "" and err.count("\n") == 1 and COMBINED_SHOWN in err
    assert_safe(err, "\n", "bd show error")


def test_export_to_stdout_is_exact_json(town):
    out = text("bd", "export", cwd=town.clone)
    titles = {json.loads(line)["title"] for line in out.splitlines()}
    assert titles >= set(CATALOGUE.values())


def test_convoys(town):
    ids = list(town.beads.values())[:3]
    out = text("gt", "convoy", "create", ONE_LINE, *ids, cwd=town.root)
    assert ONE_LINE_SHOWN in out.splitlines()[0]
    listed = as_json("gt", "convoy", "list", cwd=town.root)
    out = text("gt", "convoy", "list", cwd=town.root)
    shows_every_entry(out, "convoy list")
    assert len(out.splitlines()) == 1 + len(listed)  # the header, one line each
    assert {c["title"] for c in listed} >= set(CATALOGUE.values()) | {EVERYTHING, ONE_LINE}
    out = text("gt", "convoy", "show", town.all_convoy, cwd=town.root)
    lines = out.splitlines()
    assert EVERYTHING_SHOWN in lines[0] and len(lines) == 2 + len(CATALOGUE)
    assert lines[1].split() == ["ISSUE", "STATUS", "ASSIGNEE", "TITLE"]
    shows_every_entry("\n".join(lines[2:]), "convoy show")
    shown = as_json("gt", "convoy", "show", town.all_convoy, cwd=town.root)
    assert shown["title"] == EVERYTHING
    assert [t["title"] for t in shown["tracked"]] == list(CATALOGUE.values())


def test_mail(town):
    out = text("gt", "mail", "send", "overseer", "-s", ONE_LINE, "-m", body_of(COMBINED),
               cwd=town.root)
    assert out.startswith("Sent ") and out.endswith(f" to overseer: {ONE_LINE_SHOWN}\n")
    out = text("gt", "mail", "inbox", cwd=town.root)
    inbox = as_json("gt", "mail", "inbox", cwd=town.root)
    shows_every_entry(out, "mail inbox")
    assert len(out.splitlines()) == 1 + len(inbox)
    assert {m["subject"] for m in inbox} >= set(CATALOGUE.values()) | {EVERYTHING, ONE_LINE}
    out = text("gt", "mail", "read", town.all_mail, cwd=town.root, keep="\n\t")
    assert f"Subject: {EVERYTHING_SHOWN}\n" in out
    assert out.endswith("\n\n" + visible("\n".join(CATALOGUE.values()), lines=True) + "\n")
    letter = as_json("gt", "mail", "read", town.all_mail, cwd=town.root)
    assert letter["subject"] == EVERYTHING and letter["body"] == "\n".join(CATALOGUE.values())
    out = text("gt", "mail", "thread", town.reply, cwd=town.root)
    assert len(out.splitlines()) == 3 and EVERYTHING_SHOWN in out.splitlines()[1]
    thread = as_json("gt", "mail", "thread", town.reply, cwd=town.root)
    assert [m["id"] for m in thread] == [town.all_mail, town.reply]


def test_events(town):
    out = text("gt", "events", "-n", "500", cwd=town.root)
    events = as_json("gt", "events", "-n", "500", cwd=town.root)
    assert len(out.splitlines()) == len(events)
    for name in CATALOGUE:
        assert f"subject={SHOWN[name]}" in out and f"title={SHOWN[name]}" in out
    assert [e["subject"] for e in events if e["kind"] == "mail"] == list(CATALOGUE.values())


def test_completions_show_titles_as_marks(town):
    """zsh lists each bead id with its title beside it."""
    out = text("gt", cwd=town.root, env={"_GT_COMPLETE": "zsh_complete",
                                         "COMP_WORDS": f"gt sling {town.beads['c1-osc']}",
                                         "COMP_CWORD": "2"})
    assert out == f"plain\n{town.beads['c1-osc']}\n{SHOWN['c1-osc']}\n"


def test_sling_work_convoy_prime_hook_and_the_done_mail(town):
    """What agents' own commands carry to the overseer: the "Work: <title>" convoy of a sling
    and the "Done: <id> <title>" mail of `gt done` (one line each: the title's newline is a
    space there)."""
    from gastown_tui.town import find_town

    t = find_town(town.root, {})
    with t.rig("proj").ledger("overseer") as led:
        bead = led.create(EVERYTHING, description=body_of(EVERYTHING)).id
    out = text("gt", "sling", bead, "proj", "--agent", "demo", cwd=town.root)
    assert out.startswith(f"Slung {bead} to proj/polecats/")
    polecat = out.split("proj/polecats/")[1].split()[0]
    worktree = t.rig("proj").polecats_dir / polecat
    agent = {"GT_ROLE": "polecat", "GT_RIG": "proj", "GT_POLECAT": polecat,
             "BD_ACTOR": f"proj/polecats/{polecat}", "GT_TOWN_ROOT": str(town.root)}
    primed = text("gt", "prime", cwd=worktree, env=agent, keep="\n\t")
    assert f"Issue: {bead} (P2) {EVERYTHING_SHOWN}\n" in primed
    assert visible(body_of(EVERYTHING), lines=True) in primed
    hook = text("gt", "hook", cwd=worktree, env=agent, keep="\n\t")
    assert hook.startswith(f"proj/polecats/{polecat}: {bead} {EVERYTHING_SHOWN}\n")
    done = text("gt", "done", "-m", "finished", cwd=worktree, env=agent)
    assert done.startswith(f"Closed {bead}: {EVERYTHING_SHOWN}\n")
    one_line = visible(EVERYTHING.replace("\n", " "))
    assert "^J" not in one_line and "<U+202E>" in one_line
    inbox = text("gt", "mail", "inbox", cwd=town.root)
    assert [line for line in inbox.splitlines() if line.endswith(f"Done: {bead} {one_line}")]
    convoys = text("gt", "convoy", "list", "--all", cwd=town.root)
    assert [line for line in convoys.splitlines() if line.endswith(f"Work: {one_line}")]
    overview = text("gt", "prime", cwd=town.root)
    assert "Open convoys: " in overview
    shows_every_entry(overview, "prime")


def test_a_screen_with_its_colours_keeps_only_its_own_styles(tmp_path):
    """`gt term replay --ansi` prints SGR and links, the one output meant to carry escapes;
    what the program drew (here a bidi override and a zero-width space) shows as marks."""
    transcript = tmp_path / "session.bin"
    transcript.write_bytes("\x1b[1mbold\x1b[0m \x1b]8;;https://x.example/\x1b\\link\x1b]8;;"
                           "\x1b\\ a\u202eb\u200bc".encode())
    code, out, err = run("gt", "term", "replay", "--ansi", "--size", "40x2", str(transcript),
                         cwd=tmp_path)
    assert code == 0, err
    assert out.splitlines()[0] == ("\x1b[0;1mbold\x1b[0m \x1b]8;;https://x.example/\x1b\\link"
                                   "\x1b]8;;\x1b\\ a<U+202E>b<U+200B>c")


def test_merge_requests_their_diffs_hooks_and_the_status(town):
    """What a finished agent hands to the merge queue: its bead's title, its commit message and
    the lines of its change reach `gt mq`, `gt diff`, `gt hooks list` and `gt status` as
    marks (a diff of a file holding every hostile entry included), and as exact JSON."""
    from gastown_tui.town import find_town

    t = find_town(town.root, {})
    with t.rig("proj").ledger("overseer") as led:
        bead = led.create(EVERYTHING).id
    out = text("gt", "sling", bead, "proj", "--agent", "demo", cwd=town.root)
    polecat = out.split("proj/polecats/")[1].split()[0]
    worktree = t.rig("proj").polecats_dir / polecat
    # Without its NUL, which makes git call the file binary (the diff says so, no lines).
    lines = {name: entry for name, entry in CATALOGUE.items() if "\0" not in entry}
    (worktree / "hostile.txt").write_text("\n".join(lines.values()) + "\n")
    agent = {"GT_ROLE": "polecat", "GT_RIG": "proj", "GT_POLECAT": polecat,
             "BD_ACTOR": f"proj/polecats/{polecat}", "GT_TOWN_ROOT": str(town.root)}
    text("gt", "done", "-m", ONE_LINE, cwd=worktree, env=agent)
    one_line = visible(EVERYTHING.replace("\n", " "))
    mrs = [m for m in as_json("gt", "mq", "list", "proj", cwd=town.root) if m["issue"] == bead]
    assert len(mrs) == 1 and mrs[0]["title"] == f"Merge {bead}: {EVERYTHING}"
    mr = mrs[0]["id"]
    text("gt", "mq", "list", "proj", cwd=town.root)
    shown = text("gt", "mq", "show", mr, cwd=town.root)
    assert one_line in shown or EVERYTHING_SHOWN in shown
    assert as_json("gt", "mq", "show", mr, cwd=town.root)["title"] == mrs[0]["title"]
    for args in (("diff", mr), ("diff", polecat), ("diff", mr, "--stat")):
        out = text("gt", *args, cwd=town.root, keep="\n\t")
        if "--stat" not in args:
            missing = [name for name in lines if visible(lines[name], lines=True)
                       .replace("\n", "\n+") not in out]
            assert not missing, f"gt diff: not shown as marks: {missing}"
    text("gt", "hooks", "list", cwd=town.root)
    text("gt", "status", cwd=town.root)
    text("gt", "queue", "list", cwd=town.root)
    text("gt", "events", "-n", "50", cwd=town.root)
