"""Agents prime themselves at each session start: the SessionStart hook in a real worktree's
Claude Code and Gemini CLI settings, merged with a person's own, kept out of commits, and
`gt prime --hook` as Gemini CLI reads it."""

from __future__ import annotations

import json

import pygit2

from gastown_tui.commands.render import to_jsonable
from gastown_tui.town import find_town
from gastown_tui.town.session_hooks import CLAUDE_FILE, GEMINI_FILE, install


def test_claude_and_gemini_hooks_merged_and_kept_out_of_commits(rig_town, town):
    crew = rig_town.at(town / "my_proj/crew/alice")
    issue = crew.new_bead("Work that gets compacted")
    slung = to_jsonable(rig_town.ok(f"sling {issue} my_proj --agent shell"))[0]
    wt = town / "my_proj/polecats" / slung["polecat"]
    own = {"permissions": {"allow": ["Bash(make:*)"]},
           "hooks": {"SessionStart": [{"matcher": "startup",
                                       "hooks": [{"type": "command", "command": "echo hi"}]}],
                     "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]}}
    (wt / ".claude").mkdir()
    (wt / CLAUDE_FILE).write_text(json.dumps(own))

    for _ in range(2):  # a second start adds nothing
        assert install(wt, "claude") == wt / CLAUDE_FILE
    data = json.loads((wt / CLAUDE_FILE).read_text())
    assert data["permissions"] == own["permissions"] and data["hooks"]["Stop"] == \
        own["hooks"]["Stop"]
    assert data["hooks"]["SessionStart"] == own["hooks"]["SessionStart"] + [
        {"matcher": "startup|resume|compact",
         "hooks": [{"type": "command", "command": "gt prime"}]}]

    assert install(wt, "gemini") == wt / GEMINI_FILE
    gemini = json.loads((wt / GEMINI_FILE).read_text())
    [entry] = gemini["hooks"]["SessionStart"]
    assert entry["hooks"][0]["command"] == "gt prime --hook"
    assert install(wt, "codex") is None and install(wt, "demo") is None

    repo = pygit2.Repository(str(wt))
    status = repo.status()
    assert not any(p.startswith((".claude", ".gemini")) for p in status), status

    # A settings file the project tracks is left alone: the agent would commit the change.
    clone = town / "my_proj/crew/alice"
    (clone / ".claude").mkdir()
    (clone / CLAUDE_FILE).write_text("{}\n")
    crepo = pygit2.Repository(str(clone))
    crepo.index.add(CLAUDE_FILE)
    crepo.index.write()
    assert install(clone, "claude") is None
    assert (clone / CLAUDE_FILE).read_text() == "{}\n"
    # So is one that is no JSON object: the person's to fix.
    (wt / CLAUDE_FILE).write_text("[1, 2]")
    assert install(wt, "claude") is None and (wt / CLAUDE_FILE).read_text() == "[1, 2]"


def test_prime_as_a_hook_is_json_with_the_prime_text(rig_town, town):
    crew = rig_town.at(town / "my_proj/crew/alice")
    issue = crew.new_bead("Primed by a hook")
    slung = to_jsonable(rig_town.ok(f"sling {issue} my_proj --agent shell"))[0]
    wt = town / "my_proj/polecats" / slung["polecat"]
    agent = rig_town.at(wt, GT_ROLE="polecat", GT_RIG="my_proj", GT_POLECAT=slung["polecat"],
                        BD_ACTOR=f"my_proj/polecats/{slung['polecat']}",
                        GT_TOWN_ROOT=str(find_town(town, {}).root))
    out = json.loads(agent.gt("prime --hook").render())
    context = out["hookSpecificOutput"]
    assert context["hookEventName"] == "SessionStart"
    assert issue in context["additionalContext"] and "Primed by a hook" in \
        context["additionalContext"]
