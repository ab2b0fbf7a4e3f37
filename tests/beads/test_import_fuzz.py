"""`bd import` of generated lines, hostile ones among them: each line is imported whole or kept
aside in issues.jsonl.rejected with its line number; never a traceback, never an empty bead or
one bent into shape."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gastown_tui.beads import Ledger
from gastown_tui.beads.jsonl import normalise
from gastown_tui.beads.model import DEP_TYPES, ISSUE_TYPES, STATUSES
from gastown_tui.commands.bd import run
from gastown_tui.commands.core import Env

HOSTILE_IDS = ["x", "pr-../../evil", "pr-$(touch pwned)", "pr-`id`", "pr-a/b", "pr-a..1",
               "pr-a b", "-pr-a", "pr-", "pr-a\x00", "pr-" + "a" * 120, "", "pr-é"]
STAMPS = ["2025-01-01T00:00:00+00:00", "2025-02-01T01:00:00+01:00", "2025-03-01T00:00:00Z",
          "yesterday", ""]
anything = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                        lambda kids: st.lists(kids, max_size=3)
                        | st.dictionaries(st.text(max_size=5), kids, max_size=3), max_leaves=6)
# Text with what breaks naive code: controls, a lone surrogate, line separators, NUL.
text = st.text(st.characters(codec=None, exclude_categories=()), max_size=12) | st.sampled_from(
    ["", " ", "\u2028", "a\u0085b", "\x0c", "\ud800", "\x00", "\x1b]52;c;cHduZWQ=\x07"])


def _maybe(strategy):
    return st.one_of(st.just(None), strategy)


VALID = {
    "title": st.text(st.characters(codec="utf-8"), min_size=1, max_size=12).filter(str.strip)
    | st.sampled_from(["a\u2028b", "x\u0085y", "\x1b]52;c;cHduZWQ=\x07clip", "bell\x07"]),
    "description": st.text(max_size=12),
    "status": st.sampled_from(STATUSES),
    "priority": st.integers(0, 4),
    "issue_type": st.sampled_from(ISSUE_TYPES),
    "assignee": st.text(max_size=8),
    "estimated_minutes": st.integers(0, 10 ** 6),
    "created_at": st.sampled_from(STAMPS[:3]),
    "updated_at": st.sampled_from(STAMPS[:3]),
    "ephemeral": st.booleans(),
    "labels": st.lists(st.text(min_size=1, max_size=6).filter(str.strip), max_size=3),
    "dependencies": st.lists(st.fixed_dictionaries(
        {"depends_on_id": st.sampled_from(["pr-zz", "ext-1", "hq-cv-9"]),
         "type": st.sampled_from(DEP_TYPES)}), max_size=2),
    "comments": st.lists(st.fixed_dictionaries(
        {"id": st.integers(0, 9), "author": st.text(max_size=5), "text": text,
         "created_at": st.sampled_from(STAMPS[:3])}), max_size=2),
    "mystery": anything,
}
HOSTILE = {
    "title": st.one_of(st.just(""), st.just("   "), st.integers(), st.just(None)),
    "description": st.integers(),
    "status": st.sampled_from(["weird", "", 3, "OPEN"]),
    "priority": st.sampled_from([-1, 5, 99, 10 ** 25, True, "P1", 2.0]),
    "issue_type": st.sampled_from(["nonsense", "", "Bug"]),
    "assignee": st.sampled_from([5, ["a"], {"x": 1}]),
    "estimated_minutes": st.sampled_from([-5, 10 ** 30, "5", 1.5]),
    "created_at": st.sampled_from(["yesterday", 5]),
    "updated_at": st.sampled_from(["2025-13-45T99:00:00", 0]),
    "ephemeral": st.sampled_from(["yes", 1, 0]),
    "labels": st.sampled_from([[5], [""], ["a", None], "notalist"]),
    "dependencies": st.sampled_from([[{"type": "blocks"}], [{"depends_on_id": "a b"}],
                                     [{"depends_on_id": "pr-zz", "type": "bogus"}], [7]]),
    "comments": st.sampled_from([[{"id": "abc"}], [5], [{"text": 7}]]),
    "text": st.just("\ud800"),
}


@st.composite
def records(draw, rid):
    """A bead record: every field valid, or with one field (or the id) made hostile."""
    keys = draw(st.lists(st.sampled_from(sorted(VALID)), unique=True))
    rec = {"id": rid, "title": draw(VALID["title"]),
           **{k: draw(VALID[k]) for k in keys}}
    if draw(st.booleans()):
        bad = draw(st.sampled_from(sorted(HOSTILE)))
        value = draw(HOSTILE[bad])
        if bad == "text":
            rec["title"] += value
        elif value is None:
            rec.pop(bad, None)
        else:
            rec[bad] = value
    return rec


def _garbage() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=30).map(lambda s: s.replace("\n", " ")),
        anything.map(json.dumps),
        st.sampled_from(["[" * 5000, "1" * 5000, '{"id": "pr-q", "title": "' + "\\ud800" + '"}',
                         "{" + "1" * 5000 + "}", "null", '{"id":"x"}', "\r"]))


@st.composite
def files(draw):
    """Lines of a JSONL file, each a record (with a unique id, valid or hostile) or garbage."""
    lines = []
    for n in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            lines.append(draw(_garbage()))
            continue
        rid = draw(st.sampled_from(HOSTILE_IDS)) if draw(st.integers(0, 5)) == 0 \
            else f"pr-f{n}"
        rec = draw(records(rid))
        lines.append(json.dumps(rec, ensure_ascii=draw(st.booleans())))
    return lines


def _expected(rec: dict) -> dict:
    """What a whole import of `rec` holds: the record in bd's field order, with the defaults
    the ledger stores for a missing status and type."""
    return _same_comments(normalise({**rec, "status": rec.get("status") or "open",
                                     "issue_type": rec.get("issue_type") or "task"}))


def _same_comments(rec: dict) -> dict:
    """Comment ids are each ledger's own (as in every clone of a bd ledger): compare the rest."""
    if rec.get("comments"):
        rec = {**rec, "comments": [{k: v for k, v in c.items() if k != "id"}
                                   for c in rec["comments"]]}
    return rec


COUNTS = {"lines": 0, "imported": 0, "rejected": 0}


@pytest.fixture(scope="module")
def template():
    """An empty ledger made once; each example gets a copy (making one per example would be
    most of the test's time)."""
    folder = Path(tempfile.mkdtemp(prefix="bd-fuzz-template-"))
    try:
        Ledger.init(folder / ".beads", "pr").close_db()
        yield folder / ".beads"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files())
def test_each_line_is_imported_whole_or_rejected_with_its_number(template, lines):
    base = Path(tempfile.mkdtemp(prefix="bd-fuzz-"))
    try:
        shutil.copytree(template, base / ".beads")
        source = base / "in.jsonl"
        source.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n")
        res = run(["import", "-i", str(source)], Env(cwd=base, environ={"BD_ACTOR": "fuzz"}))
        assert "internal error" not in (res.error or ""), res.error
        if res.exit_code:
            # Not one bead record in the file: refused whole, naming the first bad line.
            assert "holds no bead records" in res.error and f"{source}:" in res.error, res.error
            assert (base / ".beads/issues.jsonl").read_text() == ""
            COUNTS["lines"] += sum(1 for x in lines if x.strip())
            COUNTS["rejected"] += sum(1 for x in lines if x.strip())
            return
        rejected = (base / ".beads/issues.jsonl.rejected")
        rejected = rejected.read_text(errors="replace") if rejected.exists() else ""
        exported = {json.loads(x)["id"]: json.loads(x)
                    for x in (base / ".beads/issues.jsonl").read_text().split("\n") if x}
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            COUNTS["lines"] += 1
            try:
                rec = json.loads(line)
            except (ValueError, RecursionError):
                rec = None
            rid = rec.get("id") if isinstance(rec, dict) else None
            if isinstance(rid, str) and rid in exported:
                COUNTS["imported"] += 1
                assert _same_comments(exported[rid]) == _expected(rec), (line, exported[rid])
                assert exported[rid]["title"].strip()
            else:
                COUNTS["rejected"] += 1
                assert f"{source}:{lineno}: " in rejected, (lineno, line, rejected)
        assert set(exported) <= {json.loads(x).get("id") for x in lines if _is_json(x)}
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _is_json(line: str) -> bool:
    """Whether the line is a JSON object."""
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def test_fuzz_covered_both_outcomes():
    """Runs after the fuzz test (file order): it must have seen lines of both kinds."""
    assert COUNTS["imported"] > 50 and COUNTS["rejected"] > 50, COUNTS


def test_what_the_adversarial_run_imported(template, tmp_path):
    """The lines an adversarial run got in: each refused with its line number and the bound
    or vocabulary named; the good line beside them is imported."""
    shutil.copytree(template, tmp_path / ".beads")
    lines = ['{"id":"pr-w1","title":"t","status":"weird"}',
             '{"id":"pr-w2","title":"t","priority":99}',
             '{"id":"pr-w3","title":"t","issue_type":"nonsense"}',
             '{"id":"pr-../../evil","title":"t"}', '{"id":"pr-$(touch x)","title":"t"}',
             '{"id":"pr-`id`","title":"t"}', '{"id":"x"}', '{"id":"pr-x1"}',
             '{"id":"pr-ok","title":"fine"}']
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n")
    res = run(["import", "-i", str(source)], Env(cwd=tmp_path, environ={"BD_ACTOR": "t"}))
    assert res.exit_code == 0 and "1 new" in res.render()
    rejected = (tmp_path / ".beads/issues.jsonl.rejected").read_text()
    for lineno, said in enumerate(["unknown status 'weird': one of open",
                                   "'priority' must be a whole number from 0 to 4, not 99",
                                   "unknown type 'nonsense': one of bug", "is not PREFIX-HASH",
                                   "is not PREFIX-HASH", "is not PREFIX-HASH",
                                   "is not PREFIX-HASH", "no 'title'"], 1):
        assert f"{source}:{lineno}: {said}" in rejected or (
            f"{source}:{lineno}: the 'id' {said}" in rejected), (lineno, said)
    assert [json.loads(x)["id"] for x in (tmp_path / ".beads/issues.jsonl").read_text()
            .splitlines()] == ["pr-ok"]
