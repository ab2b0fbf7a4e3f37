"""One Claude Code reply in a transcript where the cost readers look for it: Sonnet, 1,000
tokens in and 2,000 out ($0.03), dated now. Shared by the app's and the host's status tests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from gastown_tui.town.transcripts import claude_folder


def write_one_reply(home: Path, worktree: Path) -> None:
    entry = {"type": "assistant", "cwd": str(worktree), "requestId": "req_1",
             "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(),
             "message": {"id": "msg_1", "model": "claude-sonnet-4-5-20250929",
                         "usage": {"input_tokens": 1000, "output_tokens": 2000,
                                   "cache_creation_input_tokens": 0,
                                   "cache_read_input_tokens": 0}}}
    path = home / ".claude/projects" / claude_folder(str(worktree)) / "s.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(entry) + "\n")
