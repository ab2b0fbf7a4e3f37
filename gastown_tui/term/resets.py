"""When a usage limit resets, from the words an agent CLI prints about it.

The CLIs print the time in their own ways (recorded in tests/term/recordings):

    Claude Code   resets 3pm (Europe/Berlin)        resets Dec 9, 3:09pm (Europe/Berlin)
    Codex         try again at 12:41 PM.            try again at Dec 8th, 2026 11:41 AM.
    Gemini CLI    Access resets at 12:41 PM GMT+1.
    any           try again in 2h 13m               Please retry in 45s

`reset_time(text, now)` turns the first of these it finds into an aware datetime. A time
without a zone is read in `now`'s zone (the agent runs on this machine, in its zone); a time
of day without a date is the next one from `now`; a zone this machine does not know gives
None rather than a time hours off.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

__all__ = ["reset_time"]

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}

_RELATIVE = re.compile(
    r"(?i)\b(?:in|after)\s+((?:\d+(?:\.\d+)?\s*(?:ms|[dhms]|days?|hours?|hrs?|minutes?|mins?"
    r"|seconds?|secs?)\b[\s,]*(?:and\s+)?)+)")
_AMOUNT = re.compile(r"(?i)(\d+(?:\.\d+)?)\s*(ms|[dhms]|days?|hours?|hrs?|minutes?|mins?|"
                     r"seconds?|secs?)\b")
_ABSOLUTE = re.compile(
    r"(?i)(?:\b(?P<mon>" + "|".join(_MONTHS) + r")[a-z]*\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?"
    r",?(?:\s+(?P<year>\d{4}),?)?\s+)?"
    r"\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>[ap])?(?(ampm)\.?m\b\.?)"
    r"(?:\s*\((?P<iana>[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)*)\)"
    r"|\s+(?-i:(?P<abbr>(?:UTC|GMT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Z]{3,4}))\b)?")
# Abbreviations that name one offset (en-US prints these); ambiguous ones (IST, CST in Asia)
# are read as the US/European ones a person here most likely means.
_ABBREVIATIONS = {"UTC": 0, "GMT": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2,
                  "EET": 2, "EEST": 3, "MSK": 3, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
                  "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8,
                  "HST": -10, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11}


def _zone(iana: str | None, abbr: str | None, local: tzinfo) -> tzinfo | None:
    if iana:
        if iana.upper() in ("UTC", "GMT"):
            return timezone.utc
        try:
            from zoneinfo import ZoneInfo

            return ZoneInfo(iana)
        except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            return None
    if not abbr:
        return local
    m = re.fullmatch(r"(?:UTC|GMT)([+-])(\d{1,2})(?::?(\d{2}))?", abbr)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0)))
    if abbr in _ABBREVIATIONS:
        return timezone(timedelta(hours=_ABBREVIATIONS[abbr]))
    return None


def reset_time(text: str, now: datetime) -> datetime | None:
    """The reset time `text` gives (aware), or None. `now` must be aware."""
    rel = _RELATIVE.search(text)
    if rel:
        seconds = 0.0
        for amount, unit in _AMOUNT.findall(rel.group(1)):
            unit = unit.lower()
            key = "ms" if unit == "ms" else unit[0]
            seconds += float(amount) * _UNITS[key]
        return now + timedelta(seconds=seconds)
    for m in _ABSOLUTE.finditer(text):
        if m.group("ampm") is None and m.group("m") is None:
            continue  # a bare number is not a time
        zone = _zone(m.group("iana"), m.group("abbr"), now.tzinfo)
        if zone is None:
            return None
        hour, minute = int(m.group("h")), int(m.group("m") or 0)
        if m.group("ampm"):
            if not 1 <= hour <= 12:
                continue
            hour = hour % 12 + (12 if m.group("ampm").lower() == "p" else 0)
        if minute > 59 or hour > 23:
            continue
        here = now.astimezone(zone)
        if m.group("mon"):
            year = int(m.group("year") or here.year)
            month = _MONTHS.index(m.group("mon").lower()[:3]) + 1
            try:
                when = datetime(year, month, int(m.group("day")), hour, minute, tzinfo=zone)
            except ValueError:
                continue
            if not m.group("year") and when < here - timedelta(days=1):
                when = when.replace(year=year + 1)
            return when
        when = here.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if when < here - timedelta(minutes=1):
            when += timedelta(days=1)
        return when
    return None
