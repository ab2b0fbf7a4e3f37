"""The demo agent (`python -m gastown_tui.host.demo_agent`): acts like a coding agent in a pane.

It draws a small full-screen status UI with plain ANSI (a spinner and "esc to interrupt" while
busy, a `> ` prompt line at the bottom), runs `gt prime`, reads its hooked bead (`gt hook
--json`), makes a real change in its worktree (edits the file the bead names, else adds a line
to NOTES.md), commits it, and runs `gt done`. When its work comes back from the merge queue
with a conflict (the hook says so, or a nudge does), it rebases on the target, keeps both
sides of each conflict, and runs `gt done` again. Typed prompts are echoed into its log, so
nudges can be verified on its screen. Each step takes `GT_DEMO_STEP_SECONDS` (default 2) so people
can watch; after its work it stays at the prompt for `GT_DEMO_LINGER_SECONDS` (default: stay),
then exits.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import termios
import time
import tty
from pathlib import Path

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
KEY_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|.)?")
FILE_IN_TEXT = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.(?:py|md|txt|toml|rst|json|cfg|ini|"
                          r"yaml|yml|js|ts|go|rs|c|h|sh))(?![\w.])")


def gt_argv() -> list[str]:
    exe = shutil.which("gt")
    if exe:
        return [exe]
    return [sys.executable, "-c", "from gastown_tui.commands.gt import main; main()"]


class Agent:
    def __init__(self) -> None:
        self.name = os.environ.get("BD_ACTOR") or os.environ.get("GT_POLECAT") or "demo"
        self.step_s = float(os.environ.get("GT_DEMO_STEP_SECONDS", "2"))
        linger = os.environ.get("GT_DEMO_LINGER_SECONDS")
        self.linger = float(linger) if linger else None
        self.log: list[str] = []
        self.input = ""
        self.status = "starting"
        self.busy = False
        self.frame = 0
        self.cols, self.rows = shutil.get_terminal_size((80, 24))
        self.issue: dict | None = None
        self.hook_read = False  # whether `issue` says what the hook holds (None: empty)
        self.prompts = 0
        self.dirty = True
        self.rework = False   # a prompt said the work came back: look at the hook again

    # -------------------------------------------------------------- drawing

    def say(self, line: str) -> None:
        for part in line.splitlines() or [""]:
            self.log.append(part)
        del self.log[:-200]
        self.dirty = True

    def draw(self) -> None:
        w, h = self.cols, self.rows
        out = ["\x1b[H"]
        head = f" Gas Town demo agent · {self.name} "
        out.append("\x1b[7m" + head[:w].ljust(w) + "\x1b[0m\r\n")
        issue = (f" Hook: {self.issue['id']}  {self.issue['title']}" if self.issue
                 else " Hook: (empty)" if self.hook_read else " Hook: …")
        out.append(issue[:w] + "\x1b[K\r\n")
        out.append("─" * w + "\r\n")
        room = max(0, h - 6)
        shown = self.log[-room:] if room else []
        for text in shown:
            out.append(" " + text[: w - 1] + "\x1b[K\r\n")
        for _ in range(room - len(shown)):
            out.append("\x1b[K\r\n")
        # The status sits just above the prompt, where agent UIs show theirs and where state
        # detection looks.
        if self.busy:
            spin = SPINNER[self.frame % len(SPINNER)]
            line = f" {spin} {self.status}… (esc to interrupt)"
        else:
            line = f" ✓ {self.status}"
        out.append(line[:w] + "\x1b[K\r\n")
        out.append("─" * w + "\r\n")
        prompt = "> " + self.input
        out.append(prompt[-(w - 1):] + "\x1b[K")
        title = (SPINNER[self.frame % len(SPINNER)] if self.busy else "✳") + f" demo: {self.name}"
        out.append(f"\x1b]0;{title}\x07")
        sys.stdout.write("".join(out))
        sys.stdout.flush()
        self.dirty = False

    # -------------------------------------------------------------- input

    def on_input(self, data: str) -> None:
        # Keys such as arrows and paste brackets arrive as escape sequences: not prompt text.
        data = KEY_SEQUENCE.sub("", data)
        for ch in data:
            if ch in "\r\n":
                text = self.input
                self.input = ""
                if text.strip():
                    self.prompts += 1
                    self.say(f"you: {text}")
                    self.say(f"agent: received prompt #{self.prompts} ({len(text)} chars)")
                    if "came back" in text and not self.busy:
                        self.rework = True
            elif ch in "\x7f\b":
                self.input = self.input[:-1]
            elif ch == "\x15":
                self.input = ""
            elif ch >= " ":
                self.input += ch
        self.dirty = True

    def pump(self, seconds: float) -> None:
        """Keep the UI alive (spinner, typed input, resizes) for `seconds`."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([sys.stdin], [], [], min(0.1, left))
            if ready:
                data = os.read(sys.stdin.fileno(), 4096)
                if not data:
                    raise SystemExit(0)
                self.on_input(data.decode(errors="replace"))
            if self.busy:
                self.frame += 1
                self.dirty = True
            if self.dirty:
                self.draw()

    def run_step(self, status: str, argv: list[str] | None = None, fn=None,
                 shown: str = ""):
        self.busy, self.status = True, status
        self.say(f"$ {shown}" if shown else f"· {status}")
        started = time.monotonic()
        result = None
        if argv:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
            while proc.poll() is None:
                self.pump(0.05)
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            result = (proc.returncode, out)
        elif fn is not None:
            result = fn()
        self.pump(max(0.0, self.step_s - (time.monotonic() - started)))
        return result

    # -------------------------------------------------------------- the work

    def read_hook(self) -> None:
        """What the hook holds, from the ledger record the app's Hooks panel shows, before the
        first frame: the `Hook:` line never says empty while the panel names the bead. (The
        visible `gt prime` and `gt hook` steps follow, as a real agent's would.)"""
        try:
            from ..town import find_town
            from ..town.hooks import my_hook

            town = find_town(Path.cwd(), os.environ)
            hook = my_hook(town, os.environ, Path.cwd())
            if hook is not None and hook.issue:
                bead = town.rig(hook.rig).ledger().get(hook.issue)
                self.issue = {"id": bead.id, "title": bead.title,
                              "description": bead.description or ""}
            self.hook_read = hook is not None
        except Exception:  # noqa: BLE001 - no town or ledger here: `gt hook` will say
            self.hook_read = False

    def work(self) -> None:
        gt = gt_argv()
        code, out = self.run_step("priming", gt + ["prime"], shown="gt prime")
        for line in out.splitlines()[:12]:
            self.say("  " + line)
        code, out = self.run_step("reading my hook", gt + ["hook", "--json"],
                                  shown="gt hook --json")
        try:
            data = json.loads(out) if code == 0 else None
        except ValueError:
            data = None
        self.hook_read = True
        if not data or not data.get("issue"):
            self.issue = None
            self.say("  nothing on my hook; waiting for prompts")
            self.busy, self.status = False, "idle: nothing on my hook"
            return
        self.issue = {"id": data["issue"], "title": data.get("title") or "",
                      "description": data.get("description") or ""}
        self.say(f"  {self.issue['id']}: {self.issue['title']}")
        if data.get("rejection"):
            self.say(f"  it came back ({data.get('merge_state')}): {data['rejection']}")
            if data.get("merge_state") != "conflict" or not self.rebase(data["target"]):
                self.busy, self.status = False, "stuck: this needs a person"
                return
            message = f"demo agent: rebased on {data['target']}, kept both sides"
        else:
            changed = self.run_step("editing", fn=self.edit)
            self.say(f"  changed {changed}")
            self.run_step("committing", fn=lambda: self.commit(changed))
            message = f"demo agent: {self.issue['title']}"
        code, out = self.run_step("finishing", gt + ["done", "-m", message],
                                  shown=f"gt done -m {message!r}")
        for line in out.splitlines()[:6]:
            self.say("  " + line)
        if code != 0:
            self.busy, self.status = False, f"gt done failed (exit {code})"
            return
        self.busy, self.status = False, "done: waiting for prompts"

    def git(self, *args: str) -> tuple[int, str]:
        env = dict(os.environ, GIT_EDITOR="true", GIT_AUTHOR_NAME=self.name,
                   GIT_COMMITTER_NAME=self.name,
                   GIT_AUTHOR_EMAIL=f"{self.name.replace('/', '.')}@gastown.local",
                   GIT_COMMITTER_EMAIL=f"{self.name.replace('/', '.')}@gastown.local")
        proc = subprocess.run(["git", *args], capture_output=True, text=True, env=env,
                              stdin=subprocess.DEVNULL)
        return proc.returncode, proc.stdout + proc.stderr

    def rebase(self, target: str) -> bool:
        """`git rebase TARGET`, each conflict resolved by keeping both sides."""
        code, out = self.run_step("rebasing", fn=lambda: self.git("rebase", target),
                                  shown=f"git rebase {target}")
        for _ in range(50):
            if code == 0:
                self.say(f"  rebased on {target}")
                return True
            _c, names = self.git("diff", "--name-only", "--diff-filter=U")
            files = [n for n in names.splitlines() if n.strip()]
            if not files:
                self.say("  the rebase stopped without a conflict: " + out.strip()[:200])
                self.git("rebase", "--abort")
                return False
            self.say(f"  conflicts in {', '.join(files)}: keeping both sides")
            for name in files:
                path = Path(name)
                path.write_text(keep_both(path.read_text(encoding="utf-8")), encoding="utf-8")
            self.git("add", *files)
            code, out = self.run_step("resolving", fn=lambda: self.git("rebase", "--continue"),
                                      shown="git rebase --continue")
        return False

    def edit(self) -> str:
        root = Path.cwd()
        text = f"{self.issue['title']}\n{self.issue['description']}"
        target = None
        for match in FILE_IN_TEXT.finditer(text):
            candidate = (root / match.group(1)).resolve()
            if root.resolve() in candidate.parents:
                target = candidate
                break
        if target is None:
            target = root / "NOTES.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        line = f"{self.issue['id']}: {self.issue['title']} (by {self.name})"
        if target.suffix == ".py":
            line = "# " + line
        done = target.exists() and line in target.read_text(encoding="utf-8").splitlines()
        if done:
            # A resumed session (after a crash or a host restart) finds its edit made.
            self.say("  the change is there already (resumed)")
        else:
            with open(target, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        return str(target.relative_to(root.resolve()) if target.is_absolute() else target)

    def commit(self, path: str) -> str | None:
        import pygit2

        repo = pygit2.Repository(str(Path.cwd()))
        repo.index.add(path)
        repo.index.write()
        tree = repo.index.write_tree()
        if not repo.head_is_unborn and repo.head.peel(pygit2.Commit).tree_id == tree:
            self.say("  committed already (resumed)")
            return None
        sig = pygit2.Signature(self.name, f"{self.name.replace('/', '.')}@gastown.local")
        parents = [] if repo.head_is_unborn else [repo.head.target]
        oid = repo.create_commit("HEAD", sig, sig, f"{self.issue['id']}: {self.issue['title']}",
                                 tree, parents)
        self.say(f"  committed {str(oid)[:10]}")
        return str(oid)


def keep_both(text: str) -> str:
    """A file with conflict markers resolved by keeping each side's lines, theirs first (the
    target's), then ours."""
    out, side = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("<<<<<<< "):
            side = "first"
        elif line.startswith("||||||| ") and side is not None:
            side = "base"
        elif line.startswith("=======") and side is not None:
            side = "second"
        elif line.startswith(">>>>>>> ") and side is not None:
            side = None
        elif side != "base":
            out.append(line)
    return "".join(out)


def main() -> int:
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd) if os.isatty(fd) else None
    if saved is not None:
        # At once, not after flushing: what was typed before the agent started is its first
        # prompt, as a shell keeps what is typed ahead of it.
        tty.setcbreak(fd, termios.TCSANOW)
    agent = Agent()

    def on_winch(*_):
        agent.cols, agent.rows = shutil.get_terminal_size((80, 24))
        sys.stdout.write("\x1b[2J")
        agent.dirty = True

    signal.signal(signal.SIGWINCH, on_winch)
    sys.stdout.write("\x1b[2J\x1b[H")
    try:
        agent.read_hook()
        agent.draw()
        agent.work()
        agent.draw()
        end = None if agent.linger is None else time.monotonic() + agent.linger
        while end is None or time.monotonic() < end:
            agent.pump(0.5 if end is None else min(0.5, max(0.0, end - time.monotonic())))
            if agent.rework:
                agent.rework = False
                agent.work()
    except KeyboardInterrupt:
        return 130
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        sys.stdout.write("\r\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
