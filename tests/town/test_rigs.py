"""`gt rig add/list/remove`: real clones with pygit2, routes, and nothing left on failure."""

import json
import shutil
import socket
import subprocess
import threading
import time
import tomllib
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pygit2
import pytest

from gastown_town_test_fixtures import SIG, make_repo, tree_snapshot
from gastown_tui.commands.render import to_jsonable
from gastown_tui.commands import gt as gt_cli
from gastown_tui.town import find_town
from gastown_tui.town.routes import read_routes, route_for
from gastown_tui.town.rigs import derive_prefix


def test_rig_add_from_a_local_path(at_town, town, src_repo):
    data = at_town.ok(f"rig add my_proj {src_repo}")
    assert (data.prefix, data.branch, data.url) == ("mp", "main", str(src_repo))
    rig = find_town(town, {}).rig("my_proj")
    bare = pygit2.Repository(str(rig.repo_path))
    assert bare.is_bare and "refs/remotes/origin/dev" in list(bare.references)
    clone = pygit2.Repository(str(rig.clone_path))
    assert not clone.is_bare and clone.head.shorthand == "main"
    assert clone.remotes["origin"].url == str(src_repo)
    assert (rig.clone_path / "README.md").read_text() == "project, version 2\n"
    assert rig.ledger().prefix == "mp"
    assert rig.crew_dir.is_dir() and rig.polecats_dir.is_dir() and rig.config_path.is_file()
    assert read_routes(town)["mp-"] == "my_proj/mayor/rig"
    entry = tomllib.loads((town / "mayor/rigs.toml").read_text())["rigs"]["my_proj"]
    assert entry["url"] == str(src_repo) and entry["prefix"] == "mp"


def test_rig_add_file_url_branch_and_prefix(at_town, town, src_repo):
    result = at_town.gt(f"rig add other file://{src_repo} --branch dev --prefix ot")
    assert result.ok and "bead prefix ot-" in result.render()
    assert result.render().endswith("Next: gt crew add NAME --rig other")
    rig = find_town(town, {}).rig("other")
    assert rig.branch == "dev" and rig.prefix == "ot"
    clone = pygit2.Repository(str(rig.clone_path))
    assert clone.head.shorthand == "dev"
    assert (rig.clone_path / "README.md").read_text() == "project, version 1\n"


def test_bead_ids_route_to_their_rig_ledger(rig_town, town):
    crew = town / "my_proj/crew/alice"
    bead = rig_town.at(crew).new_bead("Routed bug", "-t", "bug")
    t = find_town(town, {})
    assert t.ledger_for(bead).get(bead).title == "Routed bug"
    assert t.ledger_for("hq-abc").prefix == "hq"
    assert t.rig_for_prefix(bead).name == "my_proj"


def test_missing_or_garbled_routes_lose_no_cross_rig_id(rig_town, town):
    """Routes follow from the rig registry: without routes.jsonl, or with garbage in it, rig
    ids still route; `gt hooks repair` writes the file back and keeps what it could not read."""
    bead = rig_town.at(town / "my_proj/crew/alice").new_bead("Routed anyway")
    convoy = rig_town.ok(f"convoy create Work {bead}").id
    routes = town / ".beads/routes.jsonl"
    for damage in ("", "garbage{\n{\"prefix\": 5}\n{\"prefix\":\"mp-\",\"path\":\"nowhere\"}\n"):
        if damage:
            routes.write_text(damage + '{"prefix":"ext-","path":"../elsewhere"}\n')
        else:
            routes.unlink()
        shown = rig_town.ok(f"convoy show {convoy}")
        assert [t.id for t in shown.tracked] == [bead] and shown.tracked[0].status == "open"
        assert to_jsonable(rig_town.ok(f"show {bead}", prog="bd"))["title"] == "Routed anyway"
        said = rig_town.ok("hooks repair").render_text()
        assert "fixed   routes: " in said, said
        assert read_routes(town) == {"hq-": ".", "mp-": "my_proj/mayor/rig",
                                     **({"ext-": "../elsewhere"} if damage else {})}
        assert [json.loads(x) for x in routes.read_text().splitlines()] == [
            {"prefix": p, "path": v} for p, v in sorted(read_routes(town).items())]
        assert "routes" not in rig_town.ok("hooks repair").render_text()
    rejected = (town / ".beads/routes.jsonl.rejected").read_text()
    assert "routes.jsonl:1: not a route\ngarbage{" in rejected
    assert 'routes.jsonl:2: not a route\n{"prefix": 5}' in rejected


def test_bd_follows_the_routes_from_anywhere_in_the_town(rig_town, town):
    """The Mayor's ledger is the town's: it files work in a rig with `bd create --rig` and
    shows, changes and closes rig beads by id; a crew member reaches a convoy the same way."""
    mayor = rig_town.at(town / "mayor", BEADS_DIR=str(town / ".beads"), BD_ACTOR="mayor/")
    made = to_jsonable(mayor.ok("create 'Login page' --rig my_proj", prog="bd"))
    assert made["id"].startswith("mp-") and made["created_by"] == "mayor/"
    bead = made["id"]
    child = to_jsonable(mayor.ok(f"create 'Form' --parent {bead}", prog="bd"))
    assert child["id"] == f"{bead}.1"
    assert to_jsonable(mayor.ok(f"show {bead}", prog="bd"))["title"] == "Login page"
    mayor.ok(f"update {bead} --add-label ui", prog="bd")
    mayor.ok(f"comments add {bead} 'see the mockup'", prog="bd")
    crew = rig_town.at(town / "my_proj/crew/alice")
    shown = to_jsonable(crew.ok(f"show {bead}", prog="bd"))
    assert shown["labels"] == ["ui"] and shown["comments"][0]["text"] == "see the mockup"
    convoy = rig_town.ok(f"convoy create Login {bead} {bead}.1").id
    assert to_jsonable(crew.ok(f"show {convoy}", prog="bd"))["issue_type"] == "convoy"
    closing = mayor.shell("bd", "close", bead, f"{bead}.1")
    assert closing.returncode == 0 and f"convoy {convoy} landed" in closing.stderr
    assert rig_town.ok(f"convoy show {convoy}").status == "landed"
    assert find_town(town, {}).ledger().exists(bead) is False

    before = tree_snapshot(town)
    mixed = mayor.bd(f"close {bead} {convoy}")
    assert mixed.exit_code == 2 and "different ledgers" in mixed.error
    unknown = mayor.bd("create x --rig nope")
    assert unknown.exit_code == 2 and "no rig named 'nope'" in unknown.error
    outside = rig_town.at(town.parent).bd("create x --rig my_proj")
    assert outside.exit_code == 2 and "needs a town" in outside.error
    assert tree_snapshot(town) == before


def test_bd_anywhere_in_the_rig_folder_uses_the_rig_ledger(rig_town, town):
    """`cd <town>/<rig> && bd create x` (or in crew/ or polecats/, outside any clone) files
    the bead in the rig's ledger, not the town's: the rig folder's `.beads/redirect` says
    where that ledger is."""
    t = find_town(town, {})
    rig = t.rig("my_proj")
    assert (town / "my_proj/.beads/redirect").read_text() == "../mayor/rig/.beads\n"
    for where in ("my_proj", "my_proj/crew", "my_proj/polecats"):
        bead = rig_town.at(town / where).new_bead(f"made in {where}")
        assert bead.startswith("mp-"), where
        assert rig.ledger().get(bead).title == f"made in {where}"
    assert [i for i in t.ledger().list() if i.title.startswith("made in")] == []


def test_rig_redirect_is_not_town_state_in_git(runner, tmp_path, src_repo):
    """A --git town ignores the redirect (gt writes it), as it does the rig's clones."""
    runner.ok(f"install {tmp_path / 'gtown'} --git")
    runner.at(tmp_path / "gtown").ok(f"rig add my_proj {src_repo}")
    status = pygit2.Repository(str(tmp_path / "gtown")).status()
    assert "my_proj/config.toml" in status
    assert not [p for p in status if p.startswith("my_proj/.beads")]


def test_rig_list_counts(rig_town, town):
    crew = town / "my_proj/crew/alice"
    for title in ("a", "b", "c"):
        rig_town.at(crew).new_bead(title)
    (town / "my_proj/polecats/toast").mkdir()
    rows = rig_town.ok("rig list")
    assert [(r.name, r.crew, r.polecats, r.open_beads) for r in rows] == [("my_proj", 1, 1, 3)]
    text = rig_town.gt("rig list").render()
    assert text.splitlines()[0].split() == ["NAME", "URL", "BRANCH", "PREFIX", "CREW",
                                            "POLECATS", "OPEN_BEADS"]


@pytest.mark.parametrize("name", ["my-proj", "my.proj", "a/b", "a\\b", "has space", "1st",
                                  "mayor", ""])
def test_rig_add_refuses_bad_names(at_town, town, src_repo, name):
    before = tree_snapshot(town)
    result = at_town.gt(["rig", "add", name, str(src_repo)])
    assert result.exit_code == 2 and "rig name" in result.error, result.error
    assert "mayor" in result.error or f"'{name}'" in result.error  # as typed, not repr'd
    assert tree_snapshot(town) == before


@pytest.mark.parametrize("source", ["/no/such/repo", "not-a-url-or-path",
                                    "https://127.0.0.1:9/x.git", "ssh://git@127.0.0.1:9/x.git"])
def test_rig_add_bad_source_leaves_nothing(at_town, town, source):
    before = tree_snapshot(town)
    result = at_town.gt(["rig", "add", "proj", source])
    assert result.exit_code == 1, result.error
    assert "\n" not in result.error and "Traceback" not in result.error
    assert tree_snapshot(town) == before and not (town / "proj").exists()


def test_rig_add_refuses_a_directory_that_is_not_a_repository(at_town, town, tmp_path):
    plain = tmp_path / "plain"
    (plain / "sub").mkdir(parents=True)
    before = tree_snapshot(town)
    result = at_town.gt(f"rig add proj {plain}")
    assert result.exit_code == 1 and "not a git repository" in result.error
    make_repo(tmp_path / "outer")
    (tmp_path / "outer/inner").mkdir()
    result = at_town.gt(f"rig add proj {tmp_path / 'outer/inner'}")
    assert result.exit_code == 1 and "top directory" in result.error
    assert tree_snapshot(town) == before


def test_rig_add_missing_branch_leaves_nothing(at_town, town, src_repo):
    before = tree_snapshot(town)
    result = at_town.gt(f"rig add proj {src_repo} --branch nope")
    assert result.exit_code == 1 and "nope" in result.error
    assert tree_snapshot(town) == before


def test_rig_add_refuses_duplicates_and_taken_prefixes(rig_town, town, src_repo):
    assert rig_town.gt(f"rig add my_proj {src_repo}").exit_code == 1
    assert "already used" in rig_town.gt(f"rig add other {src_repo} --prefix mp").error
    assert rig_town.gt(f"rig add other {src_repo} --prefix Bad-").exit_code == 2
    assert rig_town.gt(f"rig add other {src_repo} --prefix hq").exit_code == 1


def test_derive_prefix():
    assert derive_prefix("my_project", set()) == "mp"
    assert derive_prefix("myProject", set()) == "mp"
    assert derive_prefix("gastown", set()) == "ga"
    assert derive_prefix("gastown", {"ga"}) == "gas"
    assert derive_prefix("ab", {"ab"}) == "ab2"


def _serve(base):
    """A real `git daemon` on a free port, so the clone goes over the network."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["git", "daemon", "--export-all", "--reuseaddr", f"--port={port}",
                             "--listen=127.0.0.1", f"--base-path={base}", str(base)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("git daemon did not start")


def test_rig_add_over_the_network_reports_progress(at_town, town, src_repo):
    proc, port = _serve(src_repo.parent)
    try:
        lines = []
        env = at_town.env()
        env.progress = lines.append
        result = gt_cli.run(f"rig add net git://127.0.0.1:{port}/src", env)
        assert result.ok, result.error
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert any("receiving objects: 100%" in line for line in lines), lines
    assert find_town(town, {}).rig("net").url == f"git://127.0.0.1:{port}/src"


def test_rig_remove(rig_town, town):
    result = rig_town.gt("rig remove my_proj")
    assert result.ok, result.error
    assert not (town / "my_proj").exists()
    assert "mp-" not in read_routes(town)
    assert rig_town.ok("rig list") == []
    assert rig_town.gt("rig remove my_proj").exit_code == 2


def test_rig_remove_refuses_unpushed_work(rig_town, town):
    crew = town / "my_proj/crew/alice"
    repo = pygit2.Repository(str(crew))
    (crew / "work.txt").write_text("unsaved\n")
    before = tree_snapshot(town / "my_proj")
    result = rig_town.gt("rig remove my_proj")
    assert result.exit_code == 1 and "uncommitted" in result.error and "--force" in result.error
    repo.index.add_all()
    repo.index.write()
    repo.create_commit("HEAD", SIG, SIG, "local work", repo.index.write_tree(), [repo.head.target])
    result = rig_town.gt("rig remove my_proj")
    assert result.exit_code == 1 and "unpushed" in result.error
    assert (town / "my_proj/crew/alice/work.txt").exists()
    assert set(tree_snapshot(town / "my_proj")) >= set(before) - {"crew/alice/.git/index"}
    forced = rig_town.gt("rig remove my_proj --force")
    assert forced.ok and not (town / "my_proj").exists()
    # Forced is not destroyed: the folder, with the unpushed commit, is set aside.
    aside = Path(forced.data.note.split(" is kept at ")[1].split(" (")[0])
    assert aside.parent == town / ".runtime/archive" and aside.name.startswith("rig-my_proj-")
    assert (aside / "crew/alice/work.txt").read_text() == "unsaved\n"
    assert rig_town.ok("rig list") == []


def test_rig_remove_keeps_the_rigs_beads_and_ignored_files(rig_town, town, src_repo):
    bead = rig_town.at(town / "my_proj/crew/alice").new_bead("only here")
    result = rig_town.gt("rig remove my_proj")
    assert result.exit_code == 1 and "1 bead in the rig's ledger that no commit holds" in \
        result.error and (town / "my_proj").exists()
    forced = rig_town.gt("rig remove my_proj --force --json")
    assert forced.ok
    aside = Path(forced.data.note.split(" is kept at ")[1].split(" (")[0])
    assert bead in (aside / "mayor/rig/.beads/issues.jsonl").read_text()

    rig_town.ok(f"rig add again {src_repo}")
    rig_town.ok("crew add bob --rig again")
    crew = town / "again/crew/bob"
    with open(crew / ".git/info/exclude", "a") as exclude:
        exclude.write(".env\n")
    (crew / ".env").write_text("SECRET=1\n")
    plain = rig_town.gt("rig remove again")
    assert plain.ok and not (town / "again").exists()
    assert "1 git-ignored file of its clones moved to" in plain.render()
    kept = Path(plain.data.note.split(" moved to ")[1])
    assert (kept / "crew/bob/.env").read_text() == "SECRET=1\n"


def test_rig_remove_refuses_unpushed_polecat_worktree(rig_town, town):
    bare = pygit2.Repository(str(town / "my_proj/.repo.git"))
    branch = bare.branches.local.create("polecat/toast/x", bare[bare.head.target])
    (town / "my_proj/polecats/toast").mkdir()
    wt_path = town / "my_proj/polecats/toast/my_proj"
    bare.add_worktree("toast", str(wt_path), branch)
    wt = pygit2.Repository(str(wt_path))
    (wt_path / "hook.txt").write_text("work\n")
    wt.index.add_all()
    wt.index.write()
    wt.create_commit("HEAD", SIG, SIG, "hooked work", wt.index.write_tree(), [wt.head.target])
    result = rig_town.gt("rig remove my_proj")
    assert result.exit_code == 1 and "unpushed" in result.error and "polecats/toast" in result.error


def test_concurrent_rig_adds_all_register(at_town, town, src_repo):
    procs = [at_town.shell_async("gt", "rig", "add", f"par{n}", str(src_repo)) for n in range(4)]
    codes = [p.wait(timeout=120) for p in procs]
    assert codes == [0, 0, 0, 0]
    rigs = find_town(town, {}).rigs()
    assert sorted(r.name for r in rigs) == ["par0", "par1", "par2", "par3"]
    assert len({r.prefix for r in rigs}) == 4
    assert {p for p in read_routes(town)} == {"hq-"} | {f"{r.prefix}-" for r in rigs}


def test_rig_list_survives_a_missing_rig_ledger(rig_town, town, src_repo):
    rig_town.ok(f"rig add other {src_repo}")
    shutil.rmtree(town / "other/mayor/rig/.beads")
    rows = {r.name: r.open_beads for r in rig_town.ok("rig list")}
    assert rows == {"my_proj": 0, "other": None}


def test_killed_rig_add_leaves_no_half_rig(at_town, town, src_repo):
    """kill -9 in the middle of a clone (a server that accepts and then never answers)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    before = tree_snapshot(town)
    proc = at_town.shell_async("gt", "rig", "add", "stuck", f"git://127.0.0.1:{port}/repo")
    try:
        conn, _ = server.accept()  # the clone is under way: its staging dir exists
        deadline = time.monotonic() + 10
        while not (town / ".runtime/rig-staging/stuck").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.kill()
        proc.wait(timeout=10)
        conn.close()
    finally:
        server.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    after = {k: v for k, v in tree_snapshot(town).items() if not k.startswith(".runtime/")}
    assert after == {k: v for k, v in before.items() if not k.startswith(".runtime/")}
    assert not (town / "stuck").exists()
    at_town.ok(f"rig add stuck {src_repo}")  # the leftover does not get in the way
    assert not (town / ".runtime/rig-staging").exists()


def test_route_for_takes_the_longest_prefix():
    routes = {"hq-": ".", "hq-cv-": "convoys", "mp-": "my_proj/mayor/rig"}
    assert route_for(routes, "hq-cv-abc") == "convoys"
    assert route_for(routes, "hq-abc") == "."
    assert route_for(routes, "mp-abc.1") == "my_proj/mayor/rig"
    assert route_for(routes, "zz-abc") is None and route_for(routes, "nodash") is None


def _http_git_server(base):
    """Real smart-HTTP git: each request goes to `git http-backend` (a CGI program)."""
    def app(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        cgi_env = {"GIT_PROJECT_ROOT": str(base), "GIT_HTTP_EXPORT_ALL": "1",
                   "PATH": "/usr/bin:/bin", "REQUEST_METHOD": environ["REQUEST_METHOD"],
                   "PATH_INFO": environ["PATH_INFO"],
                   "QUERY_STRING": environ.get("QUERY_STRING", ""),
                   "CONTENT_TYPE": environ.get("CONTENT_TYPE", ""),
                   "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "127.0.0.1"}
        out = subprocess.run(["git", "http-backend"], input=body, env=cgi_env,
                             capture_output=True, timeout=30).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        headers = [tuple(h.split(": ", 1)) for h in head.decode().split("\r\n") if ": " in h]
        status = next((v for k, v in headers if k.lower() == "status"), "200 OK")
        start_response(status, [(k, v) for k, v in headers if k.lower() != "status"])
        return [payload]

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def test_rig_add_over_smart_http(at_town, town, src_repo):
    server, thread = _http_git_server(src_repo.parent)
    url = f"http://127.0.0.1:{server.server_port}/src"
    try:
        lines = []
        env = at_town.env()
        env.progress = lines.append
        result = gt_cli.run(f"rig add web {url}", env)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert result.ok, result.error
    rig = find_town(town, {}).rig("web")
    assert rig.url == url and rig.branch == "main"
    assert (rig.clone_path / "README.md").read_text() == "project, version 2\n"
    assert any("receiving objects: 100%" in line for line in lines), lines


def test_repair_gives_an_older_rig_its_redirect(runner, tmp_path, src_repo):
    """A rig added before gt wrote the redirect, in a --git town whose .gitignore predates
    it: `gt hooks repair` writes both and says so; a second repair has nothing to do."""
    root = tmp_path / "old"
    runner.ok(f"install {root} --git")
    at = runner.at(root)
    at.ok(f"rig add my_proj {src_repo}")
    (root / "my_proj/.beads/redirect").unlink()
    (root / "my_proj/.beads").rmdir()
    ignore = root / ".gitignore"
    ignore.write_text(ignore.read_text().replace("*/.beads/redirect\n", ""))
    assert at.at(root / "my_proj").new_bead("before").startswith("hq-")
    report = at.ok("hooks repair")
    assert [f.what for f in report.fixes] == ["ledger redirect"]
    assert at.at(root / "my_proj").new_bead("after").startswith("mp-")
    assert "*/.beads/redirect" in ignore.read_text().splitlines()
    assert not [p for p in pygit2.Repository(str(root)).status() if ".beads/redirect" in p]
    assert at.ok("hooks repair").fixes == []
