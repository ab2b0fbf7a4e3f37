"""A snapshot app: the demo town with fixed content (names, beads, screens), no processes.

Everything here is deterministic, so snapshots and README screenshots only change when the app's
looks change. `make_app()` takes the same options as the app, e.g. `theme=`.
"""

from __future__ import annotations

from gastown_tui.town.diffs import Diff, FileDiff, Hunk
from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.model import AgentRow, ConvoyRow, HookRow, MailRow, MergeRow, TownView, \
    WorkRow
from gastown_tui.ui.reviewing import FixedReview, ReviewRow

ESC = "\x1b"


def agent_screen(name: str, bead: str, title: str, steps: list[str], busy: bool = True,
                 question: str = "") -> bytes:
    """What a coding agent's terminal looks like mid-task (plain ANSI, like the real ones)."""
    out = [f"{ESC}[1;36m✻ Welcome to the demo agent{ESC}[0m  {ESC}[2m{name}{ESC}[0m\r\n",
           f"{ESC}[2m  cwd: ~/gt/demo/polecats/{name.split('/')[-1]}{ESC}[0m\r\n\r\n",
           f"{ESC}[1m> gt prime{ESC}[0m\r\n",
           f"  Hook: {ESC}[33m{bead}{ESC}[0m {title}\r\n\r\n"]
    for step in steps:
        out.append(f"{ESC}[32m●{ESC}[0m {step}\r\n")
    out.append(f"  {ESC}[2m⎿  {ESC}[0m{ESC}[32m+12{ESC}[0m {ESC}[31m-3{ESC}[0m src/app.py\r\n\r\n")
    if question:
        out.append(f"{ESC}[1;33m? {question}{ESC}[0m\r\n  {ESC}[7m 1. Yes {ESC}[0m  2. No\r\n")
    elif busy:
        out.append(f"{ESC}[35m✶ Working…{ESC}[0m {ESC}[2m(esc to interrupt){ESC}[0m\r\n")
    out.append(f"\r\n{ESC}[2m────────────────────────────────────────{ESC}[0m\r\n❯ ")
    return "".join(out).encode()


VIEW = TownView(
    town="gt",
    agents=[
        AgentRow("demo/nux", "polecat", "demo", "busy", "dm-4f2", "Add login form"),
        AgentRow("demo/furiosa", "polecat", "demo", "waiting", "dm-9k1", "Session expiry",
                 unread=1),
        AgentRow("demo/slit", "polecat", "demo", "busy", "dm-2c7", "Password reset"),
        AgentRow("demo/toast", "polecat", "demo", "idle", "dm-7q3", "Docs: auth flow"),
    ],
    convoys=[ConvoyRow("hq-cv-a1", "Auth system", 2, 5, False),
             ConvoyRow("hq-cv-b2", "Bug bash", 1, 3, False),
             ConvoyRow("hq-cv-c3", "Onboarding docs", 4, 4, True)],
    hooks=[HookRow("demo/nux", "demo", "active", "dm-4f2", "polecat/nux/dm-4f2", 2, True),
           HookRow("demo/furiosa", "demo", "active", "dm-9k1", "polecat/furiosa/dm-9k1", 1),
           HookRow("demo/slit", "demo", "active", "dm-2c7", "polecat/slit/dm-2c7", 0, True,
                   merge="conflict"),
           HookRow("demo/toast", "demo", "suspended", "dm-7q3", "polecat/toast/dm-7q3", 3),
           HookRow("demo/rictus", "demo", "completed", "dm-3h8", "polecat/rictus/dm-3h8", 1,
                   merge="waiting review")],
    mail=[MailRow("hq-m1", "demo/polecats/furiosa", "Which session store?", True, True),
          MailRow("hq-m2", "mayor/", "Convoy Onboarding docs landed", False)],
    work=[WorkRow("dm-5x8", "Rate-limit login attempts", "demo", 1),
          WorkRow("dm-6y2", "Remember-me checkbox", "demo", 2),
          WorkRow("dm-8z4", "Audit log for sign-ins", "demo", 3),
          WorkRow("ap-1b9", "Dark mode toggle", "app", 2)],
    merges=[MergeRow("dm-mr-3h8", "demo", "waiting review", "dm-3h8", "demo/polecats/rictus"),
            MergeRow("dm-mr-6k4", "demo", "gating", "dm-6k4", "demo/polecats/dag"),
            MergeRow("dm-mr-1p5", "demo", "queued", "dm-1p5", "demo/polecats/ace",
                     "origin cannot be reached: Connection refused"),
            MergeRow("dm-mr-2c7", "demo", "conflict", "dm-2c7", "demo/polecats/slit",
                     "conflicts with main in src/app.py")],
)

LOGIN = ["\"\"\"The login form: checks a user's password and starts a session.\"\"\"", "",
         "from .session import start_session", "from .users import find_user", "", "",
         "def login(name: str, password: str) -> str:",
         "    \"\"\"Start a session for `name`, or raise ValueError.\"\"\"",
         "    user = find_user(name)", "    if user is None or not user.check(password):",
         "        raise ValueError(\"unknown user or wrong password\")",
         "    return start_session(user, max_age=3600)"]


def _diff(subject: str, files: list[FileDiff]) -> Diff:
    return Diff(subject, "9f3c2a1", "b41d7e0", files)


REVIEW = FixedReview(
    rows=[ReviewRow("dm-mr-3h8", "mr", "review", "waiting review", "demo",
                    "Merge dm-3h8: Login form", "dm-3h8", "demo/polecats/rictus",
                    "polecat/rictus/dm-3h8", "main", human=True),
          ReviewRow("dm-mr-6k4", "mr", "gating", "gating", "demo", "Merge dm-6k4: Sign-up page",
                    "dm-6k4", "demo/polecats/dag", "polecat/dag/dm-6k4", "main", human=True),
          ReviewRow("dm-mr-1p5", "mr", "held", "held", "demo", "Merge dm-1p5: Logout link",
                    "dm-1p5", "demo/polecats/ace", "polecat/ace/dm-1p5", "main",
                    "origin cannot be reached: Connection refused", human=True),
          ReviewRow("dm-mr-2c7", "mr", "conflict", "conflict", "demo",
                    "Merge dm-2c7: Password reset", "dm-2c7", "demo/polecats/slit",
                    "polecat/slit/dm-2c7", "main", "conflicts with main in src/app.py"),
          ReviewRow("dm-mr-8w1", "mr", "merged", "merged", "demo", "Merge dm-8w1: CSRF tokens",
                    "dm-8w1", "demo/polecats/max", "polecat/max/dm-8w1", "main"),
          ReviewRow("demo/polecats/nux", "hook", "hook", "active", "demo", "Add login form",
                    "dm-4f2", "demo/polecats/nux", "polecat/nux/dm-4f2")],
    diffs={"dm-mr-3h8": _diff("dm-mr-3h8 (waiting review): polecat/rictus/dm-3h8 -> main", [
        FileDiff("README.md", None, "modified", 2, 0, hunks=[Hunk("@@ -1,3 +1,5 @@", [
            (" ", "# sample"), (" ", ""), ("+", "Sign in with `login(name, password)`."),
            ("+", ""), (" ", "See docs/ for the rest.")])]),
        FileDiff("src/app.py", None, "modified", 3, 1, hunks=[Hunk("@@ -4,7 +4,9 @@ def main", [
            (" ", "def main(argv: list[str]) -> int:"), (" ", "    args = parse(argv)"),
            ("-", "    return run(args)"), ("+", "    if args.login:"),
            ("+", "        login(args.user, args.password)"), ("+", "    return run(args)"),
            (" ", ""), (" ", "")])]),
        FileDiff("src/login.py", None, "added", len(LOGIN), 0,
                 hunks=[Hunk(f"@@ -0,0 +1,{len(LOGIN)} @@", [("+", line) for line in LOGIN])]),
    ])},
)

PANES = {
    "demo/nux": agent_screen("demo/nux", "dm-4f2", "Add login form",
                             ["Read src/app.py", "Wrote src/login.py", "Ran pytest: 14 passed"]),
    "demo/furiosa": agent_screen("demo/furiosa", "dm-9k1", "Session expiry",
                                 ["Read src/session.py"], question="Use Redis for sessions?"),
    "demo/slit": agent_screen("demo/slit", "dm-2c7", "Password reset",
                              ["Read src/mail.py", "Wrote src/reset.py"]),
    "demo/toast": agent_screen("demo/toast", "dm-7q3", "Docs: auth flow",
                               ["Wrote docs/auth.md"], busy=False),
}


def make_app(**options) -> GastownApp:
    options.setdefault("environ", {"HOME": "/nonexistent-gastown-home"})
    options.setdefault("view", VIEW)
    return GastownApp(AppOptions(live=False, panes=dict(PANES), pane_size=(70, 18),
                                 review=REVIEW, **options))


app = make_app()

if __name__ == "__main__":
    app.run()
