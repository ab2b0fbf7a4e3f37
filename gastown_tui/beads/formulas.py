"""Formulas: TOML workflow templates (`<name>.formula.toml`), validated and compiled ("cooked").

Every error names the file and the key it is about, so a person can go straight to the fix.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from .model import ISSUE_TYPES, LedgerError

SUFFIX = ".formula.toml"
VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
STEP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
FORMULA_TYPES = ("workflow", "expansion", "aspect")


class FormulaError(LedgerError):
    pass


@dataclasses.dataclass
class Var:
    name: str
    description: str = ""
    required: bool = False
    default: str | None = None
    enum: list[str] | None = None
    pattern: str | None = None


@dataclasses.dataclass
class Step:
    id: str
    title: str
    description: str = ""
    needs: list[str] = dataclasses.field(default_factory=list)
    type: str = "task"
    priority: int = 2
    labels: list[str] = dataclasses.field(default_factory=list)
    assignee: str | None = None


@dataclasses.dataclass
class Formula:
    name: str
    path: Path
    description: str = ""
    version: int = 1
    type: str = "workflow"
    vars: dict[str, Var] = dataclasses.field(default_factory=dict)
    steps: list[Step] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Cooked:
    """A formula with its variables bound: steps in an order that respects `needs`, and the
    formula's description with its placeholders filled in."""
    formula: Formula
    vars: dict[str, str]
    steps: list[Step]
    description: str = ""


def search_path(beads_dir: Path | None, home: Path | None, town: Path | None) -> list[Path]:
    dirs = []
    if beads_dir is not None:
        dirs.append(beads_dir / "formulas")
    if home is not None:
        dirs.append(home / ".beads" / "formulas")
    if town is not None:
        dirs.append(town / ".beads" / "formulas")
    out: list[Path] = []
    for d in dirs:
        if d not in out:
            out.append(d)
    return out


def available(dirs: list[Path]) -> dict[str, Path]:
    """Formula name -> file; earlier directories win."""
    found: dict[str, Path] = {}
    for d in dirs:
        if d.is_dir():
            for path in sorted(d.glob("*" + SUFFIX)):
                found.setdefault(path.name[: -len(SUFFIX)], path)
    return found


def find(name: str, dirs: list[Path]) -> Path:
    if name.endswith(SUFFIX) and Path(name).is_file():
        return Path(name)
    found = available(dirs)
    if name not in found:
        where = ", ".join(str(d) for d in dirs) or "(no formula directories)"
        known = ", ".join(sorted(found)) or "none"
        raise FormulaError(f"no formula '{name}' (looked in {where}; known: {known})")
    return found[name]


def _fail(path: Path, key: str, message: str) -> FormulaError:
    return FormulaError(f"{path}: {key}: {message}")


TOP_KEYS = ("formula", "description", "version", "type", "vars", "steps")
VAR_KEYS = ("description", "required", "default", "enum", "pattern")
STEP_KEYS = ("id", "title", "description", "needs", "type", "priority", "labels", "assignee")


def _check_keys(path: Path, where: str, table: dict, known: tuple[str, ...]) -> None:
    """A misspelt key (`nedds`) would silently drop what it meant to say, so it is an error;
    keys unlike any of ours are left alone, as other bd versions add their own."""
    for key in table:
        if key not in known:
            import difflib

            close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
            if close:
                raise _fail(path, f"{where}{key}", f"unknown key; did you mean '{close[0]}'?")


def _str(path: Path, key: str, value: Any, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise _fail(path, key, f"must be a string, not {type(value).__name__}")
    return value


def _str_list(path: Path, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, key, "must be a list of strings")
    return list(value)


def load(path: Path) -> Formula:
    import tomllib

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise FormulaError(f"{path}: TOML syntax error: {e}") from None
    except OSError as e:
        raise FormulaError(f"cannot read {path}: {e.strerror}") from None
    _check_keys(path, "", data, TOP_KEYS)
    stem = Path(path).name[: -len(SUFFIX)] if Path(path).name.endswith(SUFFIX) else \
        Path(path).stem
    name = _str(path, "formula", data.get("formula"), stem)
    if not name:
        raise _fail(path, "formula", "must not be empty")
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail(path, "version", f"must be a whole number >= 1, not {version!r}")
    ftype = _str(path, "type", data.get("type"), "workflow")
    if ftype not in FORMULA_TYPES:
        raise _fail(path, "type", f"unknown type '{ftype}': use {', '.join(FORMULA_TYPES)}")
    formula = Formula(name, Path(path), _str(path, "description", data.get("description")),
                      version, ftype)
    raw_vars = data.get("vars", {})
    if not isinstance(raw_vars, dict):
        raise _fail(path, "vars", "must be a table of [vars.<name>] tables")
    for vname, spec in raw_vars.items():
        formula.vars[vname] = _load_var(path, vname, spec)
    raw_steps = data.get("steps", [])
    if not isinstance(raw_steps, list) or not all(isinstance(s, dict) for s in raw_steps):
        raise _fail(path, "steps", "must be an array of [[steps]] tables")
    if not raw_steps:
        raise _fail(path, "steps", "a formula needs at least one [[steps]] entry")
    for n, spec in enumerate(raw_steps):
        step = _load_step(path, n, spec)
        if any(s.id == step.id for s in formula.steps):
            raise _fail(path, f"steps[{n}].id", f"duplicate step id '{step.id}'")
        formula.steps.append(step)
    ids = {s.id for s in formula.steps}
    for n, step in enumerate(formula.steps):
        for need in step.needs:
            if need not in ids:
                raise _fail(path, f"steps[{n}].needs", f"step '{step.id}' needs unknown step "
                            f"'{need}' (steps: {', '.join(sorted(ids))})")
    _order(formula)
    # Placeholders work in every text a step carries (an assignee or label may be a variable
    # too); one naming no declared variable would reach the ledger as literal braces.
    texts = [("description", formula.description)]
    for n, step in enumerate(formula.steps):
        texts += [(f"steps[{n}].title", step.title),
                  (f"steps[{n}].description", step.description),
                  (f"steps[{n}].assignee", step.assignee or "")]
        texts += [(f"steps[{n}].labels", label) for label in step.labels]
    for key, text in texts:
        for used in PLACEHOLDER.findall(text):
            if used not in formula.vars:
                raise _fail(path, key, f"uses {{{{{used}}}}} but there is no [vars.{used}]")
    return formula


def _load_var(path: Path, name: str, spec: Any) -> Var:
    key = f"vars.{name}"
    if not VAR_NAME.match(name):
        raise _fail(path, key, "variable names are letters, digits and _ (not first a digit)")
    if not isinstance(spec, dict):
        raise _fail(path, key, "must be a table")
    _check_keys(path, key + ".", spec, VAR_KEYS)
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise _fail(path, f"{key}.required", "must be true or false")
    default = spec.get("default")
    if required and default is not None:
        raise _fail(path, key, "'required' together with 'default' makes no sense: drop one")
    if default is not None and not isinstance(default, (str, int, float)):
        raise _fail(path, f"{key}.default", "must be a string or number")
    enum = spec.get("enum")
    if enum is not None:
        if not isinstance(enum, list) or not enum or \
                not all(isinstance(v, (str, int, float)) for v in enum):
            raise _fail(path, f"{key}.enum", "must be a non-empty list of values")
        enum = [str(v) for v in enum]
    pattern = _str(path, f"{key}.pattern", spec.get("pattern")) or None
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as e:
            raise _fail(path, f"{key}.pattern", f"not a regular expression: {e}") from None
    var = Var(name, _str(path, f"{key}.description", spec.get("description")), required,
              None if default is None else str(default), enum, pattern)
    if var.default is not None:
        _check_value(path, var, var.default, f"{key}.default")
    return var


def _load_step(path: Path, n: int, spec: dict) -> Step:
    key = f"steps[{n}]"
    _check_keys(path, key + ".", spec, STEP_KEYS)
    sid = spec.get("id")
    if not isinstance(sid, str) or not STEP_ID.match(sid):
        raise _fail(path, f"{key}.id", "every step needs an id of letters, digits, _ . -")
    stype = _str(path, f"{key}.type", spec.get("type"), "task")
    if stype not in ISSUE_TYPES:
        raise _fail(path, f"{key}.type", f"unknown type '{stype}'")
    priority = spec.get("priority", 2)
    if not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 4:
        raise _fail(path, f"{key}.priority", "must be 0-4")
    return Step(sid, _str(path, f"{key}.title", spec.get("title"), sid) or sid,
                _str(path, f"{key}.description", spec.get("description")),
                _str_list(path, f"{key}.needs", spec.get("needs")), stype, priority,
                _str_list(path, f"{key}.labels", spec.get("labels")),
                _str(path, f"{key}.assignee", spec.get("assignee")) or None)


def _order(formula: Formula) -> list[Step]:
    """Steps in dependency order; a cycle in `needs` is an error that shows the cycle."""
    by_id = {s.id: s for s in formula.steps}
    state: dict[str, int] = {}
    out: list[Step] = []

    def visit(sid: str, trail: list[str]) -> None:
        if state.get(sid) == 2:
            return
        if state.get(sid) == 1:
            cycle = trail[trail.index(sid):] + [sid]
            n = formula.steps.index(by_id[sid])
            raise _fail(formula.path, f"steps[{n}].needs", "cycle: " + " -> ".join(cycle))
        state[sid] = 1
        for need in by_id[sid].needs:
            visit(need, trail + [sid])
        state[sid] = 2
        out.append(by_id[sid])

    for step in formula.steps:
        visit(step.id, [])
    return out


def _check_value(path: Path, var: Var, value: str, key: str) -> None:
    if var.enum is not None and value not in var.enum:
        raise _fail(path, key, f"'{value}' is not one of {', '.join(var.enum)}")
    if var.pattern is not None and not re.fullmatch(var.pattern, value):
        raise _fail(path, key, f"'{value}' does not match pattern {var.pattern}")


def cook(formula: Formula, values: dict[str, str]) -> Cooked:
    """Bind variables (checking required, enum and pattern) and substitute them into steps."""
    for name in values:
        if name not in formula.vars:
            declared = ", ".join(sorted(formula.vars)) or "none"
            raise _fail(formula.path, f"vars.{name}",
                        f"the formula has no such variable (declared: {declared})")
    bound: dict[str, str] = {}
    for name, var in formula.vars.items():
        if name in values:
            _check_value(formula.path, var, values[name], f"vars.{name}")
            bound[name] = values[name]
        elif var.required:
            raise _fail(formula.path, f"vars.{name}",
                        f"required variable is missing: add --var {name}=VALUE")
        else:
            bound[name] = var.default or ""

    def sub(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: bound[m.group(1)], text)

    steps = [dataclasses.replace(s, title=sub(s.title), description=sub(s.description),
                                 needs=list(s.needs),
                                 labels=[lab for lab in map(sub, s.labels) if lab],
                                 assignee=sub(s.assignee) if s.assignee else None)
             for s in _order(formula)]
    for step in steps:
        step.assignee = step.assignee or None     # a variable left empty assigns nobody
    return Cooked(formula, bound, steps, sub(formula.description))
