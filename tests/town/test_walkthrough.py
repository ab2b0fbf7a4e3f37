"""The README walk-through as real `gt` and `bd` processes on a real local repository."""

from gastown_town_test_fixtures import Runner


def test_walkthrough(tmp_path, runner, src_repo):
    home = tmp_path / "gt"
    runner.shell("gt", "install", str(home), "--git", check=True)
    town = runner.at(home)
    town.shell("gt", "rig", "add", "myproject", str(src_repo), check=True)
    rigs = town.shell_json("gt", "rig", "list")
    assert [(r["name"], r["prefix"], r["crew"], r["open_beads"]) for r in rigs] == \
        [("myproject", "my", 0, 0)]
    town.shell("gt", "crew", "add", "yourname", "--rig", "myproject", check=True)
    crew = Runner(home / "myproject/crew/yourname", town.environ)
    ids = [crew.shell_json("bd", "create", title)["id"]
           for title in ("Login page", "Session store", "Logout button")]
    assert all(i.startswith("my-") for i in ids)
    assert town.shell_json("gt", "rig", "list")[0]["open_beads"] == 3

    convoy = town.shell_json("gt", "convoy", "create", "Feature X", ids[0], ids[1],
                             "--notify", "--human")
    assert convoy["progress"] == "0/2" and convoy["notify"] == ["mayor/", "overseer"]
    listed = town.shell("gt", "convoy", "list", check=True).stdout
    assert convoy["id"] in listed and "0/2" in listed and "Feature X" in listed
    shown = town.shell("gt", "convoy", "show", check=True).stdout
    assert all(i in shown for i in ids[:2])
    added = town.shell_json("gt", "convoy", "add-issue", ids[2])
    assert added["id"] == convoy["id"] and added["progress"] == "0/3"

    crew.shell("bd", "close", ids[0], check=True)
    assert town.shell_json("gt", "convoy", "show", convoy["id"])["progress"] == "1/3"
    closing = crew.shell("bd", "close", ids[1], ids[2], check=True)
    assert f"convoy {convoy['id']} landed" in closing.stderr
    landed = town.shell_json("gt", "convoy", "list", "--all")
    assert [(c["id"], c["status"], c["progress"]) for c in landed] == \
        [(convoy["id"], "landed", "3/3")]
    assert town.shell_json("gt", "convoy", "list") == []
    mail = town.shell_json("gt", "mail", "inbox")  # the person's shell: overseer
    assert [(m["subject"], m["read"]) for m in mail] == [("Convoy landed: Feature X", False)]
    body = town.shell("gt", "mail", "read", mail[0]["id"], check=True).stdout
    assert all(i in body for i in ids)
    assert town.shell_json("gt", "mail", "inbox", "--unread") == []
    assert len(town.shell_json("gt", "mail", "inbox", "mayor/")) == 1

    # The README's configuration steps.
    town.shell("gt", "config", "agent", "set", "claude-glm", "claude-glm --model glm-4",
               check=True)
    town.shell("gt", "config", "default-agent", "claude-glm", check=True)
    assert town.shell_json("gt", "config", "show")["default_agent"] == "claude-glm"
    agents = town.shell("gt", "config", "agent", "list", check=True).stdout
    assert "claude-glm --model glm-4" in agents
    assert "_gt_completion" in town.shell("gt", "completion", "bash", check=True).stdout
