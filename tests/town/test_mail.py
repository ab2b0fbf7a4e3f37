"""Mail between addresses: send, inbox, read, reply, threads, groups, identities."""

import pytest

from gastown_town_test_fixtures import tree_snapshot
from gastown_tui.commands import gt as gt_cli
from gastown_tui.town import find_town, send_mail


@pytest.fixture
def mail_town(rig_town, town):
    (town / "my_proj/polecats/toast").mkdir()
    return rig_town


def test_send_read_reply_thread(mail_town, town):
    alice = mail_town.at(town / "my_proj/crew/alice")
    sent = alice.ok(["mail", "send", "overseer", "-s", "Need a decision",
                     "-m", "A or B?"]).messages
    assert [(m.sender, m.to) for m in sent] == [("my_proj/crew/alice", "overseer")]
    first = sent[0].id
    box = mail_town.ok("mail inbox")  # the person's shell in the town: overseer
    assert [(m.id, m.read, m.subject) for m in box] == [(first, False, "Need a decision")]
    assert mail_town.ok("mail inbox --unread")[0].id == first
    letter = mail_town.ok(f"mail read {first}")
    assert letter.message.body == "A or B?" and "From:    my_proj/alice" in \
        mail_town.gt(f"mail read {first}").render()
    # The name a sender is shown by is one `gt mail send` takes.
    assert mail_town.ok("mail send my_proj/alice -s Thanks -m ok").messages[0].to == \
        "my_proj/crew/alice"
    assert mail_town.ok("mail inbox --unread") == []
    reply = mail_town.ok(f"mail reply {first} -m 'B, please'")
    assert (reply.to, reply.subject, reply.thread, reply.reply_to) == \
        ("my_proj/crew/alice", "Re: Need a decision", first, first)
    again = alice.ok(f"mail reply {reply.id} -m 'Done'")
    assert again.subject == "Re: Need a decision" and again.to == "overseer"
    assert [m.id for m in mail_town.ok(f"mail thread {again.id}")] == [first, reply.id, again.id]
    mail_town.ok(f"mail mark-unread {first}")
    assert [m.id for m in mail_town.ok("mail inbox --unread")] == [again.id, first]
    mail_town.ok(f"mail mark-read {first}")
    assert mail_town.ok(f"mail mark-read {first}").read


def test_archive_takes_mail_out_of_the_inbox_and_read_says_when_in_words(mail_town, town):
    alice = mail_town.at(town / "my_proj/crew/alice")
    first, second = (alice.ok(["mail", "send", "overseer", "-s", s, "-m", "x"]).messages[0].id
                     for s in ("Keep", "Put away"))
    assert "Date:    just now (" in mail_town.gt(f"mail read {first}").render()
    archived = mail_town.ok(f"mail archive {second}")
    assert archived.read and archived.id == second
    assert [m.id for m in mail_town.ok("mail inbox")] == [first]
    assert [m.id for m in mail_town.ok("mail inbox --archived")] == [second, first]
    assert mail_town.ok(f"mail archive {second}").id == second  # again: nothing changes


def test_reading_someone_elses_mail_leaves_it_unread(mail_town):
    sent = mail_town.ok("mail send mayor/ -s Hi -m hello").messages
    mail_town.ok(f"mail read {sent[0].id}")  # read by the overseer
    assert mail_town.ok("mail inbox mayor/ --unread")[0].id == sent[0].id


def test_urgent_stdin_and_agent_identity(mail_town, town):
    polecat = mail_town.at(town, GT_ROLE="polecat", GT_RIG="my_proj", GT_POLECAT="toast")
    proc = polecat.shell("gt", "mail", "send", "mayor", "-s", "Stuck", "--stdin", "--urgent",
                         "--json", input="line one\nline two\n")
    assert proc.returncode == 0, proc.stderr
    msg = mail_town.ok("mail inbox mayor/")[0]
    assert (msg.sender, msg.urgent, msg.body) == ("my_proj/polecats/toast", True,
                                                  "line one\nline two\n")
    assert mail_town.ok("mail inbox my_proj/polecats/toast") == []


def test_groups(mail_town):
    mail_town.ok("crew add bob --rig my_proj")
    sent = mail_town.ok("mail send @rig/my_proj -s Standup -m now").messages
    assert sorted(m.to for m in sent) == ["my_proj/crew/alice", "my_proj/crew/bob",
                                          "my_proj/polecats/toast"]
    assert len({m.thread for m in sent}) == 1
    everyone = mail_town.ok("mail send @town -s All -m hi").messages
    assert sorted(m.to for m in everyone)[0] == "mayor/" and len(everyone) == 4
    assert mail_town.ok("mail inbox my_proj/alice")[0].subject == "All"


@pytest.mark.parametrize("line,code,words", [
    ("mail send nobody -s x -m y", 1, "unknown address"),
    ("mail send my_proj/crew/ghost -s x -m y", 1, "no crew member 'ghost'"),
    ("mail send my_proj/polecats/ghost -s x -m y", 1, "no polecat 'ghost'"),
    ("mail send nope/crew/a -s x -m y", 1, "no rig named 'nope'"),
    ("mail send @rig/nope -s x -m y", 1, "no rig named 'nope'"),
    ("mail send mayor/ -m y", 2, "Missing option '-s'"),
    ("mail send mayor/ -s x", 2, "-m TEXT or --stdin"),
    ("mail send mayor/ -s '' -m y", 2, "one-line subject"),
    ("mail send mayor/ -s x --stdin", 2, "--stdin needs a shell"),  # in-process: no stdin
    ("mail inbox nobody", 1, "unknown address"),
    ("mail inbox @town", 1, "is a group"),
    ("mail read hq-nosuch", 1, "no bead"),
    ("mail read", 2, "Missing argument"),
    ("mail reply hq-nosuch -m x", 1, "no bead"),
    ("mail reply hq-nosuch", 2, "Missing option"),
    ("mail mark-read hq-nosuch", 1, "no bead"),
    ("mail mark-unread hq-nosuch", 1, "no bead"),
    ("mail thread hq-nosuch", 1, "no bead"),
    ("mail thread {convoy}", 2, "not a message"),
])
def test_mail_bad_input(mail_town, town, line, code, words):
    convoy = mail_town.ok("convoy create Dummy").id
    before = tree_snapshot(town)
    result = mail_town.gt(line.format(convoy=convoy))
    assert result.exit_code == code and words in result.error, result.error
    assert tree_snapshot(town) == before


def test_send_says_what_it_delivered(mail_town):
    result = mail_town.gt("mail send mayor -s Hello -m there")
    assert result.render().startswith("Sent hq-") and result.render().endswith(
        " to mayor/: Hello")
    assert mail_town.gt("mail send mayor -s Hello -m there --json").render().count('"to"') == 1


def test_send_mail_api_can_join_a_thread(mail_town, town):
    t = find_town(town, {})
    first = send_mail(t, "mayor/", "my_proj/crew/alice", "Plan", "step 1")[0]
    follow = send_mail(t, "mayor/", "my_proj/crew/alice", "Plan, more", "step 2",
                       reply_to=first.id)[0]
    assert (follow.thread, follow.reply_to) == (first.id, first.id)
    assert [m.id for m in mail_town.ok(f"mail thread {first.id}")] == [first.id, follow.id]


def test_in_process_callers_can_say_who_they_are(mail_town):
    env = mail_town.env()
    env.actor = "my_proj/polecats/toast"
    sent = gt_cli.run("mail send mayor/ -s 'From the app' -m x", env)
    assert sent.ok and sent.data.messages[0].sender == "my_proj/polecats/toast"


def test_a_persons_bd_actor_name_is_the_overseer(mail_town, town):
    """People set BD_ACTOR to their own name for bd; in the town they are the overseer, so
    their inbox opens and mail they send can be answered."""
    steve = mail_town.at(town, BD_ACTOR="steve")
    assert steve.ok("mail inbox") == []
    sent = steve.ok("mail send mayor/ -s Plan -m x").messages[0]
    assert sent.sender == "overseer"
    mayor = mail_town.at(town, BD_ACTOR="mayor")
    answer = mayor.ok(f"mail reply {sent.id} -m ok")
    assert [m.id for m in steve.ok("mail inbox")] == [answer.id]
    crew = mail_town.at(town / "my_proj/crew/alice", BD_ACTOR="alice")
    assert crew.ok("mail send mayor/ -s Hi -m x").messages[0].sender == "my_proj/crew/alice"


def test_reply_to_a_sender_no_inbox_has_is_refused(mail_town, town):
    t = find_town(town, {})
    stray = send_mail(t, "somebody", "mayor/", "Old", "from before")[0]
    before = tree_snapshot(town)
    result = mail_town.at(town, BD_ACTOR="mayor").gt(f"mail reply {stray.id} -m hi")
    assert result.exit_code == 1 and "no address in this town" in result.error
    assert tree_snapshot(town) == before
