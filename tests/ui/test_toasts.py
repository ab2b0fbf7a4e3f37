"""Toasts: an agent starts waiting, a convoy lands, mail arrives; once each, never at start."""

from __future__ import annotations

from ui_helpers import until

from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.model import AgentRow, ConvoyRow, MailRow, TownView


def view(state: str, done: int, mail: list[MailRow]) -> TownView:
    return TownView(town="t", agents=[AgentRow("r/nux", "polecat", "r", state, "r-1")],
                    convoys=[ConvoyRow("hq-cv-1", "Auth", done, 2, done == 2)], mail=mail)


async def test_changes_between_two_reads_make_one_toast_each(environ):
    app = GastownApp(AppOptions(environ=environ, live=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app._notifications.clear()
        quiet = view("busy", 1, [])
        app._announce(TownView(), quiet)  # the first read of a town says nothing
        await pilot.pause()
        assert not app._notifications
        mail = [MailRow("hq-m1", "r/polecats/nux", "Which database?", True)]
        app._announce(quiet, view("waiting", 2, mail))
        await pilot.pause()
        toasts = {n.title: n.message for n in app._notifications}
        assert toasts == {"needs you": "r/nux is waiting", "landed": "convoy landed: Auth",
                          "mail from r/nux": "Which database?"}
        app._notifications.clear()
        app._announce(view("waiting", 2, mail), view("waiting", 2, mail))
        await pilot.pause()
        assert not app._notifications  # nothing new, nothing said


async def test_mail_to_the_overseer_shows_a_toast_while_the_app_is_open(town_root, environ):
    from gastown_tui.town import find_town
    from gastown_tui.town.mail import send_mail

    app = GastownApp(AppOptions(town_root=town_root, environ=environ, poll_seconds=0.3,
                                embedded=True))
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.view.town, what="the town read")
        send_mail(find_town(town_root, {}), "demo/polecats/nux", "overseer", "Which database?",
                  "Postgres or SQLite?")
        await until(pilot, lambda: any(n.title == "mail from demo/nux"
                                       and n.message == "Which database?"
                                       for n in app._notifications), what="the mail toast")
        await app.stop_town()
