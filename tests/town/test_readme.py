"""The README's quick start, run as written (bash, a fresh HOME, a local repository standing in
for the GitHub URL and the demo agent for Claude Code, the app in a terminal and detached with
ctrl+b d), and every `gt`/`bd` command the README and the Gas Town README people know show,
parsed by our one registry."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import click
from gastown_town_test_fixtures import Terminal, clean_environ, end_host, make_repo

from gastown_tui.commands import bd as bd_cli
from gastown_tui.commands import gt as gt_cli
from gastown_tui.commands.core import UsageError

README = Path(__file__).resolve().parents[2] / "README.md"
SCRIPTS = str(Path(sys.executable).parent)


def quick_start() -> str:
    text = README.read_text()
    section = text[text.index("## Quick start with your own project"):]
    return section[section.index("```bash\n") + 8:section.index("```\n", 8)]


def test_the_quick_start_works_as_written(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    repo = tmp_path / "repo"
    make_repo(repo)
    script = quick_start()
    assert "https://github.com/you/repo.git" in script
    script = script.replace("https://github.com/you/repo.git", f"file://{repo}")
    # Claude Code is not installed here (sling refuses an agent not on PATH): the demo agent
    # stands in for it, as a local repository does for GitHub.
    assert "gt config default-agent claude " in script
    script = script.replace("gt config default-agent claude ", "gt config default-agent demo   ")
    # Marks between the steps: the app's line waits for its first frame, the end says done.
    script = script.replace("\ngt                ", "\necho QUICKSTART-APP; gt                ")
    script += "echo QUICKSTART-DONE\n"
    env = clean_environ(HOME=str(home), TERM="xterm-256color", COLORTERM="truecolor",
                        PATH=SCRIPTS + os.pathsep + os.environ["PATH"],
                        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
                        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    town = home / "gt"
    term = Terminal(["bash", "-e", "-c", script], env, home)
    try:
        assert term.read_until(b"QUICKSTART-APP", 120), term.text()
        # The app has drawn its panels: detach, as its status line says.
        assert term.read_until(b"Convoys", 60), term.text()
        time.sleep(1.0)
        term.type(b"\x02")
        time.sleep(0.3)
        term.type(b"d")
        assert term.read_until(b"QUICKSTART-DONE", 60), term.text()
        assert term.finish(30) == 0, term.text()
    finally:
        term.close()
        subprocess.run([f"{SCRIPTS}/gt", "down"], cwd=town, env=env, capture_output=True,
                       timeout=60)
        end_host(town)
    said = term.text()
    assert "Created town 'gt'" in said and "Added rig 'myproject'" in said
    assert re.search(r"Slung my-\w+ to myproject/polecats/\w+", said), said
    assert "detached: the town keeps running" in said
    assert "the merge queue is empty" in said or "MR " in said
    crew = town / "myproject/crew/yourname"
    listed = json.loads(subprocess.run([f"{SCRIPTS}/bd", "list", "--json"], cwd=crew, env=env,
                                       capture_output=True, text=True, check=True).stdout)
    assert sorted(i["title"] for i in listed) == ["Add a logout button", "Fix the login bug"]
    everything = json.loads(subprocess.run([f"{SCRIPTS}/bd", "list", "--all", "--json"],
                                           cwd=crew, env=env, capture_output=True, text=True,
                                           check=True).stdout)
    assert "agent" in {i["issue_type"] for i in everything}   # the polecat's own record


# The commands the Gas Town (Go) README shows, which people come here knowing.
KNOWN_FROM_GAS_TOWN = """
gt install ~/gt --git
gt rig add myproject https://github.com/you/repo.git
gt crew add yourname --rig myproject
gt mayor attach
gt mayor attach --agent codex
gt convoy create "Feature X" issue-123 issue-456 --notify --human
gt sling issue-123 myproject
gt convoy list
gt agents
gt convoy create "Auth System" issue-101 issue-102 --notify
bd formula list
bd cook release --var version=1.2.0
bd mol pour release --var version=1.2.0
gt convoy create "Bug Fixes" --human
gt convoy add-issue bug-101 bug-102
gt sling bug-101 myproject/my-agent
gt convoy show
gt rig list
gt sling issue-123 myproject --agent cursor
gt mayor start --agent auggie
gt prime
gt convoy show hq-cv-1
gt config agent set claude-glm "claude-glm --model glm-4"
gt config agent set codex-low "codex --thinking low"
gt config default-agent claude-glm
gt config show
gt config agent list
bd mol list
gt dashboard --port 8080
gt completion bash
gt completion zsh
gt completion fish
gt hooks list
gt hooks repair
gt convoy refresh hq-cv-1
gt mayor detach
""".strip().splitlines()

PLACEHOLDERS = {"NAME": "nux", "ID": "my-abc", "ID...": "my-abc", "MR": "my-mr-1",
                "RIG": "myproject", "B": "feature", "KEY": "theme", "VALUE": "x",
                "NOTE": "why", "SNAPSHOT": "1", "TOWN": ".", "$LOGIN": "my-abc",
                "$LOGOUT": "my-def", "...": "secret"}


def readme_commands() -> list[tuple[str, bool]]:
    """Every `gt`/`bd` command line the README shows, in code blocks (whole: True) and inline
    (where prose may name a command without its arguments: False), with its placeholders
    filled in: `[X]` is X, `a|b` is each of a and b."""
    found = []
    in_block = False
    held = ""  # a code line continued with a backslash
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        if in_block and line.endswith("\\"):
            held += line[:-1]
            continue
        line, held = held + line, ""
        if in_block:
            code = re.sub(r"^\$ ", "", line.split(" #")[0].strip())
            m = re.search(r"(?:^|\$\(|&& |\" )((?:gt|bd)\b[^)]*)", code)
            spans = [m.group(1)] if m else []
        else:
            spans = [s for s in re.findall(r"`([^`]+)`", line) if re.match(r"(gt|bd)( |$)", s)]
        for span in spans:
            span = re.split(r" [<>] ", span)[0].replace("[", "").replace("]", "")
            if "<" in span or re.fullmatch(r"(gt|bd) \.\.\.", span):
                continue  # a form (`gt <command>`, `bd ...`), not a command
            words = shlex.split(span)
            choices = [w.split("|") if "|" in w and not w.startswith("-") else [w] for w in words]
            for n in range(max(len(c) for c in choices)):
                found.append((" ".join(shlex.quote(PLACEHOLDERS.get(c[min(n, len(c) - 1)],
                                                                    c[min(n, len(c) - 1)]))
                                       for c in choices), in_block))
    return found


def parse(line: str, whole: bool = True) -> str | None:
    """Why our registry refuses `line` (None: it takes it as written). A line that is not
    `whole` only names a command: its options must exist, its arguments may be left out."""
    words = shlex.split(line)
    group: click.Command = (gt_cli if words[0] == "gt" else bd_cli).root()
    args = words[1:]
    path = [words[0]]
    while isinstance(group, click.Group) and args and not args[0].startswith("-"):
        sub = group.get_command(click.Context(group), args[0])
        if sub is None:
            return f"no command {' '.join(path + args[:1])}"
        path.append(args.pop(0))
        group = sub
    try:
        group.make_context(" ".join(path), args, resilient_parsing=not whole)
    except click.exceptions.Exit:
        pass  # --help, --version
    except click.ClickException as e:
        return e.format_message()
    except UsageError as e:   # an option refused by its own check (`--token`)
        return str(e)
    return None


def test_every_command_the_readmes_show_is_one_we_take():
    lines = readme_commands()
    assert ("gt mq reject my-mr-1 -m why", True) in lines and ("gt hooks resume nux", False) \
        in lines
    refused = {line: parse(line, whole)
               for line, whole in lines + [(known, True) for known in KNOWN_FROM_GAS_TOWN]}
    # There is no --token on purpose (README: command lines are public); it says so.
    refused.pop("gt dashboard --token secret")
    assert "GT_DASHBOARD_TOKEN" in parse("gt dashboard --token secret")
    assert {line: why for line, why in refused.items() if why} == {}
