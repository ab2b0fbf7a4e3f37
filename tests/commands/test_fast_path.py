"""The fast entry (`commands/fast.py`) serves the commands agents call constantly without
loading click. It must answer exactly as the registry does: same words accepted, same
parameters, same output, errors and exit codes, and anything it cannot vouch for goes to the
registry."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
import pytest
from hypothesis import given, settings, strategies as st

from gastown_tui.commands import bd as bd_cli
from gastown_tui.commands import fast, fast_gen
from gastown_tui.commands import gt as gt_cli
from gastown_tui.commands.calls import Env
from gastown_tui.commands.core import completion_var
from gastown_tui.commands.fast_words import WORDS

HOT = list(WORDS)


def test_fast_words_are_made_from_the_registry():
    assert fast_gen.TARGET.read_text() == fast_gen.render(), \
        "the registry changed: run `python3 -m gastown_tui.commands.fast_gen`"


def test_every_hot_command_is_served():
    assert set(HOT) == {(prog, path) for prog, path in fast_gen.HOT}
    assert fast.COMPLETE_VAR == completion_var("gt")
    assert fast.BD_COMPLETE_VAR == completion_var("bd")


def _leaf(prog: str, path: tuple[str, ...]) -> click.Command:
    cmd = (bd_cli if prog == "bd" else gt_cli).root()
    for word in path:
        cmd = cmd.commands[word]
    return cmd


def _click_parse(prog: str, path: tuple[str, ...], words: list[str]):
    """The parameters click gives the command for `words`, and the actor they set; None when
    click refuses them."""
    cmd, env = _leaf(prog, path), Env()
    try:
        with cmd.make_context(path[-1], list(words), obj=env) as ctx:
            params = dict(ctx.params)
    except (click.exceptions.Exit, click.ClickException):
        return None
    return params, env.actor or ""


_VALUES = ["x", "3", "0", "12", "P1", "p2", "7", "-1", "", "a,b", "-", "--", "²", " 2", "hq-1",
           "1000000", "1000001", "two words", "--json"]


def _vocabulary(prog: str, path: tuple[str, ...]) -> list[str]:
    opts = [o for p in _leaf(prog, path).params if isinstance(p, click.Option) for o in p.opts]
    words = opts + ["--", "-h", "--help", "--nope", "-x", "-", *_VALUES]
    words += [f"{o}={v}" for o in opts if o.startswith("--") for v in ("3", "x", "")]
    words += [f"{o}{v}" for o in opts if not o.startswith("--") for v in ("5", "P0", "x")]
    return words


@pytest.mark.parametrize("hot", HOT, ids=lambda h: f"{h[0]} {' '.join(h[1])}")
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_fast_parser_agrees_with_click(hot, data):
    """Whatever the words, the fast parser either leaves them to the registry (None) or makes
    of them exactly what click makes: the same parameters and the same --actor."""
    prog, path = hot
    words = data.draw(st.lists(st.sampled_from(_vocabulary(prog, path)), max_size=7))
    _check_words(prog, path, words)


def _check_words(prog: str, path: tuple[str, ...], words: list[str]) -> bool:
    parsed = fast.parse(WORDS[(prog, path)][2], words)
    if parsed is None:
        return False
    clicked = _click_parse(prog, path, words)
    assert clicked is not None, f"served words click refuses: {words}"
    assert parsed == clicked, words
    return True


@pytest.mark.parametrize("prog, path, words", [
    ("bd", ("ready",), []),
    ("bd", ("ready",), ["--json", "-n", "5", "--unassigned", "-l", "ui", "--label=core"]),
    ("bd", ("ready",), ["-n0", "--actor", "me"]),
    ("bd", ("ready",), ["-t", "bug", "--type=task,chore"]),
    ("bd", ("show",), ["bd-1", "bd-2", "--json"]),
    ("bd", ("list",), ["-s", "open", "--status=closed", "-p", "P1", "--all", "-n", "50"]),
    ("bd", ("list",), ["--type", "agent", "-t", "message,convoy"]),
    ("bd", ("create",), ["A title", "-p", "1", "-t", "bug", "-l", "a,b", "--deps", "bd-1"]),
    ("bd", ("create",), ["--", "-a title with a dash"]),
    ("bd", ("create",), ["A title", "-q"]),
    ("bd", ("create",), ["A title", "--silent", "--json"]),
    ("bd", ("update",), ["bd-1", "--status", "in_progress", "--assignee", ""]),
    ("bd", ("update",), ["bd-1", "bd-2", "--claim", "--json"]),
    ("bd", ("close",), ["bd-1", "-r", "done"]),
    ("gt", ("prime",), []),
    ("gt", ("hook",), ["--json"]),
    ("gt", ("done",), ["-m", "finished it"]),
    ("gt", ("mail", "send"), ["mayor/", "-s", "Hi", "-m", "text", "--urgent"]),
    ("gt", ("mail", "send"), ["mayor/", "--subject=Hi", "--stdin"]),
    ("gt", ("mail", "inbox"), ["--unread", "--json"]),
    ("gt", ("mail", "inbox"), ["overseer"]),
    ("gt", ("mail", "read"), ["hq-abc"]),
])
def test_the_words_agents_use_are_served(prog, path, words):
    assert _check_words(prog, path, words), f"{prog} {' '.join(path)} {words} not served"


@pytest.mark.parametrize("words", [["--help"], ["-h"], ["-n", "x"], ["-n", "-1"], ["--nope"],
                                   ["extra"], ["-n"], ["--unassigned=1"]])
def test_what_click_must_judge_goes_to_the_registry(words):
    assert fast.parse(WORDS[("bd", ("ready",))][2], words) is None


# ---------------------------------------------------------------------------------------------
# Whole processes: the fast entry against the registry, on the same town


def _entry(prog: str, fast_entry: bool) -> list[str]:
    if fast_entry:
        code = f"from gastown_tui.commands.fast import {'bd_main' if prog == 'bd' else 'main'}"
        call = "bd_main()" if prog == "bd" else "main()"
    else:
        code, call = f"from gastown_tui.commands.{prog} import main", "main()"
    return [sys.executable, "-c", f"{code}; {call}"]


def _run(prog: str, args: list[str], cwd: Path, environ: dict, fast_entry: bool,
         stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([*_entry(prog, fast_entry), *args], cwd=cwd, env=environ,
                          input=stdin, capture_output=True, text=True, timeout=60)


_VOLATILE = re.compile(r"\b(?:mp|hq)(?:-mr)?-[0-9a-z]+(?:\.\d+)?\b|\d{4}-\d\d-\d\d[T ][0-9:.+]+"
                       r"|\b[0-9a-f]{10,40}\b")


def _same(prog: str, args: list[str], cwd: Path, environ: dict, *, other: list[str] | None =
          None, other_at: tuple[Path, dict] | None = None, names: tuple[str, str] = ("", ""),
          stdin: str = "") -> subprocess.CompletedProcess:
    """Run `args` through the fast entry and `other` (default: the same words; at `other_at`,
    default the same place) through the registry; both must print and exit alike (ids, commit
    hashes and times aside, and each side's name of `names`, when they act on twins)."""
    a = _run(prog, args, cwd, environ, True, stdin)
    b = _run(prog, other or args, *(other_at or (cwd, environ)), False, stdin)
    twins = other is not None or other_at is not None

    def norm(text: str, name: str) -> str:
        if not twins:
            return text
        return _VOLATILE.sub("<v>", text.replace(name, "<name>") if name else text)

    assert (a.returncode, norm(a.stdout, names[0]), norm(a.stderr, names[0])) == \
        (b.returncode, norm(b.stdout, names[1]), norm(b.stderr, names[1])), \
        (args, a.stdout, a.stderr, b.stdout, b.stderr)
    return a


def _all_same(prog: str, words: list[list[str]], cwd: Path, environ: dict, *,
              served: bool = True) -> list[subprocess.CompletedProcess]:
    """`_same` for each of `words` that changes nothing, two at a time (the suite's time)."""
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda args: _same(prog, _served(prog, args) if served else args,
                                                cwd, environ), words))


def _served(prog: str, args: list[str]) -> list[str]:
    """`args`, checked to be words the fast entry serves itself (a comparison of two registry
    runs would prove nothing)."""
    for n in (2, 1):
        entry = WORDS.get((prog, tuple(args[:n])))
        if entry is not None:
            assert fast.parse(entry[2], args[n:]) is not None, f"{prog} {args} not served"
            return args
    raise AssertionError(f"{prog} {args} is no served command")


def _refused(proc: subprocess.CompletedProcess, exit_codes: tuple[int, ...] = (1, 2)) -> None:
    """A bad input's answer: one line on stderr that says what is wrong, a failing exit code
    (1 failed, 2 bad usage), no traceback."""
    assert proc.returncode in exit_codes, proc
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr, proc


def test_the_fast_entry_answers_as_the_registry(rig_town):
    town = rig_town.cwd
    alice = rig_town.at(town / "my_proj/crew/alice")
    env, here = alice.environ, alice.cwd
    ids = [alice.new_bead(f"Twin {n % 2}", "-p", "1", "-d", "same words") for n in range(6)]
    alice.ok(f"dep add {ids[0]} {ids[2]}", prog="bd")
    for args in (["ready"], ["ready", "--json"], ["ready", "-n", "1"], ["list"],
                 ["list", "--json", "-n", "2"], ["list", "-s", "open,blocked", "-p", "P1"],
                 ["show", ids[0]], ["show", ids[0], ids[2], "--json"],
                 ["show", "mp-nosuch"], ["ready", "--help"], ["ready", "-n", "x"],
                 ["update", ids[1]], ["create"], ["list", "-s", "nosuch"]):
        _same("bd", args, here, env)
    # writes: the fast entry changes one twin, the registry the other
    for verb in (["update", "--status", "in_progress", "--json"], ["close", "-r", "done"],
                 ["update", "--notes", "more", "--add-label", "x"]):
        _same("bd", [verb[0], ids[1], *verb[1:]], here, env, other=[verb[0], ids[3], *verb[1:]])
    _same("bd", ["close", ids[1]], here, env, other=["close", ids[3]])   # already closed
    _same("bd", ["create", "New one", "-p", "P3", "--json"], here, env,
          other=["create", "New one", "-p", "P3", "--json"])

    slung = rig_town.ok(f"sling {ids[4]} my_proj --agent demo --no-convoy")
    polecat = slung.slung[0]
    agent = {**rig_town.environ, "GT_ROLE": "polecat", "GT_RIG": "my_proj",
             "GT_POLECAT": polecat.polecat, "BD_ACTOR": polecat.address,
             "GT_TOWN_ROOT": str(town), "BEADS_DIR": str(town / "my_proj/mayor/rig/.beads")}
    wt = Path(polecat.worktree)
    for args in (["prime"], ["hook"], ["hook", "--json"], ["mail", "inbox"],
                 ["mail", "inbox", "--json", "--unread"], ["mail", "read", "hq-nosuch"],
                 ["mail", "send", "nobody/", "-s", "x", "-m", "y"], ["done", "-m"]):
        _same("gt", args, wt, agent)
    sent = _same("gt", ["mail", "send", "mayor/", "-s", "Progress", "--stdin", "--json"], wt,
                 agent, other=["mail", "send", "mayor/", "-s", "Progress", "--stdin", "--json"],
                 stdin="halfway\n")
    message = json.loads(sent.stdout)[0]["id"]
    mayor = {**rig_town.environ}
    _run("gt", ["mail", "read", message], town, mayor, False)    # read: both see it read
    _same("gt", ["mail", "read", message], town, mayor)
    _same("gt", ["done"], town, mayor)       # nobody's hook here: the same one-line failure


@pytest.mark.parametrize("prog, args", [("bd", ["ready", "--json"]), ("bd", ["show", "X"]),
                                        ("gt", ["hook", "--json"]), ("gt", ["prime"]),
                                        ("gt", ["prime", "--hook"])])
def test_the_fast_entry_loads_no_click(rig_town, prog, args):
    alice = rig_town.at(rig_town.cwd / "my_proj/crew/alice")
    entry = "bd_main" if prog == "bd" else "main"
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: print('click' in sys.modules, file=sys.stderr))\n"
             f"from gastown_tui.commands.fast import {entry}\n{entry}({args!r})\n")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=alice.cwd, env=alice.environ,
                          capture_output=True, text=True, timeout=60)
    assert proc.stderr.strip().splitlines()[-1] == "False", proc.stderr


@pytest.mark.parametrize("prog, args, served", [("bd", ["ready"], True),
                                                ("gt", ["hook"], True),
                                                ("bd", ["ready", "--help"], False),
                                                ("gt", ["rig", "list"], False)])
def test_only_a_served_command_runs_without_the_cycle_collector(rig_town, prog, args, served):
    """A served command is one short process and skips garbage collection; the registry
    (which may open the app) collects, and so does whoever called the entry afterwards, for
    what it makes next: what the process held is frozen, not looked through at exit."""
    alice = rig_town.at(rig_town.cwd / "my_proj/crew/alice")
    entry = "bd_main" if prog == "bd" else "main"
    probe = ("import gc, sys\n"
             f"from gastown_tui.commands import fast, {prog} as registry\n"
             "def seen(*_a, **_k):\n"
             "    print('collecting' if gc.isenabled() else 'not collecting', file=sys.stderr)\n"
             "    return 0\n"
             "fast._print = registry.main = seen\n"
             f"try:\n    fast.{entry}({args!r})\nexcept SystemExit:\n    pass\n"
             "print('after:', gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=alice.cwd, env=alice.environ,
                          capture_output=True, text=True, timeout=60)
    lines = proc.stderr.strip().splitlines()
    assert lines == ["not collecting" if served else "collecting", "after: True True"], \
        proc.stderr


def test_every_served_flag_and_bad_input_answers_as_the_registry(rig_town, tmp_path):
    """Each option of each served bd command, --json or not, and the bad inputs agents make
    (unknown ids, unknown words, conflicting options, no ledger): the same answers."""
    town = rig_town.cwd
    alice = rig_town.at(town / "my_proj/crew/alice")
    env, here = alice.environ, alice.cwd
    ids = [alice.new_bead("Twin", "-p", "1", "-d", "same words", "-l", "ui") for _ in range(8)]
    alice.new_bead("Bob's", "-a", "bob")
    _all_same("bd", [["ready", "-a", "bob"], ["ready", "--unassigned", "--json"],
                     ["ready", "-l", "ui", "-l", "nosuch"], ["ready", "--actor", "me", "--json"],
                     ["ready", "--debug"], ["list", "--all", "-t", "task", "-a", "bob", "--json"],
                     ["list", "-l", "ui", "-p", "1", "-s", "open", "-t", "task,bug"],
                     ["show", ids[0], "--actor", "carol"]], here, env)
    unknown = [["show", "mp-nosuch"], ["show", "mp-nosuch", "--json"],
               ["show", ids[0], "mp-nosuch"], ["close", "mp-nosuch"],
               ["close", "mp-nosuch", "--json"], ["update", "mp-nosuch", "--status", "open"],
               ["show", "mp-nosuch", "--debug"]]
    for proc in _all_same("bd", unknown, here, env):
        _refused(proc, (1,))
    bad = [["update", ids[1], "--status", "nosuch"], ["update", ids[1], "-t", "nosuch"],
           ["update", ids[1], "--claim", "--status", "open"],
           ["ready", "-a", "bob", "--unassigned"], ["list", "-t", "nosuch", "--json"],
           ["create", "Orphan", "--parent", "mp-nosuch"],
           ["create", "Blocked", "--deps", "mp-nosuch"],
           ["create", "Odd", "-t", "nosuch"], ["create", "Lost", "--rig", "nosuch"]]
    for proc in _all_same("bd", bad, here, env):
        _refused(proc)
    _refused(_same("bd", ["update", ids[1], "-p", "P9"], here, env), (2,))  # click's to judge
    for proc in _all_same("bd", [["ready", "-t", "nosuch"], ["ready", "--type=task,nosuch"]],
                          here, env):
        _refused(proc, (2,))
    nowhere = {k: v for k, v in env.items() if not k.startswith(("GT_", "BD_", "BEADS_"))}
    for proc in _all_same("bd", [["ready"], ["list", "--json"], ["create", "Homeless"]], tmp_path,
                          nowhere):
        _refused(proc)

    # writes: the fast entry changes one twin, the registry the other
    for verb in (["update", "--title", "Renamed", "-d", "new words", "-p", "0", "-t", "bug",
                  "-a", "dave", "--remove-label", "ui", "--add-label", "core", "--json"],
                 ["update", "--claim"], ["update", "--notes", "a note", "--actor", "erin"]):
        _same("bd", _served("bd", [verb[0], ids[0], *verb[1:]]), here, env,
              other=[verb[0], ids[2], *verb[1:]])
    _same("bd", ["close", ids[4], ids[6], "--json"], here, env,
          other=["close", ids[5], ids[7], "--json"])
    full = ["create", "Full", "-d", "words", "-t", "bug", "-a", "bob", "-l", "a,b", "--parent",
            ids[1], "--deps", ids[3], "--notes", "n", "--json"]
    _same("bd", _served("bd", full), here, env, other=full)
    _same("bd", ["create", "In the rig", "--rig", "my_proj"], town, rig_town.environ,
          other=["create", "In the rig", "--rig", "my_proj"])
    for quiet in (["create", "Quiet", "-q"], ["create", "Quiet", "--silent", "-p", "1"],
                  ["create", "Quiet", "--silent", "--json"]):
        proc = _same("bd", _served("bd", quiet), here, env, other=quiet)
        if "--json" not in quiet:   # the id alone, for ID=$(bd create ... -q)
            assert re.fullmatch(r"mp-[0-9a-z]+\n", proc.stdout), proc.stdout


def test_the_fast_entry_hides_the_towns_records_as_the_registry(rig_town):
    """bd list and ready leave out the town's own records (agents, mail, merge requests,
    convoys) unless asked for by --type, or --all for list, through either entry."""
    alice = rig_town.at(rig_town.cwd / "my_proj/crew/alice")
    env, here = alice.environ, alice.cwd
    work = alice.new_bead("Plain work")
    records = {kind: alice.new_bead(f"A {kind} record", "-t", kind)
               for kind in ("agent", "message", "merge-request", "convoy")}
    done = alice.new_bead("Finished work")
    alice.ok(f"close {done}", prog="bd")
    asked = [["list"], ["list", "--json"], ["list", "--all"], ["list", "-t", "agent"],
             ["list", "--type=message,convoy", "--json"], ["list", "-t", "task"],
             ["ready"], ["ready", "-t", "merge-request"], ["ready", "--type", "task,agent"]]
    shown = {tuple(args): proc.stdout
             for args, proc in zip(asked, _all_same("bd", asked, here, env))}
    assert work in shown[("list",)] and done not in shown[("list",)]
    assert not any(i in shown[("list",)] or i in shown[("ready",)] for i in records.values())
    assert {i["id"] for i in json.loads(shown[("list", "--json")])} >= {work}
    assert all(i in shown[("list", "--all")] for i in [*records.values(), work, done])
    assert records["agent"] in shown[("list", "-t", "agent")]
    assert {i["id"] for i in json.loads(shown[("list", "--type=message,convoy", "--json")])} \
        == {records["message"], records["convoy"]}
    assert records["agent"] not in shown[("list", "-t", "task")]
    assert records["merge-request"] in shown[("ready", "-t", "merge-request")]
    ready_both = shown[("ready", "--type", "task,agent")]
    assert work in ready_both and records["agent"] in ready_both


def test_every_served_gt_command_answers_as_the_registry(rig_town, tmp_path):
    """gt prime, hook, done (for real, on twin hooks), mail send/inbox/read with each option
    and their bad inputs: the same answers from both entries."""
    town = rig_town.cwd
    alice = rig_town.at(town / "my_proj/crew/alice")
    ids = [alice.new_bead("Work") for _ in range(2)]
    agents = []
    for issue in ids:
        polecat = rig_town.ok(f"sling {issue} my_proj --agent demo --no-convoy").slung[0]
        agents.append((Path(polecat.worktree), polecat.polecat, {
            **rig_town.environ, "GT_ROLE": "polecat", "GT_RIG": "my_proj",
            "GT_POLECAT": polecat.polecat, "BD_ACTOR": polecat.address,
            "GT_TOWN_ROOT": str(town), "BEADS_DIR": str(town / "my_proj/mayor/rig/.beads")}))
    (wt, name, agent), (wt2, name2, agent2) = agents
    _all_same("gt", [["prime", "--json"], ["prime", "--hook"], ["prime", "--hook", "--json"],
                     ["mail", "inbox", "overseer", "--json"], ["mail", "inbox", "--archived"],
                     ["mail", "inbox", "mayor/", "--unread"], ["hook", "--debug"]], wt, agent)
    for proc in _all_same("gt", [["mail", "read", "hq-nosuch"],
                                 ["mail", "read", "hq-nosuch", "--json"]], wt, agent):
        _refused(proc, (1,))    # an unknown id
    for proc in _all_same("gt", [["mail", "send", "mayor/", "-s", "x"],
                                 ["mail", "send", "mayor/", "-s", "x", "-m", "y", "--stdin"],
                                 ["mail", "send", "nobody/", "-s", "x", "-m", "y", "--json"]],
                          wt, agent):
        _refused(proc)
    nowhere = {k: v for k, v in rig_town.environ.items() if not k.startswith(("GT_", "BD_"))}
    for proc in _all_same("gt", [["prime"], ["hook", "--json"], ["mail", "inbox"], ["done"]],
                          tmp_path, nowhere):
        _refused(proc)

    sent = _same("gt", ["mail", "send", "mayor/", "-s", "Hi", "-m", "text", "--urgent"], wt,
                 agent, other=["mail", "send", "mayor/", "-s", "Hi", "-m", "text", "--urgent"])
    message = sent.stdout.split()[1]
    _same("gt", ["mail", "read", message, "--json"], town, rig_town.environ)
    # gt done for real: each entry finishes its own twin's work, with a change to submit
    for where in (wt, wt2):
        (where / "work.txt").write_text("done\n")
    _same("gt", _served("gt", ["done", "-m", "finished", "--json"]), wt, agent,
          other_at=(wt2, agent2), names=(name, name2))
    _same("gt", ["done"], wt, agent, other_at=(wt2, agent2), names=(name, name2))


@pytest.mark.parametrize("prog, args", [("bd", ["ready"]), ("gt", ["hook"])])
def test_the_fast_entry_holds_the_agents_inflight_lock(rig_town, prog, args):
    """As the registry's entry does (inflight.py): the host never ends an agent's terminal
    under a command the fast entry serves."""
    town = rig_town.cwd
    (town / ".runtime").mkdir(mode=0o700, exist_ok=True)
    address = "my_proj/polecats/nux"
    entry = "bd_main" if prog == "bd" else "main"
    probe = ("import atexit, sys\n"
             "from gastown_tui import inflight\n"
             f"atexit.register(lambda: print(inflight.running({str(town)!r}, {address!r}),"
             " file=sys.stderr))\n"
             f"from gastown_tui.commands.fast import {entry}\n{entry}({args!r})\n")
    env = {**rig_town.environ, "GT_TOWN_ROOT": str(town), "BD_ACTOR": address}
    proc = subprocess.run([sys.executable, "-c", probe], cwd=town / "my_proj/crew/alice",
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.stderr.strip().splitlines()[-1] == "True", proc.stderr
