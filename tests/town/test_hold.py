"""Work for an agent preset at its usage limit waits in the dispatch queue though the town has
room, saying why, keeps its place while the hold lasts and starts once it is lifted; work for
other presets is not held up by it."""

from __future__ import annotations

from gastown_tui.commands.render import to_jsonable
from gastown_tui.town import find_town
from gastown_tui.town.dispatch import dispatch
from gastown_tui.town.sling import sling

WHY = "agent shell is at its usage limit (session limit, resets 15:00)"


def test_held_preset_work_waits_then_starts(rig_town, town):
    crew = rig_town.at(town / "my_proj/crew/alice")
    held, other = crew.new_bead("Held by the limit"), crew.new_bead("Another preset")
    t = find_town(town, {})
    [(queued, hook)] = sling(t, [held], "my_proj", agent="shell", hold={"shell": WHY})
    assert hook is None and queued.queued == 1 and queued.reason == WHY
    assert f"because {WHY}" in queued.render_text()
    [(started, hook)] = sling(t, [other], "my_proj", agent="demo", hold={"shell": WHY})
    assert hook is not None and started.queued is None   # the held one takes no room
    listed = rig_town.gt("queue list").render()
    assert f"{held} waits because {WHY}" in listed

    assert [s.issue for s, _h in dispatch(t, {}, {"shell": WHY}).started] == []
    done = dispatch(t, {}, {})
    assert [s.issue for s, _h in done.started] == [held]
    assert to_jsonable(rig_town.ok("queue list")) == []
