"""What the coding agents record about their token use, read from their own files.

- Claude Code: one JSONL transcript per session under `<config>/projects/<encoded cwd>/`
  (`<config>` is `$CLAUDE_CONFIG_DIR`, else `~/.claude`), subagents under
  `<session>/subagents/`. Each assistant entry holds `message.usage` (`input_tokens`,
  `output_tokens`, `cache_creation_input_tokens`, `cache_read_input_tokens`),
  `message.model`, `timestamp` and `cwd`. One API response is written as several entries
  (one per content block), and resumed or forked sessions copy entries into new files: an
  entry is one response by its message id and request id.
- Codex: rollout files `<CODEX_HOME or ~/.codex>/sessions/YYYY/MM/DD/rollout-*.jsonl` (and
  `archived_sessions/`), lines `{timestamp, type, payload}`: `session_meta` (id, cwd),
  `turn_context` (cwd, model), and `event_msg` with `payload.type == "token_count"` whose
  `info.last_token_usage` is one response's use (`input_tokens` counts the
  `cached_input_tokens` and `cache_write_input_tokens` in it; `output_tokens` counts reasoning)
  and `info.total_token_usage` the session's running total, which names a response uniquely
  (the same event is repeated when only rate limits change).
- Gemini CLI: `<GEMINI_CLI_HOME or ~>/.gemini/tmp/<project>/chats/session-*.jsonl` (subagents
  in a folder named for their parent session; `.json` files from older versions hold one
  object with `messages`): a first line with `sessionId` and `projectHash` (sha256 of the
  project's path), then messages; a `gemini` message carries `model` and `tokens` (`input`
  counts `cached`; `thoughts` are billed as output, `tool` as input), and is written again,
  same id, when its tokens arrive.

Every reader takes the bytes after what it read last time and the state it left (a session's
id, model and folder), so a growing transcript is read once. A line that is not a JSON object
is skipped and counted; an incomplete last line (the agent is writing it) waits for next time.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

KINDS = ("claude", "codex", "gemini")


@dataclasses.dataclass
class Use:
    """One model response's tokens, in the four kinds prices use."""

    key: str
    ts: float          # seconds since the epoch
    cwd: str
    model: str
    input: int         # not read from a cache
    output: int        # reasoning included
    cache_write: int
    cache_read: int


@dataclasses.dataclass
class Parsed:
    uses: list[Use]
    bad: int           # lines that were no JSON object
    offset: int        # where the next read starts
    state: dict[str, Any]


def claude_dirs(environ: Mapping[str, str]) -> list[Path]:
    base = environ.get("CLAUDE_CONFIG_DIR") or str(Path(_home(environ)) / ".claude")
    return [Path(base) / "projects"]


def codex_dirs(environ: Mapping[str, str]) -> list[Path]:
    base = Path(environ.get("CODEX_HOME") or Path(_home(environ)) / ".codex")
    return [base / "sessions", base / "archived_sessions"]


def gemini_dirs(environ: Mapping[str, str]) -> list[Path]:
    return [Path(environ.get("GEMINI_CLI_HOME") or _home(environ)) / ".gemini" / "tmp"]


def _home(environ: Mapping[str, str]) -> str:
    return environ.get("HOME") or os.path.expanduser("~")


def claude_folder(path: str) -> str:
    """The folder name Claude Code gives a working directory's transcripts: every character
    but ASCII letters and digits becomes '-'; a name over 200 characters is cut there and
    given a hash of the whole path (Claude Code's own rule)."""
    name = "".join(c if c.isascii() and c.isalnum() else "-" * (1 + (ord(c) > 0xFFFF))
                   for c in path)   # JavaScript replaces each UTF-16 unit of a character
    if len(name) <= 200:
        return name
    import struct

    units = path.encode("utf-16-le")  # JavaScript hashes a string's UTF-16 code units
    h = 0
    for (unit,) in struct.iter_unpack("<H", units):
        h = (h * 31 + unit) & 0xFFFFFFFF
    n = abs(h - (1 << 32) if h >= 1 << 31 else h)
    digits = ""
    while True:
        n, d = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[d] + digits
        if not n:
            break
    return f"{name[:200]}-{digits}"


def gemini_project_hash(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()


# ---------------------------------------------------------------------- reading lines


def _lines(data: bytes, start: int) -> Iterator[tuple[bytes, int]]:
    """Complete lines of `data` (the file's bytes from offset `start`), each with the offset
    after it."""
    pos = 0
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            return
        yield data[pos:end], start + end + 1
        pos = end + 1


def _object(line: bytes) -> dict | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _garbled(line: bytes) -> bool:
    """A line skipped unparsed (it cannot hold usage) that still is no JSON object: cheaper
    than parsing each tool output a transcript holds."""
    text = line.strip()
    return bool(text) and not (text[:1] == b"{" and text[-1:] == b"}")


def _ts(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.timestamp()


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


# ---------------------------------------------------------------------- the three formats


def parse_claude(data: bytes, start: int, state: dict[str, Any]) -> Parsed:
    uses, bad, offset = [], 0, start
    for line, offset in _lines(data, start):
        if b'"usage"' not in line:
            bad += _garbled(line)
            continue
        entry = _object(line)
        if entry is None:
            bad += 1
            continue
        message = entry.get("message")
        usage = message.get("usage") if isinstance(message, dict) else None
        ts = _ts(entry.get("timestamp"))
        if entry.get("type") != "assistant" or not isinstance(usage, dict) or ts is None:
            continue
        use = Use(f"claude:{message.get('id') or entry.get('uuid')}:{entry.get('requestId')}",
                  ts, str(entry.get("cwd") or state.get("cwd") or ""),
                  str(message.get("model") or ""), _int(usage.get("input_tokens")),
                  _int(usage.get("output_tokens")),
                  _int(usage.get("cache_creation_input_tokens")),
                  _int(usage.get("cache_read_input_tokens")))
        if use.input or use.output or use.cache_write or use.cache_read:
            uses.append(use)
    return Parsed(uses, bad, offset, state)


def parse_codex(data: bytes, start: int, state: dict[str, Any]) -> Parsed:
    uses, bad, offset = [], 0, start
    state = dict(state)
    for line, offset in _lines(data, start):
        entry = _object(line)
        if entry is None:
            bad += bool(line.strip())
            continue
        payload = entry.get("payload")
        if not isinstance(payload, dict):
            continue
        kind = entry.get("type")
        if kind == "session_meta":
            state["session"] = str(payload.get("id") or state.get("session") or "")
            state["cwd"] = str(payload.get("cwd") or state.get("cwd") or "")
            continue
        if kind == "turn_context":
            state["cwd"] = str(payload.get("cwd") or state.get("cwd") or "")
            state["model"] = str(payload.get("model") or state.get("model") or "")
            continue
        if kind != "event_msg" or payload.get("type") != "token_count":
            continue
        info = payload.get("info")
        ts = _ts(entry.get("timestamp"))
        if not isinstance(info, dict) or ts is None:
            continue
        total = info.get("total_token_usage") if isinstance(
            info.get("total_token_usage"), dict) else {}
        last = info.get("last_token_usage")
        if not isinstance(last, dict):
            # No delta recorded: the difference of the running totals is this response.
            before = state.get("total") or {}
            last = {k: _int(total.get(k)) - _int(before.get(k)) for k in total}
        state["total"] = {k: _int(v) for k, v in total.items()}
        cached = _int(last.get("cached_input_tokens"))
        written = _int(last.get("cache_write_input_tokens"))
        use = Use(f"codex:{state.get('session')}:{_int(total.get('total_tokens'))}", ts,
                  str(state.get("cwd") or ""), str(state.get("model") or ""),
                  max(_int(last.get("input_tokens")) - cached - written, 0),
                  _int(last.get("output_tokens")), written, cached)
        if use.input or use.output or use.cache_write or use.cache_read:
            uses.append(use)
    return Parsed(uses, bad, offset, state)


def parse_gemini(data: bytes, start: int, state: dict[str, Any]) -> Parsed:
    uses, bad, offset = [], 0, start
    state = dict(state)
    if state.get("whole"):
        # An older CLI's session .json file: one (indented) object holding the messages,
        # rewritten whole each time.
        whole = _object(data)
        if whole is None:
            return Parsed([], 1, 0, state)
        state.update(_gemini_meta(whole, state))
        for message in whole.get("messages") or []:
            use = _gemini_use(message, state) if isinstance(message, dict) else None
            if use is not None:
                uses.append(use)
        return Parsed(uses, 0, len(data), state)
    for line, offset in _lines(data, start):
        record = _object(line)
        if record is None:
            bad += bool(line.strip())
            continue
        if "sessionId" in record or "projectHash" in record:
            state.update(_gemini_meta(record, state))
        if isinstance(record.get("$set"), dict):
            state.update(_gemini_meta(record["$set"], state))
        use = _gemini_use(record, state)
        if use is not None:
            uses.append(use)
    return Parsed(uses, bad, offset, state)


def _gemini_meta(record: dict, state: dict[str, Any]) -> dict[str, Any]:
    return {"session": str(record.get("sessionId") or state.get("session") or ""),
            "project": str(record.get("projectHash") or state.get("project") or "")}


def _gemini_use(message: dict, state: dict[str, Any]) -> Use | None:
    tokens = message.get("tokens")
    ts = _ts(message.get("timestamp"))
    if message.get("type") != "gemini" or not isinstance(tokens, dict) or ts is None:
        return None
    cached = _int(tokens.get("cached"))
    use = Use(f"gemini:{state.get('session')}:{message.get('id')}", ts,
              str(state.get("cwd") or ""), str(message.get("model") or ""),
              max(_int(tokens.get("input")) - cached, 0) + _int(tokens.get("tool")),
              _int(tokens.get("output")) + _int(tokens.get("thoughts")), 0, cached)
    return use if use.input or use.output or use.cache_read else None


PARSERS: dict[str, Callable[[bytes, int, dict[str, Any]], Parsed]] = {
    "claude": parse_claude, "codex": parse_codex, "gemini": parse_gemini}
