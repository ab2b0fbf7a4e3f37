"""One registry, three ways in: the shell, `gt --cmd`, and the in-process `run`; `--json`,
exit codes, `--debug`, and completion (shell scripts through real bash, and the command bar)."""

import json
import re
import shutil
import subprocess
import sys

import click
import pytest

from gastown_tui.commands import gt as gt_cli
from gastown_tui.commands.core import Env


def _leaves(group: click.Group, path=()):
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from _leaves(cmd, path + (name,))
        else:
            yield path + (name,), cmd


def test_every_command_takes_json():
    missing = [" ".join(p) for p, cmd in _leaves(gt_cli.root())
               if not any("--json" in param.opts for param in cmd.params)]
    assert missing == []


PYTHON = r'[^" ]*/python[0-9.]*'


def _same_python(text: str):
    # The demo agent runs this interpreter, which the `gt` script may name differently.
    return json.loads(re.sub(PYTHON, "PYTHON", text))


@pytest.mark.parametrize("line", ["rig list", "crew list", "convoy list --all", "mail inbox",
                                  "config show", "config agent list", "convoy show",
                                  "mail inbox mayor/ --unread"])
def test_shell_cmd_and_in_process_agree(rig_town, town, line):
    rig_town.ok("convoy create Agree " + rig_town.at(town / "my_proj/crew/alice").new_bead("x"))
    rig_town.ok("mail send mayor/ -s hi -m there")
    in_process = _same_python(rig_town.gt(f"{line} --json").render())
    shell = _same_python(rig_town.shell("gt", *line.split(), "--json", check=True).stdout)
    headless = _same_python(rig_town.shell("gt", "--json", "--cmd", line, check=True).stdout)
    assert in_process == shell == headless
    text = rig_town.shell("gt", *line.split(), check=True).stdout.rstrip("\n")
    # Same words; column widths may differ with the interpreter's path.
    assert re.sub(PYTHON, "", text).split() == \
        re.sub(PYTHON, "", rig_town.gt(line).render()).split()


def test_cmd_strings_run_in_order_and_stop_at_first_failure(at_town, town):
    proc = at_town.shell("gt", "--cmd", "config set theme nord", "--cmd", "config get theme")
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1] == "nord"
    proc = at_town.shell("gt", "--cmd", "rig remove nope", "--cmd", "config set theme dracula")
    assert proc.returncode == 2 and "no rig named 'nope'" in proc.stderr
    assert at_town.ok("config get theme") == "nord"
    proc = at_town.shell("gt", "--keep-going", "--cmd", "rig remove nope",
                         "--cmd", "mail inbox nobody", "--cmd", "config set theme dracula")
    assert proc.returncode == 2  # the first failure's code
    assert at_town.ok("config get theme") == "dracula"
    assert proc.stderr.count("gt: error:") == 2
    proc = at_town.shell("gt", "--cmd", 'config set theme "unclosed')
    assert proc.returncode == 2 and "cannot parse" in proc.stderr
    proc = at_town.shell("gt", "--cmd", "  ")
    assert proc.returncode == 2 and "empty command" in proc.stderr
    assert at_town.gt("").exit_code == 2


def test_in_process_run_never_prints(at_town, capsys):
    for line in ("config show", "rig remove nope", "--help", "convoy --help", "nosuch"):
        at_town.gt(line)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    bad = at_town.gt("nosuch")
    assert bad.exit_code == 2 and "No such command 'nosuch'" in bad.error
    assert "convoy" in at_town.gt("--help").output


def test_exit_codes_and_errors_in_the_shell(at_town, town):
    ok = at_town.shell("gt", "config", "get", "theme")
    assert ok.returncode == 0 and ok.stderr == ""
    failed = at_town.shell("gt", "mail", "inbox", "nobody")
    assert failed.returncode == 1
    assert failed.stderr.startswith("gt: error: unknown address") and \
        failed.stderr.count("\n") == 1
    usage = at_town.shell("gt", "rig", "add")
    assert usage.returncode == 2 and "Missing argument" in usage.stderr
    as_json = at_town.shell("gt", "mail", "inbox", "nobody", "--json")
    assert json.loads(as_json.stdout)["exit_code"] == 1


CRASH = """
import sys
import click
from gastown_tui.commands import gt

@gt.root().command("crash")
def crash():
    raise RuntimeError("boom")

gt.main(sys.argv[1:])
"""


def test_internal_errors_hide_the_traceback_unless_debug(at_town):
    proc = subprocess.run([sys.executable, "-c", CRASH, "crash"], capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr == "gt: error: internal error: RuntimeError: boom (run again with " \
        "--debug for the traceback)\n"
    debug = subprocess.run([sys.executable, "-c", CRASH, "--debug", "crash"],
                           capture_output=True, text=True)
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr
    after = subprocess.run([sys.executable, "-c", CRASH, "crash", "--debug"],
                           capture_output=True, text=True)
    assert after.returncode == 1 and "Traceback (most recent call last)" in after.stderr


def test_broken_town_files_are_clear_errors(at_town, town):
    (town / "mayor/rigs.toml").write_text("rigs = 5\n")
    result = at_town.gt("rig list")
    assert result.exit_code == 1 and "'rigs' must be a table" in result.error
    (town / "settings/config.toml").write_text('agents = "x"\n')
    result = at_town.gt("config agent list")
    assert result.exit_code == 1 and "'agents' must be a table" in result.error


def _bash_complete(runner, words: list[str]) -> list[str]:
    """Source `gt completion bash` in a real bash and ask it to complete `words`."""
    quoted = " ".join(f"'{w}'" for w in words)
    script = ('source <(gt completion bash)\n'
              f'COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n'
              '_gt_completion gt\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    proc = subprocess.run(["bash", "-c", script], cwd=runner.cwd, env=runner.environ,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.splitlines() if line]


def test_bash_completion_really_works(rig_town, town):
    alice = rig_town.at(town / "my_proj/crew/alice")
    bead = alice.new_bead("Complete me")
    assert _bash_complete(rig_town, ["gt", "con"]) == ["config", "convoy"]
    assert _bash_complete(rig_town, ["gt", "show", ""]) == []
    assert _bash_complete(rig_town, ["gt", "rig", "remove", ""]) == ["my_proj"]
    assert _bash_complete(rig_town, ["gt", "crew", "add", "x", "--rig", "my"]) == ["my_proj"]
    assert bead in _bash_complete(alice, ["gt", "convoy", "create", "X", "mp-"])
    assert _bash_complete(rig_town, ["gt", "config", "agent", "get", "au"]) == ["auggie"]
    assert "@rig/my_proj" in _bash_complete(rig_town, ["gt", "mail", "send", "@"])


@pytest.mark.parametrize("shell,marker", [("zsh", "#compdef gt"), ("fish", "complete")])
def test_zsh_and_fish_scripts_call_back_into_gt(at_town, shell, marker):
    script = at_town.shell("gt", "completion", shell, check=True).stdout
    assert marker in script and f"_GT_COMPLETE={shell}_complete" in script
    env = {**at_town.environ, "_GT_COMPLETE": f"{shell}_complete",
           "COMP_WORDS": "gt config agent get co", "COMP_CWORD": "co" if shell == "fish" else "4"}
    proc = subprocess.run(["gt"], cwd=at_town.cwd, env=env, capture_output=True, text=True,
                          timeout=60)
    if shell == "fish":  # one line per item: type,value<TAB>help
        assert proc.stdout.splitlines() == [
            "plain,codex\tcodex --dangerously-bypass-approvals-and-sandbox"]
    else:  # zsh: type, value, help on three lines
        assert proc.stdout.splitlines()[:2] == ["plain", "codex"]


def _real_shell(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed here; the callback protocol is tested above")
    return path


def test_zsh_completion_really_works(rig_town):
    zsh = _real_shell("zsh")
    # compadd/_describe are zsh's completion builtins; stand-ins print what they are given.
    script = ("compdef() { :; }; source <(gt completion zsh)\n"
              '_describe() { print -l "${(@P)3}"; }\n'
              'compadd() { print -l "${(@P)${@[-1]}}"; }\n'
              "words=(gt rig remove ''); CURRENT=4; _gt_completion\n"
              "words=(gt con); CURRENT=2; _gt_completion\n")
    proc = subprocess.run([zsh, "-f", "-c", script], cwd=rig_town.cwd, env=rig_town.environ,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"my_proj:{rig_town.cwd.parent / 'src'}", "config:Town settings and agent presets.",
        "convoy:Bundles of issues, tracked until every one..."]


def test_fish_completion_really_works(rig_town):
    fish = _real_shell("fish")
    script = ("gt completion fish | source\n"
              "complete -C 'gt rig remove '\ncomplete -C 'gt mail send my'\n")
    proc = subprocess.run([fish, "--no-config", "-c", script], cwd=rig_town.cwd,
                          env=rig_town.environ, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout.splitlines() == [f"my_proj\t{rig_town.cwd.parent / 'src'}",
                                        "my_proj/crew/alice"]


def test_completion_bad_input(at_town):
    result = at_town.gt("completion tcsh")
    assert result.exit_code == 2 and "'tcsh' is not one of" in result.error
    assert at_town.gt("completion").exit_code == 2


def test_command_bar_completion(rig_town, town):
    env = rig_town.env()
    values = lambda line: [c.value for c in gt_cli.complete(line, env)]  # noqa: E731
    assert values("conv") == ["convoy"]
    assert values("convoy ") == ["add-issue", "close", "create", "list", "refresh", "show"]
    assert values("show ") == values("convoy frob ") == values("show --") == []
    assert values("rig remove m") == ["my_proj"]
    assert values("crew remove --rig my_proj a") == ["alice"]
    assert values("config agent get g") == ["gemini"]
    assert values("config get st") == ["stall_minutes"]
    assert values("config set --rig my_proj ") == ["agent", "merge.target", "merge.strategy",
                                                   "merge.gate", "merge.gate_timeout",
                                                   "merge.batch", "merge.push", "merge.review"]
    assert values("config set --rig my_proj merge.g") == ["merge.gate", "merge.gate_timeout"]
    assert "--notify" in values("convoy create X --")
    convoy = rig_town.ok("convoy create 'Bar test'").id
    assert values("convoy show hq-cv") == [convoy]
    comp = gt_cli.complete("mail send 'my_proj/cr", env)
    assert [c.value for c in comp] == ["my_proj/crew/alice"] and comp[0].start == 10
    assert gt_cli.complete("rig remove ", env)[0].start == len("rig remove ")
    assert values("nosuch sub") == []
    alice = rig_town.at(town / "my_proj/crew/alice")
    open_id, closed_id = alice.new_bead("Open one"), alice.new_bead("Closed one")
    alice.ok(f"close {closed_id}", prog="bd")
    offered = values("convoy add-issue mp-")
    assert open_id in offered and closed_id not in offered
    assert all(v.startswith("mp-") for v in offered)
    assert values(f"convoy add-issue {open_id}") == [open_id]
    outside = Env(cwd=town.parent, environ=rig_town.environ)
    assert gt_cli.complete("rig remove ", outside) == []


def test_cli_start_stays_light():
    code = ("import sys, time\nt = time.perf_counter()\n"
            "from gastown_tui.commands.gt import root\nroot()\n"
            "heavy = [m for m in ('pygit2', 'textual', 'sqlite3', 'tomlkit') if m in sys.modules]\n"
            "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("prog", ["gt", "bd"])
def test_command_index_names_every_command_and_its_module(prog):
    import importlib
    from pathlib import Path

    cli = importlib.import_module(f"gastown_tui.commands.{prog}")
    folder = Path(cli.__file__).parent
    registered = {}
    for path in sorted(folder.glob(f"{prog}_*.py")):
        group = click.Group()
        importlib.import_module(f"gastown_tui.commands.{path.stem}").register(group)
        registered.update(dict.fromkeys(group.commands, path.stem))
    assert cli.COMMANDS == registered


def test_a_shell_command_imports_only_its_own_module(at_town, town):
    code = ("import sys\nfrom gastown_tui.commands import gt\n"
            "try:\n    gt.main(['convoy', 'list', '--json'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('gastown_tui.commands.gt_')),"
            " file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=town, env=at_town.environ,
                          capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout) == []
    assert proc.stderr.strip() == "['gastown_tui.commands.gt_convoy']"
    # Help and unknown names still see every command.
    help_text = subprocess.run([sys.executable, "-c", "from gastown_tui.commands.gt import main; "
                                "main(['--help'])"], capture_output=True, text=True).stdout
    assert all(name in help_text for name in gt_cli.COMMANDS)


def test_the_fast_entry_leaves_completion_to_the_registry():
    from gastown_tui.commands import fast
    from gastown_tui.commands.core import completion_var

    assert fast.COMPLETE_VAR == completion_var("gt")
