"""Telling a person that something needs them, when the app is not in front of them: which
town events are worth it, the notice each gives, and the channels outside the terminal.

The host decides (`host/notifier.py`): every event goes through `notice_for`, then through a
`Gate` that drops repeats and holds a flood back, and what passes is published as a `notice`
event, which attached apps write to their own terminal (`term/alerts.py`), while the host runs
the town's `notify_command` and the desktop's `notify-send`. `gt notify test` sends one.

The rule (README): an agent waiting on a dialog is told about only once it has waited a while
(`notify_wait_grace`: the host answers start-up dialogs itself within a second); one notice
per kind and subject (an agent, a merge request, a convoy) and text at most every ten
minutes; at most five notices a minute in all, the rest told in one summary when the minute
is over.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import time
from typing import Any, Callable, Mapping

from .mq import MAX_REJECTIONS

KINDS = ("waiting", "limited", "stuck", "rejected", "review", "landed", "summary", "test")
DEDUP_S = 600.0
RATE = 5               # notices per window, the rest summed up after it
WINDOW_S = 60.0
COMMAND_TIMEOUT_S = 10.0
TITLE = "Gas Town"


@dataclasses.dataclass
class Notice:
    kind: str
    text: str
    agent: str | None = None
    rig: str | None = None
    bead: str | None = None
    convoy: str | None = None
    time: str = ""

    def payload(self) -> dict[str, Any]:
        """The JSON object `notify_command` reads on its stdin."""
        return {"kind": self.kind, "agent": self.agent, "rig": self.rig, "bead": self.bead,
                "convoy": self.convoy, "text": self.text,
                "time": self.time or time.strftime("%Y-%m-%dT%H:%M:%S%z")}

    @property
    def key(self) -> tuple:
        return (self.kind, self.agent, self.bead, self.convoy, self.text)

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> "Notice":
        """A published `notice` event back as a Notice (apps and `gt notify test`)."""
        return cls(str(event.get("what") or "test"), str(event.get("text") or ""),
                   event.get("agent"), event.get("rig"), event.get("bead"),
                   event.get("convoy"), str(event.get("time") or ""))


def _until(epoch: float | None) -> str:
    if not epoch:
        return ""
    return time.strftime(" (resets %H:%M)", time.localtime(epoch))


def notice_for(event: Mapping[str, Any],
               where: Callable[[str], tuple[str | None, str | None]] = lambda _n: (None, None)
               ) -> Notice | None:
    """The notice a town event gives a person, or None. `where(agent)` is the agent's rig and
    the bead on its hook, as the host knows them."""
    kind = event.get("kind")
    when = str(event.get("time") or "")
    agent = event.get("agent")
    if kind == "agent_state" and event.get("new") in ("waiting", "limited") and agent:
        rig, bead = where(agent)
        reason = str(event.get("reason") or "")
        if event["new"] == "waiting":
            text = f"{agent} is waiting" + (f": {reason}" if reason else " for an answer")
        else:
            text = (f"{agent} hit its usage limit" + (f" ({reason})" if reason else "")
                    + _until(event.get("resets_at")))
        return Notice(event["new"], text + (f" on {bead}" if bead else ""), agent, rig, bead,
                      time=when)
    if kind == "agent_stuck" and agent:
        rig, bead = where(agent)
        bead = event.get("issue") or bead
        why = event.get("reason") or (f"it exited {event['respawns']} times"
                                      if event.get("respawns") else "")
        return Notice("stuck", f"{agent} is stuck" + (f" on {bead}" if bead else "")
                      + (f": {why}" if why else ""), agent, event.get("rig") or rig, bead,
                      time=when)
    if kind == "mr_rejected" and int(event.get("rejections") or 0) >= MAX_REJECTIONS:
        mr, bead = event.get("mr"), event.get("issue")
        text = event.get("needs_you") or (f"{bead or mr} was rejected "
                                          f"{event.get('rejections')} times: gt diff {mr}")
        return Notice("rejected", str(text), None, event.get("rig"), bead, time=when)
    if kind == "mr_review":
        mr, bead = event.get("mr"), event.get("issue")
        return Notice("review", f"{mr} ({bead}) passed its gate and waits for your review: "
                      f"gt diff {mr}, then gt mq approve {mr}", None, event.get("rig"), bead,
                      time=when)
    if kind == "convoy_landed":
        return Notice("landed", f"convoy landed: {event.get('title') or event.get('id')}",
                      convoy=event.get("id"), time=when)
    return None


class Gate:
    """Drops repeats and holds back a flood (the rule in the module's docstring)."""

    def __init__(self, window: float = WINDOW_S, rate: int = RATE, dedup: float = DEDUP_S):
        self.window, self.rate, self.dedup = window, rate, dedup
        self._seen: dict[tuple, float] = {}
        self._sent: list[float] = []
        self.held: list[Notice] = []

    def offer(self, notice: Notice, now: float) -> bool:
        """True: send it now. False: a repeat (dropped) or one too many (held)."""
        last = self._seen.get(notice.key)
        if last is not None and now - last < self.dedup:
            return False
        self._seen = {k: t for k, t in self._seen.items() if now - t < self.dedup}
        self._seen[notice.key] = now
        self._sent = [t for t in self._sent if now - t < self.window]
        if len(self._sent) >= self.rate:
            self.held.append(notice)
            return False
        self._sent.append(now)
        return True

    def next_free(self, now: float) -> float:
        """Seconds until the window has room again."""
        self._sent = [t for t in self._sent if now - t < self.window]
        if len(self._sent) < self.rate:
            return 0.0
        return self._sent[0] + self.window - now

    def summary(self, now: float) -> Notice | None:
        """What was held, as one notice, once the window has room (it counts as one sent)."""
        if not self.held or self.next_free(now) > 0:
            return None
        held, self.held = self.held, []
        self._sent.append(now)
        if len(held) == 1:
            return held[0]
        shown = "; ".join(n.text for n in held[:3]) + ("; …" if len(held) > 3 else "")
        return Notice("summary", f"{len(held)} more things need you: {shown}")


# ---------------------------------------------------------------------- channels


@dataclasses.dataclass
class Sent:
    """What one channel did with a notice: `ok`, and in words what happened."""

    channel: str
    ok: bool
    detail: str


def run_command(command: str, notice: Notice, cwd: str, environ: Mapping[str, str],
                timeout: float = COMMAND_TIMEOUT_S) -> Sent:
    """`notify_command` (a shell command line) with the notice's JSON on its stdin, and its
    kind and text in GT_NOTIFY_KIND and GT_NOTIFY_TEXT for one-liners."""
    data = json.dumps(notice.payload(), ensure_ascii=False) + "\n"
    env = {**environ, "GT_NOTIFY_KIND": notice.kind, "GT_NOTIFY_TEXT": notice.text}
    try:
        proc = subprocess.Popen(["sh", "-c", command], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd,
                                env=env, start_new_session=True)
    except OSError as e:
        return Sent("notify_command", False, f"could not run it: {e}")
    try:
        _out, err = proc.communicate(data.encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return Sent("notify_command", False, f"still running after {timeout:g} s: stopped")
    if proc.returncode != 0:
        last = (err or b"").decode(errors="replace").strip().splitlines()[-1:] or [""]
        return Sent("notify_command", False,
                    f"exit code {proc.returncode}" + (f": {last[0][:200]}" if last[0] else ""))
    return Sent("notify_command", True, "sent")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def desktop(notice: Notice, environ: Mapping[str, str],
            timeout: float = COMMAND_TIMEOUT_S) -> Sent:
    """A desktop notification through `notify-send`, where it is installed."""
    exe = shutil.which("notify-send", path=environ.get("PATH"))
    if exe is None:
        return Sent("desktop", False, "notify-send is not installed")
    urgency = "normal" if notice.kind in ("landed", "test") else "critical"
    try:
        proc = subprocess.run([exe, "-a", TITLE, "-u", urgency, TITLE, notice.text],
                              capture_output=True, text=True, timeout=timeout,
                              env=dict(environ), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        return Sent("desktop", False, f"notify-send failed: {e}")
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return Sent("desktop", False, f"notify-send failed: {why[:200]}")
    return Sent("desktop", True, "sent with notify-send")
