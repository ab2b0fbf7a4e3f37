"""One name per sender: the name its pane and the Agents panel give it (`demo/nux` for
`demo/polecats/nux`; `mayor/` for the Mayor), the same in the Mail panel, the toasts, what needs
you, the reply box, `gt mail inbox`, `gt mail read` and `gt status`."""

from __future__ import annotations

from ui_helpers import rendered, until

from gastown_tui.commands.core import Env
from gastown_tui.commands.gt import run
from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.widgets.panels import MailPanel


async def test_a_sender_has_one_name_everywhere(town_root, environ):
    from gastown_tui.town import find_town
    from gastown_tui.town.mail import send_mail

    town = find_town(town_root, {})
    # "mayor" is how BD_ACTOR=mayor signs; the Mayor's address is `mayor/`.
    plan = send_mail(town, "mayor", "overseer", "The plan", "Three steps.")[0]
    send_mail(town, "demo/polecats/nux", "overseer", "Which database?", "Postgres?")
    env = Env(cwd=town_root, environ=environ)
    inbox = run("mail inbox", env).render().splitlines()
    assert inbox[0].split() == ["ID", "DATE", "FROM", "SUBJECT"]
    senders = [line[inbox[0].index("FROM"):inbox[0].index("SUBJECT")].strip()
               for line in inbox[1:]]
    assert senders == ["demo/nux", "mayor/"]
    status = run("status", env).render()
    assert "mail from mayor/: The plan" in status
    assert "mail from demo/nux: Which database?" in status

    app = GastownApp(AppOptions(town_root=town_root, environ=environ, poll_seconds=0.3,
                                embedded=True))
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: len(app.view.mail) == 2, what="the mail read")
        panel = app.main.query_one(MailPanel)
        rows = [panel.get_option_at_index(i).prompt.plain for i in range(panel.option_count)]
        # unread mark, how long ago, the sender, the subject
        assert [r.split()[:4] for r in rows] == [["●", "now", "demo/nux", "Which"],
                                                 ["●", "now", "mayor/", "The"]]
        needs = [item.text for item in app.view.needs_me() if item.kind == "mail"]
        assert needs == ["mail from demo/nux: Which database?",
                         "mail from mayor/: The plan"]
        panel.focus()
        panel.highlighted = 0
        await pilot.press("r")
        await until(pilot, lambda: "Reply to demo/nux: Which database?" in rendered(app),
                    what="the reply box")
        await pilot.press("escape")
        send_mail(town, "mayor", "overseer", "Landed", "All merged.")
        await until(pilot, lambda: any(n.title == "mail from mayor/" and n.message == "Landed"
                                       for n in app._notifications), what="the mail toast")
        await app.stop_town()
    assert "From:    mayor/" in run(f"mail read {plan.id}", env).render()
