"""Agents read their hook again by themselves when a session starts, resumes or is compacted:
`gt prime` is installed as a SessionStart hook in the settings each agent CLI reads from the
folder it works in.

- Claude Code (2.1): `.claude/settings.local.json`, its per-folder settings that are never
  committed (Claude Code gitignores them itself), `hooks.SessionStart` with the matcher
  `startup|resume|compact`; what the hook prints goes into the model's context.
- Gemini CLI (0.61): `.gemini/settings.json` (the folder's settings, read in a trusted
  folder), `hooks.SessionStart` (sources startup, resume, clear); only JSON output reaches
  the model (`hookSpecificOutput.additionalContext`), so it runs `gt prime --hook`.
- Codex and the others have no such hook here (Codex's are an experimental feature behind a
  flag): the host types the first prompt, "run `gt prime`", after every start.

A person's own settings are merged with, never replaced: the hook is added beside theirs, once.
A settings file the project tracks in git is left alone (the agent would commit the change), as
is one that is not a JSON object (it is the person's to fix). A file made here is kept out of
commits through the repository's `info/exclude`.
"""

from __future__ import annotations

import json
from pathlib import Path

CLAUDE_FILE = ".claude/settings.local.json"
GEMINI_FILE = ".gemini/settings.json"
CLAUDE_MATCHER = "startup|resume|compact"
CLAUDE_COMMAND = "gt prime"
GEMINI_COMMAND = "gt prime --hook"

# family (host.presets.term_preset's name) -> (file, SessionStart entry)
HOOKS = {
    "claude": (CLAUDE_FILE, {"matcher": CLAUDE_MATCHER,
                             "hooks": [{"type": "command", "command": CLAUDE_COMMAND}]}),
    "gemini": (GEMINI_FILE, {"matcher": "*",
                             "hooks": [{"type": "command", "command": GEMINI_COMMAND,
                                        "name": "gastown-prime"}]}),
}


def install(folder: Path, family: str) -> Path | None:
    """Make sure the agent CLI `family` running in `folder` primes itself at each session
    start; returns the settings file when it holds the hook now (None: this family has no
    hook, or the file was left alone)."""
    spec = HOOKS.get(family)
    if spec is None:
        return None
    name, entry = spec
    path = folder / name
    if _tracked(folder, name):
        return None
    existed = path.exists()
    if existed:
        try:
            data = json.loads(path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
    else:
        data = {}
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        return None
    starts = hooks.setdefault("SessionStart", [])
    if not isinstance(starts, list):
        return None
    command = entry["hooks"][0]["command"]
    if not any(isinstance(e, dict) and any(isinstance(h, dict) and h.get("command") == command
                                           for h in e.get("hooks") or [])
               for e in starts):
        from .paths import write_atomic

        starts.append(entry)
        write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    if not existed or name == CLAUDE_FILE:
        from .sling import _exclude

        _exclude(folder, "/" + name)
    return path


def _tracked(folder: Path, name: str) -> bool:
    import pygit2

    try:
        repo = pygit2.Repository(str(folder))
    except pygit2.GitError:
        return False
    try:
        return name in repo.index
    except pygit2.GitError:
        return False


def hook_output(text: str) -> str:
    """`gt prime --hook`: the prime as a SessionStart hook's JSON, which Gemini CLI (and
    Claude Code) put into the model's context."""
    return json.dumps({"hookSpecificOutput": {"hookEventName": "SessionStart",
                                              "additionalContext": text}})
