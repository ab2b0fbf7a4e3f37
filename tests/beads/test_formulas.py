"""Formulas and molecules: the README's release example end to end, the search path, and
every validation error naming the file and the key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

RELEASE = '''\
description = "Standard release process"
formula = "release"
version = 1
[vars.version]
description = "The semantic version to release (e.g., 1.2.0)"
required = true
[[steps]]
id = "bump-version"
title = "Bump version"
description = "Run ./scripts/bump-version.sh {{version}}"
[[steps]]
id = "run-tests"
title = "Run tests"
description = "Run make test"
needs = ["bump-version"]
[[steps]]
id = "build"
title = "Build"
description = "Run make build"
needs = ["run-tests"]
[[steps]]
id = "create-tag"
title = "Create release tag"
description = "Run git tag -a v{{version}} -m 'Release v{{version}}'"
needs = ["build"]
[[steps]]
id = "publish"
title = "Publish"
description = "Run ./scripts/publish.sh"
needs = ["create-tag"]
'''


def put(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.formula.toml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def formulas(workdir):
    return workdir / ".beads" / "formulas"


def test_readme_release_example(bd, formulas):
    put(formulas, "release", RELEASE)
    listed = bd.json("formula", "list")
    assert [(f["name"], f["steps"], f["vars"]) for f in listed] == [("release", 5, ["version"])]
    assert "release" in bd("formula", "list").render()
    shown = bd.json("formula", "show", "release")
    assert [s["id"] for s in shown["steps"]][0] == "bump-version"
    cooked = bd.json("cook", "release", "--var", "version=1.2.0")
    assert cooked["steps"][3]["description"] == "Run git tag -a v1.2.0 -m 'Release v1.2.0'"
    text = bd("cook", "release", "--var", "version=1.2.0", "--dry-run").render()
    assert "bump-version.sh 1.2.0" in text
    assert bd.json("list", "--all") == []                       # cook writes nothing
    poured = bd.json("mol", "pour", "release", "--var", "version=1.2.0")
    root = poured["id"]
    assert root.startswith("tt-mol-") and poured["issue_type"] == "molecule"
    assert [s["id"] for s in poured["steps"]] == [f"{root}.{n}" for n in range(1, 6)]
    assert [s["ready"] for s in poured["steps"]] == [True, False, False, False, False]
    mols = bd.json("mol", "list")
    assert mols == [{"id": root, "title": "release (version=1.2.0)", "status": "open",
                     "closed": 0, "total": 5}]
    steps = [s["id"] for s in poured["steps"]]
    for n, step in enumerate(steps):
        assert [i["id"] for i in bd.json("ready")] == [step]
        bd.json("close", step)
        assert bd.json("mol", "list")[0]["closed"] == n + 1
    assert bd.json("ready") == []
    text = bd("mol", "show", root).render()
    assert "5/5 steps closed" in text and "create-tag" in text
    assert "1/5" not in bd("mol", "list").render()


def test_search_path_order(bd, workdir, home, tmp_path):
    put(home / ".beads" / "formulas", "shared", '''
        formula = "shared"
        description = "from home"
        [[steps]]
        id = "a"
    ''')
    town = tmp_path / "town"
    put(town / ".beads" / "formulas", "shared", '''
        formula = "shared"
        description = "from town"
        [[steps]]
        id = "a"
    ''')
    put(town / ".beads" / "formulas", "townonly", '''
        [[steps]]
        id = "a"
    ''')
    got = {f["name"]: f["description"] for f in bd.json("formula", "list",
                                                         GT_TOWN_ROOT=str(town))}
    assert got == {"shared": "from home", "townonly": ""}
    put(workdir / ".beads" / "formulas", "shared", '''
        formula = "shared"
        description = "from the ledger"
        [[steps]]
        id = "a"
    ''')
    assert bd.json("formula", "show", "shared")["description"] == "from the ledger"
    (town / "mayor").mkdir()
    (town / "mayor" / "town.toml").write_text("")
    rig = town / "rig"
    rig.mkdir()
    assert "townonly" in {f["name"] for f in bd.json("formula", "list", cwd=rig,
                                                      BEADS_DIR=str(workdir / ".beads"))}


BROKEN = [
    ('''
        [[steps]]
        id = "a"
        [[steps]]
        id = "b"
        nedds = ["a"]
     ''', "steps[1].nedds: unknown key; did you mean 'needs'?"),
    ('''
        [vars.v]
        requried = true
        [[steps]]
        id = "a"
     ''', "vars.v.requried: unknown key; did you mean 'required'?"),
    ('''
        [[steps]]
        id = "a"
        needs = ["ghost"]
     ''', "steps[0].needs: step 'a' needs unknown step 'ghost'"),
    ('''
        [[steps]]
        id = "a"
        needs = ["b"]
        [[steps]]
        id = "b"
        needs = ["a"]
     ''', "cycle: a -> b -> a"),
    ('''
        [vars.v]
        required = true
        default = "1"
        [[steps]]
        id = "a"
     ''', "vars.v: 'required' together with 'default'"),
    ('''
        [vars.v]
        enum = ["x", "y"]
        default = "z"
        [[steps]]
        id = "a"
     ''', "vars.v.default: 'z' is not one of x, y"),
    ('''
        [[steps]]
        id = "a"
        title = "{{nope}}"
     ''', "steps[0].title: uses {{nope}} but there is no [vars.nope]"),
    ('''
        [[steps]]
        id = "a"
        assignee = "{{who}}"
     ''', "steps[0].assignee: uses {{who}} but there is no [vars.who]"),
    ('''
        description = "Ship {{what}}"
        [[steps]]
        id = "a"
     ''', "description: uses {{what}} but there is no [vars.what]"),
    ('''
        [[steps]]
        id = "a"
        id = "b"
     ''', "TOML syntax error"),
    ('''
        version = 0
        [[steps]]
        id = "a"
     ''', "version: must be a whole number >= 1"),
    ('''
        description = "no steps"
     ''', "steps: a formula needs at least one"),
    ('''
        [[steps]]
        id = "a"
        [[steps]]
        id = "a"
     ''', "steps[1].id: duplicate step id 'a'"),
    ('''
        [[steps]]
        id = "a"
        priority = 9
     ''', "steps[0].priority: must be 0-4"),
]


@pytest.mark.parametrize("text, message", BROKEN)
def test_formula_errors_name_file_and_key(bd, formulas, text, message):
    path = put(formulas, "broken", text)
    for args in (["cook", "broken"], ["formula", "show", "broken"],
                 ["mol", "pour", "broken"]):
        res = bd(*args)
        assert res.exit_code == 1, res.error
        assert res.error.startswith(str(path)) and message in res.error, res.error
    assert bd.json("list", "--all") == []
    listed = bd.json("formula", "list")
    assert listed[0]["error"] and message in listed[0]["error"]


def test_keys_of_other_bd_versions_are_left_alone(bd, formulas):
    put(formulas, "extended", '''
        compose = "other"
        [[steps]]
        id = "a"
        gate = "human"
     ''')
    assert [s["id"] for s in bd.json("cook", "extended")["steps"]] == ["a"]


def test_toml_error_has_line(bd, formulas):
    put(formulas, "bad", 'description = "x"\n[[steps]]\nid = \n')
    res = bd("cook", "bad")
    assert "line 3" in res.error


def test_variable_checks(bd, formulas):
    put(formulas, "deploy", '''
        [vars.env]
        enum = ["staging", "prod"]
        required = true
        [vars.tag]
        pattern = "v[0-9]+"
        default = "v1"
        [vars.note]
        [[steps]]
        id = "go"
        title = "Deploy {{tag}} to {{env}}{{note}}"
    ''')
    missing = bd("cook", "deploy")
    assert "vars.env: required variable is missing: add --var env=VALUE" in missing.error
    assert "not one of staging, prod" in bd("cook", "deploy", "--var", "env=qa").error
    assert "does not match pattern" in bd("cook", "deploy", "--var", "env=prod",
                                          "--var", "tag=latest").error
    assert "no such variable" in bd("cook", "deploy", "--var", "env=prod",
                                    "--var", "colour=red").error
    assert bd("cook", "deploy", "--var", "oops").exit_code == 2
    ok = bd.json("cook", "deploy", "--var", "env=prod")
    assert ok["steps"][0]["title"] == "Deploy v1 to prod"
    assert "no formula 'nothing'" in bd("cook", "nothing").error


def test_pour_is_atomic(bd, formulas):
    put(formulas, "two", '''
        [[steps]]
        id = "a"
        type = "bug"
        priority = 1
        labels = ["x"]
        [[steps]]
        id = "b"
        needs = ["a"]
        assignee = "amy"
    ''')
    poured = bd.json("mol", "pour", "two")
    a, b = poured["steps"]
    assert (a["issue_type"], a["priority"], a["labels"]) == ("bug", 1, ["step:a", "x"])
    assert b["assignee"] == "amy"
    assert [d["depends_on_id"] for d in b["dependencies"] if d["type"] == "blocks"] == [a["id"]]
    assert bd("mol", "show", "tt-nothing").exit_code == 1
    assert "not a molecule" in bd("mol", "show", a["id"]).error


def test_variables_fill_every_text_of_a_molecule(bd, formulas):
    put(formulas, "triage", '''
        description = "Triage {{bug}}"
        [vars.bug]
        required = true
        [vars.who]
        default = "amy"
        [vars.sev]
        [[steps]]
        id = "repro"
        title = "Reproduce {{bug}}"
        assignee = "{{who}}"
        labels = ["bug:{{bug}}", "{{sev}}"]
    ''')
    poured = bd.json("mol", "pour", "triage", "--var", "bug=B-7", "--actor", "lead")
    assert poured["description"].startswith("Triage B-7\n") and poured["created_by"] == "lead"
    (step,) = poured["steps"]
    assert (step["assignee"], step["labels"]) == ("amy", ["bug:B-7", "step:repro"])
    # A variable left empty assigns nobody and adds no label: the step stays claimable.
    cooked = bd.json("cook", "triage", "--var", "bug=B-8", "--var", "who=")
    assert cooked["steps"][0]["assignee"] is None
    assert cooked["steps"][0]["labels"] == ["bug:B-8"]
