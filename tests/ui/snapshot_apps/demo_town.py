"""A snapshot app: the demo town with fixed content (names, beads, screens), no processes.

Everything here is deterministic, so snapshots and README screenshots only change when the app's
looks change. `make_app()` takes the same options as the app, e.g. `theme=`.
"""

from __future__ import annotations

from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.model import AgentRow, ConvoyRow, HookRow, MailRow, TownView, WorkRow

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
           HookRow("demo/slit", "demo", "active", "dm-2c7", "polecat/slit/dm-2c7", 0, True),
           HookRow("demo/toast", "demo", "suspended", "dm-7q3", "polecat/toast/dm-7q3", 3)],
    mail=[MailRow("hq-m1", "demo/polecats/furiosa", "Which session store?", True, True),
          MailRow("hq-m2", "mayor/", "Convoy Onboarding docs landed", False)],
    work=[WorkRow("dm-5x8", "Rate-limit login attempts", "demo", 1),
          WorkRow("dm-6y2", "Remember-me checkbox", "demo", 2),
          WorkRow("dm-8z4", "Audit log for sign-ins", "demo", 3),
          WorkRow("ap-1b9", "Dark mode toggle", "app", 2)],
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
    return GastownApp(AppOptions(view=VIEW, live=False, panes=dict(PANES), pane_size=(70, 18),
                                 **options))


app = make_app()

if __name__ == "__main__":
    app.run()
