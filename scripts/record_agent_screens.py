"""Record the screens of the real agent CLIs that the state detector's tests read.

    python3 scripts/record_agent_screens.py --bin DIR [--work DIR] [--only NAME ...]

DIR holds the `claude`, `codex` and `gemini` programs (`npm install @anthropic-ai/claude-code
@openai/codex @google/gemini-cli` puts them in node_modules/.bin). Every screen is a fresh run
in this project's own terminal engine (the `Multiplexer` that `gt term capture` uses), with a
fresh HOME, at 80x24 and 120x40, written to tests/term/recordings/NAME_COLSxROWS.screen with a
header saying how it was made. Each key is typed once the text it answers is on screen: a key
typed while a CLI is still starting is lost.

Screens past the first-run dialogs need a model: a stand-in for the Anthropic, OpenAI and Gemini
APIs runs on localhost (the CLIs' own base-URL settings point at it) and answers with a tool call
(permission prompts), a slow reply (busy screens), text (near-misses), or the providers' own
429 answers for usage and rate limits (the CLIs then draw their real limit messages). Agents run
with TZ=Europe/Berlin, so reset times show a zone. HOMEs live under --work, not /tmp: Codex
refuses to set up its helpers under a temporary folder and says so on screen. Codex starts a
background server in a session of its own; it is ended by pid after each screen.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gastown_tui.term.mux import Multiplexer  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "term" / "recordings"
SIZES = ((80, 24), (120, 40))
ZONE = ZoneInfo("Europe/Berlin")
PACKAGES = {"claude": "@anthropic-ai/claude-code", "codex": "@openai/codex",
            "gemini": "@google/gemini-cli"}
DOWN, ENTER = "\x1b[B", "\r"
COMMAND = {"command": "rm -rf build/", "description": "Remove the old build output"}
PROMPT = "remove the build folder"
# What the near-miss replies say: the words of the dialogs and limit messages, in conversation.
TALK = ("Gemini CLI asks \"Do you trust the files in this folder?\" on its first run, and "
        "Codex prints \"You've hit your usage limit. Try again at 3:04 PM.\" when a plan runs "
        "out. Claude Code says \"You've hit your session limit · resets 3pm\". A rate limit "
        "reached in CI is not one of these.")


# -- the stand-in API ----------------------------------------------------------------------

class Api:
    """Answers for the scenario being recorded: `mode` is tool | slow | text | limit |
    ratelimit | warn | read_then_limit (a file read, then the limit, mid-turn); `reset` the
    epoch second a limit resets; `claim` Claude's limit kind."""

    mode = "tool"
    reset = 0
    claim = "five_hour"
    plan = "plus"
    project = Path()


def _sse(events, named=True) -> bytes:
    return "".join((f"event: {n}\n" if named else "") + f"data: {json.dumps(d)}\n\n"
                   for n, d in events).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def send(self, code: int, body, ctype="application/json", headers=()) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(code)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a slow answer whose capture is over

    def do_GET(self) -> None:
        self.send(200 if "/models" in self.path else 404, {"data": [], "models": []})

    def do_POST(self) -> None:
        req = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        if self.path.startswith("/v1/messages"):
            self.anthropic(req)
        elif self.path.startswith("/v1/responses"):
            self.openai(req)
        elif "enerateContent" in self.path:  # :generateContent, :streamGenerateContent
            self.gemini(req)
        else:
            self.send(200, {"input_tokens": 10, "totalTokens": 10})

    def slow(self, req_is_turn: bool) -> None:
        if Api.mode == "slow" and req_is_turn:
            time.sleep(120)

    def anthropic(self, req: dict) -> None:
        if "count_tokens" in self.path:
            return self.send(200, {"input_tokens": 10})
        msgs = req.get("messages") or []
        turn = bool(req.get("tools")) and "tool_result" not in json.dumps(msgs[-1:])
        if Api.mode == "limit" or (Api.mode == "read_then_limit" and req.get("tools")
                                   and not turn):
            return self.send(429, {"type": "error", "error": {"type": "rate_limit_error",
                                                              "message": "Rate limited"}},
                             headers=[("x-should-retry", "false"),
                                      ("anthropic-ratelimit-unified-status", "rejected"),
                                      ("anthropic-ratelimit-unified-representative-claim",
                                       Api.claim),
                                      ("anthropic-ratelimit-unified-reset", str(Api.reset))])
        if Api.mode == "ratelimit":
            return self.send(429, {"type": "error", "error": {
                "type": "rate_limit_error",
                "message": "Number of request tokens has exceeded your per-minute rate limit"}},
                headers=[("x-should-retry", "false")])
        headers = []
        if Api.mode == "warn":
            headers = [("anthropic-ratelimit-unified-status", "allowed_warning"),
                       ("anthropic-ratelimit-unified-5h-surpassed-threshold", "0.9"),
                       ("anthropic-ratelimit-unified-5h-utilization", "0.92"),
                       ("anthropic-ratelimit-unified-5h-reset", str(Api.reset))]
        msg = {"id": "msg_1", "type": "message", "role": "assistant",
               "model": req.get("model", "claude"), "content": [], "stop_reason": None,
               "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 1}}
        if not req.get("stream"):
            return self.send(200, {**msg, "content": [{"type": "text", "text": "Remove build"}],
                                   "stop_reason": "end_turn"}, headers=headers)
        self.slow(turn)
        if Api.mode in ("tool", "read_then_limit") and turn:
            name, args = (("Bash", COMMAND) if Api.mode == "tool" else
                          ("Read", {"file_path": str(Api.project / "README.md")}))
            block = {"type": "tool_use", "id": "toolu_1", "name": name, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(args)}
            stop = "tool_use"
        else:
            block = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": TALK if Api.mode == "text" else "Done."}
            stop = "end_turn"
        self.send(200, _sse([
            ("message_start", {"type": "message_start", "message": msg}),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": block}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": delta}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta", "delta": {
                "stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": 20}}),
            ("message_stop", {"type": "message_stop"})]), "text/event-stream", headers)

    def openai(self, req: dict) -> None:
        if Api.mode == "limit":
            return self.send(429, {"error": {"type": "usage_limit_reached",
                                             "message": "The usage limit has been reached",
                                             "plan_type": Api.plan, "resets_at": Api.reset}})
        if Api.mode == "ratelimit":
            return self.send(429, {"error": {"type": "rate_limit_exceeded",
                                             "code": "rate_limit_exceeded",
                                             "message": "Rate limit reached for requests"}})
        items = req.get("input") or []
        done = any(isinstance(i, dict) and i.get("type") == "function_call_output"
                   for i in items)
        self.slow(not done)
        names = [t.get("name") for t in req.get("tools") or [] if isinstance(t, dict)]
        resp = {"id": "resp_1", "object": "response", "status": "in_progress", "output": []}
        if Api.mode == "tool" and not done:
            name = next((n for n in ("exec_command", "shell_command", "shell") if n in names),
                        "shell")
            args = ({"cmd": COMMAND["command"]} if name == "exec_command" else
                    {"command": ["bash", "-lc", COMMAND["command"]]} if name == "shell" else
                    {"command": COMMAND["command"]})
            item = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": name,
                    "arguments": json.dumps(args), "status": "completed"}
        else:
            text = TALK if Api.mode == "text" else "Done."
            item = {"type": "message", "id": "msg_1", "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}
        usage = {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
                 "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": 15}
        self.send(200, _sse([
            ("response.created", {"type": "response.created", "response": resp}),
            ("response.output_item.done", {"type": "response.output_item.done",
                                           "output_index": 0, "item": item}),
            ("response.completed", {"type": "response.completed", "response": {
                **resp, "status": "completed", "output": [item], "usage": usage}})]),
            "text/event-stream")

    def gemini(self, req: dict) -> None:
        stream = ":streamGenerateContent" in self.path
        if Api.mode in ("limit", "ratelimit"):
            delay = f"{max(1, Api.reset - int(time.time()))}s"
            retry = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}
            daily = {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                "quotaMetric": "generativelanguage.googleapis.com/generate_content_requests",
                "quotaId": "GenerateRequestsPerDayPerProjectPerModel"}]}
            return self.send(429, {"error": {
                "code": 429, "status": "RESOURCE_EXHAUSTED",
                "message": "You exceeded your current quota, please check your plan and "
                           "billing details.",
                "details": [daily] if Api.mode == "ratelimit" else [retry]}})
        contents = req.get("contents") or []
        done = "functionResponse" in json.dumps(contents[-1:])
        if stream:
            self.slow(not done)
        if not stream:
            # Side calls (model routing, next-speaker checks) want JSON.
            part = {"text": json.dumps({"complexity_reasoning": "One command.",
                                        "complexity_score": 10, "reasoning": "Asked.",
                                        "next_speaker": "user", "model_choice": "flash"})}
        elif Api.mode == "tool" and not done:
            part = {"functionCall": {"name": "run_shell_command", "args": COMMAND}}
        else:
            part = {"text": TALK if Api.mode == "text" else "Done."}
        chunk = {"candidates": [{"content": {"role": "model", "parts": [part]},
                                 "finishReason": "STOP", "index": 0}],
                 "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5,
                                   "totalTokenCount": 15}}
        if stream:
            self.send(200, _sse([("", chunk)], named=False), "text/event-stream")
        else:
            self.send(200, chunk)


# -- scenarios -----------------------------------------------------------------------------

@dataclass
class Home:
    path: Path
    project: Path
    api: str  # http://127.0.0.1:PORT


@dataclass
class Scenario:
    name: str
    agent: str
    shows: str                     # what the screen shows, for the header
    # Each key is typed once its text is on screen (and the screen has settled): a key typed
    # before a CLI is ready is lost. The screen is taken once `final` shows and settles.
    steps: tuple[tuple[str, str], ...] = ()
    final: str = ""
    env: dict[str, str] = field(default_factory=dict)
    seed: Callable[[Home], dict[str, str]] | None = None  # writes config; returns more env
    mode: str | None = None        # the stand-in API's answer; None: no API is used
    reset_in: timedelta = timedelta(hours=2, minutes=13)
    reset_at: tuple[int, int] | None = None  # today's (hour, minute) in ZONE instead
    claim: str = "five_hour"
    settle: float = 3.0            # quiet time before the screen is taken (spinners never are)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def claude_seeded(approve_key: bool = True) -> Callable[[Home], dict[str, str]]:
    """Onboarding done and the project trusted; the stand-in API with a key (approved unless
    the scenario records the key question)."""
    key = "sk-ant-api03-recording-key-0000000000"

    def seed(home: Home) -> dict[str, str]:
        _write(home.path / ".claude.json", json.dumps({
            "hasCompletedOnboarding": True, "theme": "dark", "numStartups": 3,
            "customApiKeyResponses": {"approved": [key[-20:]] if approve_key else [],
                                      "rejected": []},
            "projects": {str(home.project): {"hasTrustDialogAccepted": True,
                                             "allowedTools": []}}}))
        return {"ANTHROPIC_BASE_URL": home.api, "ANTHROPIC_API_KEY": key}
    return seed


def claude_subscriber(home: Home) -> dict[str, str]:
    """A claude.ai subscriber (an OAuth token): the usage-limit messages are theirs."""
    env = claude_seeded()(home)
    del env["ANTHROPIC_API_KEY"]
    return {**env, "CLAUDE_CODE_OAUTH_TOKEN": "sk-ant-oat01-recording"}


def codex_seeded(home: Home) -> dict[str, str]:
    _write(home.path / ".codex" / "config.toml", f"""\
model = "gpt-5-codex"
model_provider = "standin"
approval_policy = "on-request"
sandbox_mode = "workspace-write"

[model_providers.standin]
name = "standin"
base_url = "{home.api}/v1"
wire_api = "responses"
env_key = "STANDIN_KEY"

[projects."{home.project}"]
trust_level = "trusted"
""")
    return {"STANDIN_KEY": "recording"}


def codex_update(home: Home) -> dict[str, str]:
    checked = datetime.now(ZONE).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    _write(home.path / ".codex" / "version.json", json.dumps(
        {"latest_version": "99.0.0", "last_checked_at": checked, "dismissed_version": None}))
    return {}


def gemini_seeded(home: Home) -> dict[str, str]:
    _write(home.path / ".gemini" / "settings.json",
           json.dumps({"security": {"auth": {"selectedType": "gemini-api-key"}}}))
    _write(home.path / ".gemini" / "trustedFolders.json",
           json.dumps({str(home.project): "TRUST_FOLDER"}))
    return {"GEMINI_API_KEY": "recording", "GOOGLE_GEMINI_BASE_URL": ""}


def gemini_api(home: Home) -> dict[str, str]:
    return {**gemini_seeded(home), "GOOGLE_GEMINI_BASE_URL": home.api}


BEDROCK = {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1"}
READY = {"claude": "? for shortcuts", "codex": "? for shortcuts", "gemini": "Type your message"}


def ask(agent: str) -> tuple[tuple[str, str], ...]:
    """Type the prompt once the agent is ready, and send it once it shows."""
    return ((READY[agent], PROMPT), (PROMPT, ENTER))


CLAUDE_FIRST = (("Choose the text style", ENTER), ("Press Enter to continue", ENTER),
                ("Yes, I trust this folder", ENTER))
CODEX_FIRST = (("Sign in another way", DOWN), ("> 2. Sign in with Device Code", DOWN),
               ("> 3. Sign in another way", ENTER), ("Use an OpenAI API key", ENTER),
               ("Paste or type your API key", "sk-recording"), ("sk-recording", ENTER),
               ("Trust and continue", ENTER))
GEMINI_FIRST = (("Do you trust the files in this folder?", ENTER),
                ("How would you like to authenticate", ENTER), ("Enter Gemini API Key", ENTER))
TALKED = "is not one of these"

SCENARIOS = [
    # Claude Code: first run (Bedrock passes its network check offline), then the stand-in.
    Scenario("claude_theme", "claude", "first run: the theme picker", final="Syntax theme",
             env=BEDROCK),
    Scenario("claude_security", "claude", "first run: security notes", CLAUDE_FIRST[:1],
             "Security notes", BEDROCK),
    Scenario("claude_trust", "claude", "first run: the folder-trust dialog", CLAUDE_FIRST[:2],
             "Yes, I trust this folder", BEDROCK),
    Scenario("claude_prompt", "claude", "first run done: the empty prompt box", CLAUDE_FIRST,
             READY["claude"], BEDROCK),
    Scenario("claude_apikey", "claude", "the question whether to use ANTHROPIC_API_KEY",
             final="Do you want to use this API key?", seed=claude_seeded(approve_key=False),
             mode="text"),
    Scenario("claude_no_login", "claude", "that key declined: not logged in",
             (("Do you want to use this API key?", ENTER),), "Not logged in",
             seed=claude_seeded(approve_key=False), mode="text"),
    Scenario("claude_permission", "claude", "a Bash permission prompt", ask("claude"),
             "Do you want to proceed?", seed=claude_seeded(), mode="tool"),
    Scenario("claude_working", "claude", "waiting for the model's answer", ask("claude"),
             "esc to interrupt", seed=claude_seeded(), mode="slow"),
    Scenario("claude_talk", "claude", "near-miss: the agent quotes dialogs and limits",
             ask("claude"), TALKED, seed=claude_seeded(), mode="text"),
    Scenario("claude_typed", "claude", "near-miss: a person typed a limit message, unsent",
             ((READY["claude"], "You've hit your session limit · resets 3pm (Europe/Berlin)"),),
             "resets 3pm", seed=claude_seeded(), mode="text"),
    Scenario("claude_limit", "claude", "a subscriber's session limit, with its options menu",
             ask("claude"), "What do you want to do?", seed=claude_subscriber, mode="limit",
             reset_at=(15, 0)),
    Scenario("claude_limit_waiting", "claude", "the session limit after 'Stop and wait'",
             ask("claude") + (("What do you want to do?", ENTER),), READY["claude"],
             seed=claude_subscriber, mode="limit", reset_at=(15, 0)),
    Scenario("claude_limit_weekly", "claude", "a subscriber's weekly limit, days away",
             ask("claude") + (("What do you want to do?", ENTER),), READY["claude"],
             seed=claude_subscriber, mode="limit", claim="seven_day",
             reset_in=timedelta(days=3, hours=4, minutes=30)),
    Scenario("claude_limit_midturn", "claude", "a session limit after a tool call",
             ask("claude"), "What do you want to do?", seed=claude_subscriber,
             mode="read_then_limit", reset_at=(15, 0)),
    Scenario("claude_usage_warning", "claude", "near-miss: a warning at 92% of the limit",
             ask("claude"), "You've used", seed=claude_subscriber, mode="warn",
             reset_at=(15, 0)),
    Scenario("claude_ratelimit", "claude", "an API key's 429 that Claude gave up on",
             ask("claude"), "Request rejected (429)", seed=claude_seeded(), mode="ratelimit"),
    # Codex: its sign-in steps, then the stand-in as a model provider.
    Scenario("codex_signin", "codex", "first run: the sign-in choice", final="Press enter"),
    Scenario("codex_signin_other", "codex", "first run: 'Sign in another way'",
             CODEX_FIRST[:3], "Use an OpenAI API key"),
    Scenario("codex_apikey", "codex", "first run: the API key field", CODEX_FIRST[:4],
             "Paste or type your API key"),
    Scenario("codex_trust", "codex", "first run: the folder-trust question",
             CODEX_FIRST[:6], "Trust and continue"),
    Scenario("codex_prompt", "codex", "first run done: the empty prompt", CODEX_FIRST,
             READY["codex"]),
    Scenario("codex_update", "codex", "an update offer at start", final="Update now",
             seed=codex_update),
    Scenario("codex_permission", "codex", "a command approval prompt", ask("codex"),
             "Press enter to confirm", seed=codex_seeded, mode="tool"),
    Scenario("codex_working", "codex", "waiting for the model's answer", ask("codex"),
             "esc to interrupt", seed=codex_seeded, mode="slow"),
    Scenario("codex_talk", "codex", "near-miss: the agent quotes dialogs and limits",
             ask("codex"), TALKED, seed=codex_seeded, mode="text"),
    Scenario("codex_limit", "codex", "a Plus plan's usage limit, later today", ask("codex"),
             "hit your usage limit", seed=codex_seeded, mode="limit"),
    Scenario("codex_limit_days", "codex", "a usage limit that resets on another day",
             ask("codex"), "hit your usage limit", seed=codex_seeded, mode="limit",
             reset_in=timedelta(days=2, hours=1)),
    Scenario("codex_ratelimit", "codex", "a 429 that Codex gave up on", ask("codex"),
             "exceeded retry limit", seed=codex_seeded, mode="ratelimit"),
    # Gemini CLI: first run, then the stand-in through GOOGLE_GEMINI_BASE_URL.
    Scenario("gemini_trust", "gemini", "first run: the folder-trust dialog",
             final="Do you trust the files in this folder?"),
    Scenario("gemini_auth", "gemini", "first run: the sign-in choice", GEMINI_FIRST[:1],
             "How would you like to authenticate"),
    Scenario("gemini_apikey", "gemini", "first run: the API key field",
             GEMINI_FIRST[:1] + (("How would you like to authenticate", DOWN),
                                 ("● 2. Use Gemini API Key", ENTER)), "Enter Gemini API Key"),
    Scenario("gemini_prompt", "gemini", "first run done (GEMINI_API_KEY set): the prompt",
             GEMINI_FIRST, READY["gemini"], {"GEMINI_API_KEY": "recording"}),
    Scenario("gemini_permission", "gemini", "a shell command confirmation", ask("gemini"),
             "Allow execution", seed=gemini_api, mode="tool"),
    Scenario("gemini_working", "gemini", "waiting for the model's answer", ask("gemini"),
             "esc to cancel", seed=gemini_api, mode="slow"),
    Scenario("gemini_talk", "gemini", "near-miss: the agent quotes dialogs and limits",
             ask("gemini"), TALKED, seed=gemini_api, mode="text"),
    Scenario("gemini_limit", "gemini", "a quota with a reset time (its dialog)",
             ask("gemini"), "Access resets at", seed=gemini_api, mode="limit"),
    Scenario("gemini_limit_stopped", "gemini", "its quota dialogs (routing, then Pro) "
             "answered 'Stop'", ask("gemini") + (("Switch to", DOWN), ("● 2. Stop", ENTER),
                                                 ("Keep trying", DOWN), ("● 2. Stop", ENTER)),
             READY["gemini"], seed=gemini_api, mode="limit"),
    Scenario("gemini_limit_daily", "gemini", "a daily quota without a reset time",
             ask("gemini"), "Usage limit reached", seed=gemini_api, mode="ratelimit"),
]


# -- running -------------------------------------------------------------------------------

def version(bin_dir: Path, agent: str) -> str:
    real = Path(os.path.realpath(bin_dir / agent))
    for parent in real.parents:
        pkg = parent / "package.json"
        if pkg.exists():
            data = json.loads(pkg.read_text())
            if data.get("name") == PACKAGES[agent]:
                return data["version"]
    return "?"


def end_strays(home: Path) -> None:
    """Codex's background server runs in a session of its own from a binary under HOME: end
    the processes whose command line names this HOME, by pid (KILL when TERM is not enough)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if str(home) in cmd:
            pids.append(int(proc.name))
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 3
        while pids and time.monotonic() < deadline:
            pids = [p for p in pids if _running(p)]
            time.sleep(0.1)


def _running(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


class NeverShown(Exception):
    pass


def record(s: Scenario, size: tuple[int, int], bin_dir: Path, work: Path, port: int,
           versions: dict[str, str], timeout: float) -> Path:
    now = datetime.now(ZONE)
    if s.reset_at is not None:
        reset = now.replace(hour=s.reset_at[0], minute=s.reset_at[1], second=0, microsecond=0)
        reset += timedelta(days=1) if reset <= now else timedelta()
    else:
        reset = now + s.reset_in
    title, lines = run_once(s, size, bin_dir, work, port, int(reset.timestamp()), timeout)
    keys = " ".join(json.dumps(key) for _, key in s.steps) or "none"
    api = f"; a stand-in API answered: {s.mode}" if s.mode else ""
    header = [f"title: {title.rstrip()}",
              f"agent: {PACKAGES[s.agent]} {versions[s.agent]}",
              f"shows: {s.shows}",
              f"size: {size[0]}x{size[1]}",
              f"time: {now.isoformat(timespec='seconds')}"
              + (f"; the limit resets {reset.isoformat(timespec='seconds')}"
                 if s.mode in ("limit", "warn", "read_then_limit") else ""),
              f"recorded: scripts/record_agent_screens.py, fresh HOME, keys {keys}{api}"]
    while lines and not lines[-1].strip():
        lines.pop()
    out = OUT / f"{s.name}_{size[0]}x{size[1]}.screen"
    out.write_text("\n".join(header) + "\n---\n" + "\n".join(lines) + "\n")
    return out


def run_once(s: Scenario, size: tuple[int, int], bin_dir: Path, work: Path, port: int,
             reset: int, timeout: float) -> tuple[str, list[str]]:
    # The same paths every time: the screens show the project's.
    home = Home(work / "home", work / "myproject", f"http://127.0.0.1:{port}")
    for folder in (home.path, home.project):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(home.project)], check=True)
    (home.project / "README.md").write_text("# myproject\n\nBuild with `make`.\n")
    Api.mode, Api.reset, Api.claim, Api.project = s.mode or "tool", reset, s.claim, home.project
    env = {"PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home.path),
           "LANG": "C.UTF-8", "TZ": "Europe/Berlin", "USER": "recording", **s.env}
    if s.seed is not None:
        env.update(s.seed(home))
    env = {k: v for k, v in env.items() if v}
    try:
        return asyncio.run(drive(s, size, env, home.project, timeout))
    finally:
        time.sleep(0.5)
        end_strays(home.path)


async def drive(s: Scenario, size: tuple[int, int], env: dict[str, str], cwd: Path,
                timeout: float) -> tuple[str, list[str]]:
    """Run the agent in a terminal of this engine; type each key once its text shows."""
    mux = Multiplexer()
    session = mux.spawn("agent", [s.agent], cwd=cwd, env=env, cols=size[0], rows=size[1])

    async def shown(text: str, settle: float, must_settle: bool = True) -> None:
        deadline = mux.loop.time() + timeout
        while True:
            on_screen = text in "\n".join(session.screen.text_lines())
            quiet = time.monotonic() - session.last_output >= settle
            if on_screen and quiet:
                return
            if mux.loop.time() > deadline or session.finished:
                if on_screen and not must_settle:
                    return  # a spinner: never quiet
                screen = "\n".join(line for line in session.screen.text_lines() if line.strip())
                raise NeverShown(f"{s.name}: {text!r} did not show; the screen:\n{screen}")
            await asyncio.sleep(0.05)

    try:
        for text, key in s.steps:
            await shown(text, 1.0)
            mux.write("agent", key.encode())
        await shown(s.final, s.settle, must_settle=False)
        while session.pty.pending:
            session.feed()
        return session.screen.title, list(session.screen.text_lines())
    finally:
        await mux.shutdown(grace=0.5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", type=Path, required=True,
                    help="folder with claude, codex and gemini (node_modules/.bin)")
    ap.add_argument("--work", type=Path, default=Path.home() / ".cache" / "gt-agent-screens",
                    help="scratch folder for the HOMEs (not under /tmp: see above)")
    ap.add_argument("--only", nargs="*", default=[], help="scenario names to record")
    ap.add_argument("--sizes", nargs="*", default=[f"{c}x{r}" for c, r in SIZES],
                    help="COLSxROWS sizes to record (default: 80x24 120x40)")
    ap.add_argument("--timeout", type=float, default=90.0,
                    help="seconds to wait for each screen")
    args = ap.parse_args()
    bin_dir = args.bin.resolve()
    versions = {agent: version(bin_dir, agent) for agent in PACKAGES}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for s in SCENARIOS:
            if args.only and s.name not in args.only:
                continue
            for size in (tuple(int(n) for n in text.split("x")) for text in args.sizes):
                try:
                    out = record(s, size, bin_dir, args.work.resolve(), server.server_port,
                                 versions, args.timeout)
                except NeverShown as e:
                    print(f"not recorded: {e}", file=sys.stderr, flush=True)
                    continue
                print(out.relative_to(OUT.parent.parent.parent), flush=True)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
