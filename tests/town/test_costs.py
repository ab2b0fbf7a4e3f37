"""`gt costs` on a real town whose hooks did real work, with the agents' own records written as
Claude Code, Codex and Gemini CLI write them: a Claude project folder with two sessions and a
subagent file that repeats a response, a Codex rollout, a Gemini session."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest

from gastown_town_test_fixtures import Runner, clean_environ, make_repo
from gastown_tui.commands.render import to_jsonable
from gastown_tui.town import find_town
from gastown_tui.town.transcripts import claude_folder, gemini_project_hash

SONNET = "claude-sonnet-4-5-20250929"


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def claude_entry(cwd, session, ts, msg_id, req_id, usage, model=SONNET, sidechain=False):
    return {"parentUuid": None, "isSidechain": sidechain, "userType": "external", "cwd": str(cwd),
            "sessionId": session, "version": "2.1.197", "gitBranch": "polecat/x",
            "message": {"model": model, "id": msg_id, "type": "message", "role": "assistant",
                        "content": [{"type": "text", "text": "Done."}],
                        "stop_reason": "end_turn", "stop_sequence": None,
                        "usage": {**usage, "cache_creation": {
                            "ephemeral_5m_input_tokens": usage["cache_creation_input_tokens"],
                            "ephemeral_1h_input_tokens": 0}, "service_tier": "standard"}},
            "requestId": req_id, "type": "assistant", "uuid": f"u-{msg_id}-{req_id}",
            "timestamp": iso(ts)}


def claude_user(cwd, session, ts, text="Run `gt prime` and start on the work on your hook."):
    return {"parentUuid": None, "isSidechain": False, "userType": "external", "cwd": str(cwd),
            "sessionId": session, "version": "2.1.197", "type": "user",
            "message": {"role": "user", "content": text}, "uuid": f"user-{ts}",
            "timestamp": iso(ts)}


def usage(i, o, w, r):
    return {"input_tokens": i, "output_tokens": o, "cache_creation_input_tokens": w,
            "cache_read_input_tokens": r}


def write_jsonl(path: Path, entries, tail: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in entries) + tail)
    return path


def codex_rollout(path: Path, cwd, ts, model, turns) -> Path:
    """A rollout as Codex writes it; `turns` are (input, cached, output, reasoning)."""
    sid = "0199a213-81c0-7800-8aa1-bbab2a035a53"
    lines = [{"timestamp": iso(ts), "type": "session_meta", "payload": {
        "id": sid, "timestamp": iso(ts), "cwd": str(cwd), "originator": "codex_cli_rs",
        "cli_version": "0.171.0", "instructions": None, "source": "cli",
        "model_provider": "openai"}},
        {"timestamp": iso(ts), "type": "turn_context", "payload": {
            "cwd": str(cwd), "approval_policy": "never",
            "sandbox_policy": {"type": "danger-full-access"}, "model": model,
            "effort": "medium", "summary": "auto"}},
        {"timestamp": iso(ts), "type": "event_msg",
         "payload": {"type": "token_count", "info": None, "rate_limits": None}}]
    total = {"input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0,
             "reasoning_output_tokens": 0, "total_tokens": 0}
    for n, (i, c, o, r) in enumerate(turns):
        last = {"input_tokens": i, "cached_input_tokens": c, "output_tokens": o,
                "reasoning_output_tokens": r, "total_tokens": i + o}
        total = {k: total[k] + last[k] for k in total}
        when = iso(ts + n + 1)
        lines.append({"timestamp": when, "type": "response_item", "payload": {
            "type": "message", "role": "assistant",
            "content": [{"type": "output_text", "text": "ok"}]}})
        event = {"timestamp": when, "type": "event_msg", "payload": {
            "type": "token_count", "info": {"total_token_usage": dict(total),
                                            "last_token_usage": last,
                                            "model_context_window": 272000},
            "rate_limits": {"primary": {"used_percent": 7.0, "window_minutes": 300,
                                        "resets_at": 1763483205}}}}
        lines += [event, event]   # Codex repeats the event when only its rate limits change
    return write_jsonl(path, lines)


def gemini_session(base: Path, project: str, ts) -> Path:
    sid = "5b3c1a2e-0000-4000-8000-000000000001"
    folder = base / ".gemini" / "tmp" / "wt-slug"
    folder.mkdir(parents=True)
    (folder / ".project_root").write_text(project)
    message = {"id": "m-1", "timestamp": iso(ts), "type": "gemini", "content": "done",
               "thoughts": [], "tokens": None, "model": "gemini-2.5-pro"}
    with_tokens = {**message, "tokens": {"input": 5000, "output": 200, "cached": 4000,
                                         "thoughts": 100, "tool": 10, "total": 5310}}
    return write_jsonl(folder / "chats" / "session-2026-12-06T09-00-5b3c1a2e.jsonl", [
        {"sessionId": sid, "projectHash": gemini_project_hash(project),
         "startTime": iso(ts), "lastUpdated": iso(ts), "kind": "main"},
        {"id": "u-1", "timestamp": iso(ts), "type": "user", "content": [{"text": "go"}]},
        message, {"$set": {"lastUpdated": iso(ts)}}, with_tokens])


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A town: polecat P worked on issue A (convoy of A) with Claude, was unslung, then took
    issue B (convoy of B) with the demo preset; polecat Q runs the demo preset and records
    nothing; crew alice used Codex three days ago; the Mayor used Claude; Gemini worked in
    P's worktree."""
    tmp = tmp_path_factory.mktemp("costs")
    make_repo(tmp / "src")
    home = tmp / "home"
    env = {k: v for k, v in clean_environ().items()
           if k not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_CLI_HOME")}
    runner = Runner(tmp, {**env, "HOME": str(home)})
    runner.ok(f"install {tmp / 'town'}")
    at = runner.at(tmp / "town")
    at.ok(f"rig add my_proj {tmp / 'src'}")
    at.ok("crew add alice --rig my_proj")
    crew = at.at(tmp / "town/my_proj/crew/alice")
    a, b, c = (crew.new_bead(t) for t in ("Issue A", "Issue B", "Issue C"))
    slung = to_jsonable(at.ok(f"sling {a} my_proj --agent shell"))[0]
    polecat, convoy_a = slung["polecat"], slung["convoy"]
    time.sleep(0.05)
    t_a = time.time()
    time.sleep(0.05)
    at.ok(f"unsling {polecat}")
    convoy_b = to_jsonable(at.ok(f"sling {b} my_proj/{polecat} --agent demo"))[0]["convoy"]
    other = to_jsonable(at.ok(f"sling {c} my_proj --agent demo"))[0]["polecat"]
    time.sleep(0.05)
    t_b = time.time()

    town_root = tmp / "town"
    wt = town_root / "my_proj/polecats" / polecat
    projects = home / ".claude/projects"
    folder = projects / claude_folder(str(wt))
    s1, s2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
    write_jsonl(folder / f"{s1}.jsonl", [
        claude_user(wt, s1, t_a),
        # One response written as two entries (one per content block): counted once.
        claude_entry(wt, s1, t_a, "msg_A1", "req_A1", usage(10, 100, 1000, 10000)),
        claude_entry(wt, s1, t_a, "msg_A1", "req_A1", usage(10, 100, 1000, 10000)),
        claude_entry(wt, s1, t_a, "msg_A2", "req_A2", usage(20, 200, 2000, 20000))],
        tail='{"type":"assistant","message":{"usage": garbled\n')
    write_jsonl(folder / s1 / "subagents" / "agent-a1b2c3.jsonl", [
        claude_entry(wt, s1, t_a, "msg_S1", "req_S1", usage(1, 10, 0, 0), sidechain=True),
        # The parent's response repeated in the subagent's file: counted once.
        claude_entry(wt, s1, t_a, "msg_A2", "req_A2", usage(20, 200, 2000, 20000),
                     sidechain=True)])
    write_jsonl(folder / f"{s2}.jsonl", [
        claude_entry(wt, s2, t_b, "msg_B1", "req_B1", usage(30, 300, 0, 30000))])
    mayor = town_root / "mayor"
    write_jsonl(projects / claude_folder(str(mayor)) / "33333333.jsonl", [
        claude_entry(mayor, "m", t_b, "msg_M1", "req_M1", usage(5, 50, 0, 0),
                     model="claude-opus-4-5-20251101")])
    elsewhere = tmp / "another-project"
    write_jsonl(projects / claude_folder(str(elsewhere)) / "44444444.jsonl", [
        claude_entry(elsewhere, "x", t_b, "msg_X1", "req_X1", usage(999, 999, 0, 0))])
    three_days = time.time() - 3 * 86400
    day = dt.datetime.fromtimestamp(three_days)
    codex_rollout(home / ".codex/sessions" / day.strftime("%Y/%m/%d") /
                  f"rollout-{day.strftime('%Y-%m-%dT%H-%M-%S')}-0199a213.jsonl",
                  town_root / "my_proj/crew/alice", three_days, "gpt-9-test",
                  [(1000, 600, 50, 20), (2000, 1500, 80, 30)])
    gemini_session(home, str(wt), t_b)
    return {"at": at, "polecat": polecat, "other": other, "a": a, "b": b,
            "convoy_a": convoy_a, "convoy_b": convoy_b, "home": home, "folder": folder,
            "town": find_town(town_root, {})}


def costs(at: Runner, *args: str) -> dict:
    return to_jsonable(at.ok(["costs", *args]))


def rows(report: dict) -> dict[str, dict]:
    return {r["key"]: r for r in report["rows"]}


SONNET_P = (3, 15, 3.75, 0.3)


def dollars(tokens, price) -> float:
    return sum(t * p for t, p in zip(tokens, price)) / 1e6


def test_by_agent_maps_each_transcript_to_its_hook(work):
    report = costs(work["at"])
    got = rows(report)
    p = f"my_proj/polecats/{work['polecat']}"
    # Claude: A1 once, A2 once (not again from the subagent file), the subagent's own S1,
    # and B1 in the second session; Gemini: 1000 fresh + 10 tool input, 300 output, 4000 read.
    claude = (10 + 20 + 1 + 30, 100 + 200 + 10 + 300, 1000 + 2000, 10000 + 20000 + 30000)
    gemini = (1010, 300, 0, 4000)
    assert got[p]["tokens"] == dict(zip(("input", "output", "cache_write", "cache_read"),
                                        map(sum, zip(claude, gemini))))
    assert got[p]["cost"] == pytest.approx(dollars(claude, SONNET_P)
                                           + dollars(gemini, (1.25, 10, 1.25, 0.125)))
    assert set(got[p]["label"].split(", ")) == {"shell", "demo"}
    assert got["mayor/"]["tokens"]["output"] == 50 and got["mayor/"]["label"] == "claude"
    assert got["mayor/"]["cost"] == pytest.approx(dollars((5, 50, 0, 0), (5, 25, 6.25, 0.5)))
    # The demo preset records nothing: "-", not 0 and not a guess.
    q = got[f"my_proj/polecats/{work['other']}"]
    assert q["tokens"] is None and q["cost"] is None and q["label"] == "demo"
    # Codex's model has no price: tokens counted, cost "-".
    alice = got["my_proj/crew/alice"]
    assert alice["tokens"] == {"input": 400 + 500, "output": 130, "cache_write": 0,
                               "cache_read": 2100}
    assert alice["cost"] is None and alice["unpriced"] == 3130
    assert report["unpriced_models"] == ["gpt-9-test"]
    assert all("another-project" not in k for k in got)
    assert report["bad_lines"] == 1 and report["bad_files"] == 1
    text = work["at"].gt("costs").render()
    line = next(ln for ln in text.splitlines() if ln.startswith(f"my_proj/polecats/"
                                                                f"{work['other']}"))
    assert line.split()[1:] == ["demo", "-", "-", "-", "-", "-"]
    assert "gt config set prices.gpt-9-test.input" in text and "skipped 1 unreadable" in text


def test_by_convoy_rig_and_day_and_since(work):
    at = work["at"]
    convoys = rows(costs(at, "--by", "convoy"))
    # A's responses (session 1 and its subagent) were spent while P held A; B1 and Gemini's
    # after P took B.
    assert convoys[work["convoy_a"]]["tokens"]["output"] == 310
    assert convoys[work["convoy_a"]]["label"].startswith("Work: Issue A")
    assert convoys[work["convoy_b"]]["tokens"]["output"] == 300 + 300
    assert convoys["(none)"]["tokens"]["output"] == 50 + 130   # the Mayor and crew alice
    rigs = rows(costs(at, "--by", "rig"))
    assert set(rigs) == {"my_proj", "(town)"}
    assert rigs["(town)"]["tokens"]["output"] == 50
    days = costs(at, "--by", "day")
    assert [r["key"] for r in days["rows"]] == sorted(r["key"] for r in days["rows"])
    assert len(days["rows"]) == 2 and days["rows"][0]["tokens"]["output"] == 130
    today = costs(at, "--since", "today")
    assert "my_proj/crew/alice" not in rows(today)
    assert today["total"]["tokens"]["output"] == 310 + 600 + 50
    assert today["since"].startswith(dt.date.today().isoformat())
    assert rows(costs(at, "--since", "7d"))["my_proj/crew/alice"]["tokens"]["output"] == 130


def test_prices_from_settings(work):
    at = work["at"]
    at.ok("config set prices.claude-sonnet-4-5.output 30")
    first = to_jsonable(at.ok("config set prices.gpt-9-test.input 1"))
    assert first["note"] == "priced once output, cache_write, cache_read are set too"
    assert rows(costs(at))["my_proj/crew/alice"]["cost"] is None   # not half-priced
    unpriced = at.gt("config get prices.gpt-9-test.output")
    assert unpriced.exit_code == 1 and "gpt-9-test has no price yet" in unpriced.error
    assert at.ok("config get prices.claude-sonnet-4-5-20250929.cache_read") == 0.3
    for field, value in (("output", "8"), ("cache_write", "1"), ("cache_read", "0.1")):
        at.ok(f"config set prices.gpt-9-test.{field} {value}")
    try:
        got = rows(costs(at))
        alice = got["my_proj/crew/alice"]
        assert alice["cost"] == pytest.approx(dollars((900, 130, 0, 2100), (1, 8, 1, 0.1)))
        assert got["mayor/"]["cost"] == pytest.approx(dollars((5, 50, 0, 0), (5, 25, 6.25, 0.5)))
        p = got[f"my_proj/polecats/{work['polecat']}"]
        claude = (61, 610, 3000, 60000)
        assert p["cost"] == pytest.approx(dollars(claude, (3, 30, 3.75, 0.3))
                                          + dollars((1010, 300, 0, 4000),
                                                    (1.25, 10, 1.25, 0.125)))
        assert "from settings: claude-sonnet-4-5, gpt-9-test" in costs(at)["prices"]
    finally:
        config = work["town"].root / "settings/config.toml"
        text = config.read_text()
        config.write_text(text[:text.index("[prices")])


def test_repeated_calls_read_only_what_changed(work):
    from gastown_tui.town.costs import refresh

    town, environ = work["town"], work["at"].environ
    costs(work["at"])
    assert refresh(town, environ) == (0, 0)
    session = next(work["folder"].glob("2222*.jsonl"))
    before = session.stat().st_size
    with open(session, "a") as f:
        f.write(json.dumps(claude_entry("/nowhere", "s2", time.time(), "msg_B2", "req_B2",
                                        usage(1, 1, 0, 0))) + "\n")
    files, read = refresh(town, environ)
    assert files == 1 and read == session.stat().st_size - before


def test_bad_input(work):
    at = work["at"]
    for line, word in (("costs --since yesterday-ish", "bad --since 'yesterday-ish'"),
                       ("costs --by nonsense", "'nonsense' is not one of 'agent', 'convoy'"),
                       ("config set prices.gpt-5.price 3", "bad price key"),
                       ("config set prices.gpt-5.input free", "must be dollars per million")):
        result = at.gt(line)
        assert result.exit_code == 2 and word in result.error, line
    proc = at.shell("gt", "costs", "--by", "nonsense")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    db = work["town"].runtime_dir / "costs.db"
    kept = db.read_bytes()
    db.write_bytes(b"not a database " * 100)
    try:
        result = at.gt("costs")
        assert result.exit_code == 1 and "delete that file and run again" in result.error
    finally:
        db.write_bytes(kept)


def test_status_without_a_host(work):
    from gastown_tui.town import hooks

    at, town = work["at"], work["town"]
    stuck = hooks.load(town, "my_proj", work["other"])
    hooks.save(town, stuck, stuck=True)
    at.ok(["mail", "send", "overseer", "-s", "Blocked on review", "-m", "please look"])
    try:
        status = to_jsonable(at.ok("status"))
        assert status["live"] is False and "ledger" in status["note"]
        [rig] = status["rigs"]
        assert rig["rig"] == "my_proj" and rig["agents"] == {"created": 1, "stuck": 1}
        assert rig["queued"] == 0 and rig["merges"] == {}
        assert rig["tokens_today"] == status["tokens_today"] - 55   # the Mayor's, not a rig's
        assert status["oldest_stalled"]["name"] == f"my_proj/{work['other']}"
        assert [n["kind"] for n in status["needs"]] == ["agent", "mail"]
        text = at.gt("status").render()
        assert "no host runs" in text and f"oldest stalled: my_proj/{work['other']}" in text
        assert "mail from" in text and "Blocked on review" in text
    finally:
        hooks.save(town, hooks.load(town, "my_proj", work["other"]), stuck=False)


def test_readers_on_their_own():
    from gastown_tui.town.transcripts import parse_claude, parse_codex, parse_gemini

    # An older Gemini CLI's session file: one indented object.
    legacy = json.dumps({"sessionId": "s", "projectHash": "h", "messages": [
        {"id": "1", "type": "gemini", "timestamp": iso(1e9), "model": "gemini-2.5-flash",
         "tokens": {"input": 100, "output": 10, "cached": 40, "thoughts": 5, "tool": 0}}]},
        indent=2).encode()
    [use] = parse_gemini(legacy, 0, {"cwd": "/w", "whole": True}).uses
    assert (use.input, use.output, use.cache_read, use.model) == (60, 15, 40, "gemini-2.5-flash")
    # A Codex event without the last response's use: the difference of the running totals.
    lines = [{"timestamp": iso(1e9), "type": "session_meta", "payload": {"id": "s", "cwd": "/w"}}]
    for total in (1000, 2500):
        lines.append({"timestamp": iso(1e9), "type": "event_msg", "payload": {
            "type": "token_count", "info": {"total_token_usage": {
                "input_tokens": total, "cached_input_tokens": 0, "output_tokens": 0,
                "reasoning_output_tokens": 0, "total_tokens": total}}}})
    data = "".join(json.dumps(x) + "\n" for x in lines).encode()
    assert [u.input for u in parse_codex(data, 0, {}).uses] == [1000, 1500]
    # A line still being written waits for the next read; the lines before it are read.
    entry = claude_entry("/w", "s", 1e9, "m", "r", usage(1, 2, 3, 4))
    done = (json.dumps(entry) + "\n").encode()
    parsed = parse_claude(done + done[:40], 0, {})
    assert len(parsed.uses) == 1 and parsed.offset == len(done) and parsed.bad == 0


def test_a_presets_own_account_folder_is_read(tmp_path):
    """A preset whose env names another Claude account (CLAUDE_CONFIG_DIR) has its usage
    read from that account's folder too."""
    env = {k: v for k, v in clean_environ().items()
           if k not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_CLI_HOME")}
    runner = Runner(tmp_path, {**env, "HOME": str(tmp_path / "home")})
    runner.ok(f"install {tmp_path / 'town'}")
    at = runner.at(tmp_path / "town")
    at.ok(["config", "agent", "set", "claude-b", "claude", "--env",
           f"CLAUDE_CONFIG_DIR={tmp_path / 'account-b'}"])
    mayor = tmp_path / "town" / "mayor"
    write_jsonl(tmp_path / "account-b/projects" / claude_folder(str(mayor)) / "s.jsonl", [
        claude_entry(mayor, "m", time.time(), "msg_M1", "req_M1", usage(7, 70, 0, 0))])
    assert rows(costs(at))["mayor/"]["tokens"]["output"] == 70
