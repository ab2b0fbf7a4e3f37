"""The control socket's wire format: one JSON object per line, both ways (the typed requests
and replies these carry are in `api.py`).

Request:  {"v": 2, "id": 1, "op": "agents", "args": {...}}   (no "id": a notice, no reply)
Reply:    {"v": 2, "id": 1, "ok": true, "result": ...}
          {"v": 2, "id": 1, "ok": false, "error": "one line that says what to do", "exit_code": 1}
Push:     {"push": "frame", ...} to a connection that sent `watch` (see api.py)
Stream:   after {"op": "subscribe"} is answered, the host sends {"event": {...}} lines until
          either side closes.

Lines are capped so a confused or hostile client cannot make the host buffer without bound.
"""

from __future__ import annotations

import json
from typing import Any

from .api import PROTOCOL

MAX_LINE = 4 * 1024 * 1024


class ProtocolError(Exception):
    pass


def encode(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except ValueError as e:
        raise ProtocolError(f"not a JSON line ({e})") from None
    if not isinstance(obj, dict):
        raise ProtocolError("a request must be a JSON object")
    return obj


def request(op: str, args: dict[str, Any] | None = None, req_id: int | None = 1
            ) -> dict[str, Any]:
    out = {"v": PROTOCOL, "op": op, "args": args or {}}
    if req_id is not None:
        out["id"] = req_id
    return out


def reply_ok(req_id: Any, result: Any) -> dict[str, Any]:
    return {"v": PROTOCOL, "id": req_id, "ok": True, "result": result}


def reply_error(req_id: Any, error: str, exit_code: int = 1) -> dict[str, Any]:
    return {"v": PROTOCOL, "id": req_id, "ok": False, "error": error, "exit_code": exit_code}
