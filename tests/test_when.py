"""Times as people read them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from gastown_tui.when import ago, local_time, short_ago

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


def stamp(**delta: float) -> str:
    return (NOW - timedelta(**delta)).isoformat()


def test_ago_reads_as_people_say_it():
    assert ago(stamp(seconds=10), NOW) == "just now"
    assert ago(stamp(minutes=5, seconds=4), NOW) == "5 min ago"
    assert ago(stamp(hours=3), NOW) == "3 h ago"
    assert ago(stamp(days=3), NOW) == "3 days ago"
    assert ago(stamp(days=40), NOW) == (NOW - timedelta(days=40)).astimezone().strftime(
        "%Y-%m-%d")
    assert ago("2026-12-06T07:15:00.725137+00:00", NOW) == "5 h ago"
    assert ago("not a time", NOW) == "not a time"


def test_short_ago_fits_a_column():
    assert [short_ago(stamp(**d), NOW) for d in (
        {"seconds": 3}, {"minutes": 5}, {"hours": 3}, {"days": 2}, {"days": 20})] == \
        ["now", "5m", "3h", "2d", "2w"]
    assert short_ago("", NOW) == ""


def test_local_time_is_to_the_minute():
    assert local_time("2026-12-06T07:15:00.725137+00:00") == datetime(
        2026, 12, 6, 7, 15, tzinfo=timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")
