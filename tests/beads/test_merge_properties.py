"""Properties of the field-level merge, over generated bead records: nothing is dropped,
the result does not depend on which side is "ours", and merging is idempotent."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gastown_tui.beads.jsonl import merge_three, merge_two, normalise

stamps = st.sampled_from(["2025-01-01T00:00:00+00:00", "2025-02-01T00:00:00+00:00",
                          "2025-02-01T01:00:00+01:00", "2025-03-01T00:00:00-08:00"])
words = st.sampled_from(["a", "b", "c", "d", "e"])


@st.composite
def records(draw):
    rid = "x-1"
    rec = {"id": rid, "title": draw(st.sampled_from(["t1", "t2", "t3"])),
           "status": draw(st.sampled_from(["open", "in_progress", "closed"])),
           "priority": draw(st.integers(0, 4)), "issue_type": "task",
           "created_at": "2025-01-01T00:00:00+00:00", "updated_at": draw(stamps),
           "labels": draw(st.lists(words, unique=True)),
           "dependencies": [{"issue_id": rid, "depends_on_id": f"x-{w}", "type": "related"}
                            for w in draw(st.lists(words, unique=True))],
           "comments": [{"id": n, "issue_id": rid, "author": w, "text": f"c{w}",
                         "created_at": "2025-01-05T00:00:00+00:00"}
                        for n, w in enumerate(draw(st.lists(words, unique=True)))],
           "notes": draw(st.sampled_from(["", "n1", "n2"])),
           "mystery": draw(st.sampled_from([None, 1, "x"]))}
    if rec["status"] == "closed":
        rec["closed_at"] = rec["updated_at"]
    return normalise({k: v for k, v in rec.items() if v is not None})


def comment_keys(rec):
    return {(c["author"], c["text"]) for c in rec.get("comments", [])}


@settings(max_examples=300, deadline=None)
@given(records(), records())
def test_merge_two_keeps_everything_and_is_symmetric(a, b):
    m = merge_two(a, b)
    assert m == merge_two(b, a)
    assert merge_two(m, m) == m
    assert set(m.get("labels", [])) == set(a.get("labels", [])) | set(b.get("labels", []))
    assert {d["depends_on_id"] for d in m.get("dependencies", [])} == \
        {d["depends_on_id"] for d in a.get("dependencies", []) + b.get("dependencies", [])}
    assert comment_keys(m) == comment_keys(a) | comment_keys(b)
    if "closed" in (a["status"], b["status"]):
        assert m["status"] == "closed" and m.get("closed_at")
    assert set(m) >= ({"id", "title", "status", "priority"})


@settings(max_examples=300, deadline=None)
@given(records(), records(), records())
def test_merge_three_keeps_additions_and_agrees_both_ways(base, ours, theirs):
    m = merge_three(base, ours, theirs)
    assert m == merge_three(base, theirs, ours)
    for side in (ours, theirs):
        added = set(side.get("labels", [])) - set(base.get("labels", []))
        assert added <= set(m.get("labels", []))
        assert comment_keys(side) <= comment_keys(m)
    if theirs["updated_at"] >= base["updated_at"] and not base.get("comments"):
        assert merge_three(base, base, theirs) == theirs
