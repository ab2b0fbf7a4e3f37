"""Times as people read them: "5 min ago", "yesterday", "2026-03-01".

The ledger keeps RFC 3339 stamps (`2026-12-06T07:15:00.725137+00:00`); the app's panels, mail
and results show how long ago that was. At the top of the package, outside the layers (as
`visible.py`), so the town's renderers and the widgets share one wording; it imports nothing
of ours.
"""

from __future__ import annotations

from datetime import datetime, timezone


def _parse(stamp: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def ago(stamp: str, now: datetime | None = None) -> str:
    """"just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", then the date; the
    stamp as it is when it is no time."""
    when = _parse(stamp)
    if when is None:
        return stamp
    now = now or datetime.now(timezone.utc)
    seconds = (now - when).total_seconds()
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h ago"
    days = (now.astimezone().date() - when.astimezone().date()).days
    if days <= 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return when.astimezone().strftime("%Y-%m-%d")


def short_ago(stamp: str, now: datetime | None = None) -> str:
    """The same in at most four cells, for a list: "now", "5m", "3h", "2d", "6w"."""
    when = _parse(stamp)
    if when is None:
        return ""
    seconds = max(0.0, ((now or datetime.now(timezone.utc)) - when).total_seconds())
    for size, unit in ((604800, "w"), (86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return "now"


def local_time(stamp: str) -> str:
    """The stamp in the reader's time zone, to the minute: "2026-12-06 08:15"."""
    when = _parse(stamp)
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else stamp
