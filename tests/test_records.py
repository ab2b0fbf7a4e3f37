"""Light records (records.py) behave as the dataclasses they replace where the code relies on
it: construction, defaults, equality, replace, field lists, text-hidden fields, repr."""

from __future__ import annotations

import pytest

from gastown_tui.commands.render import field_names as shown, render_text, to_jsonable
from gastown_tui.records import Factory, field_names, record, replace
from gastown_tui.town.mail import Letter, Message
from gastown_tui.town.model import Rig


@record
class Point:
    x: int
    y: int = 0
    tags: list[str] = Factory(list)
    note: str = ""
    __text_hidden__ = ("note",)


def test_construction_defaults_and_equality():
    a, b = Point(1), Point(x=1)
    assert a == b and a.tags == [] and a.tags is not b.tags
    assert Point(1, 2, ["t"], "n") == Point(x=1, y=2, tags=["t"], note="n") != Point(1, 3)
    with pytest.raises(TypeError):
        Point()
    with pytest.raises(TypeError):
        hash(a)


def test_replace_copies_with_changes_and_refuses_unknown_fields():
    a = Point(1, 2, ["t"], "n")
    b = replace(a, y=5)
    assert (b.x, b.y, b.tags, b.note) == (1, 5, ["t"], "n") and a.y == 2
    assert replace(a) == a and replace(a) is not a
    with pytest.raises(TypeError):
        replace(a, z=1)
    assert field_names(a) == field_names(Point) == ("x", "y", "tags", "note")


def test_text_hidden_fields_show_in_json_only():
    p = Point(1, note="kept for JSON")
    assert shown(p, "text") == ["x", "y", "tags"]
    assert to_jsonable(p) == {"x": 1, "y": 0, "tags": [], "note": "kept for JSON"}
    m = Message("hq-1", "mayor/", "a/polecats/b", "Subject", False, False, "t", "hq-1",
                body="the body")
    assert "body" not in shown(m, "text") and to_jsonable(m)["body"] == "the body"
    assert Letter(m).to_json()["body"] == "the body"
    assert "the body" not in render_text([m])


def test_a_class_keeps_its_own_repr():
    rig = Rig(object(), "proj", "url", "main", "pr")
    assert repr(rig) == "Rig(name='proj', url='url', branch='main', prefix='pr', added='')"
