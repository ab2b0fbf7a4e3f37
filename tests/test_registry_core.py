"""The registry core: data results, JSON rendering, exit codes, in-process runs."""

import dataclasses
import json

import click

from gastown_tui.commands.core import CommandError, Env, Group, run
from gastown_tui.commands.render import render_text, table


@dataclasses.dataclass
class Item:
    name: str
    count: int


@click.group(cls=Group)
def demo_root():
    """A small tree for testing the core."""


@demo_root.command()
@click.argument("n", type=int)
def items(n):
    return [Item(f"i{k}", k) for k in range(n)]


@demo_root.command()
def fail():
    raise CommandError("nothing here: try 'demo items 2'")


@demo_root.command()
def crash():
    raise RuntimeError("boom")


def test_data_renders_as_table_and_json():
    r = run(demo_root, "items 2", Env())
    assert r.ok and r.data == [Item("i0", 0), Item("i1", 1)]
    assert r.render().splitlines() == ["NAME  COUNT", "i0    0", "i1    1"]
    rj = run(demo_root, "items 2 --json", Env())
    assert json.loads(rj.render()) == [{"name": "i0", "count": 0}, {"name": "i1", "count": 1}]


def test_failures_have_exit_codes_and_one_line_errors():
    r = run(demo_root, "fail", Env())
    assert r.exit_code == 1 and r.error == "nothing here: try 'demo items 2'"
    u = run(demo_root, "items notanumber", Env())
    assert u.exit_code == 2 and "\n" not in u.error
    c = run(demo_root, "crash", Env())
    assert c.exit_code == 1 and c.error.startswith("internal error: RuntimeError: boom")
    q = run(demo_root, 'items "unclosed', Env())
    assert q.exit_code == 2 and "cannot parse" in q.error
    j = run(demo_root, "fail --json", Env())
    assert json.loads(j.render()) == {"error": "nothing here: try 'demo items 2'", "exit_code": 1}


def test_debug_traceback_comes_back_in_process(capsys):
    r = run(demo_root, "crash --debug", Env())
    assert r.exit_code == 1 and "Traceback (most recent call last)" in r.output
    assert "RuntimeError: boom" in r.output and capsys.readouterr().err == ""
    assert run(demo_root, "crash", Env()).output == ""


def test_help_is_captured_not_printed(capsys):
    r = run(demo_root, "--help", Env())
    assert r.exit_code == 0 and "A small tree" in r.output
    assert capsys.readouterr().out == ""


def test_render_helpers():
    assert render_text(None) == ""
    assert render_text({"a": 1, "bb": [1, 2]}) == "a:  1\nbb: 1,2"
    assert table([["x", "1"]], ["NAME", "N"]) == "NAME  N\nx     1"


@demo_root.command(context_settings={"ignore_unknown_options": True})
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def passthrough(argv):
    return list(argv)


def test_json_after_double_dash_belongs_to_the_program():
    r = run(demo_root, "passthrough -- prog --json", Env())
    assert r.ok and r.data == ["prog", "--json"] and not r.as_json
    assert run(demo_root, "passthrough --json -- prog", Env()).as_json
