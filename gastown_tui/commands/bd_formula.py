"""`bd formula list/show`, `bd cook`, `bd mol pour/list/show`."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from .bd_common import BdCommand, BdGroup, open_ledger, parse_vars
from .core import get_env
from ..visible import visible
from .render import table, view


def _dirs() -> list[Path]:
    from ..beads import find_beads_dir, find_town_root
    from ..beads.formulas import search_path

    env = get_env()
    home = env.environ.get("HOME")
    return search_path(find_beads_dir(env.cwd, env.environ, ledger_only=False),
                       Path(home) if home else None,
                       find_town_root(env.cwd, env.environ))


def _cook(name: str, var: tuple[str, ...]):
    from ..beads import formulas

    values = parse_vars(var)
    return formulas.cook(formulas.load(formulas.find(name, _dirs())), values)


@view
class FormulaList:
    items: list[Any]   # (name, path, Formula | None, error | None)

    def to_json(self) -> list[dict]:
        return [{"name": n, "path": str(p), "description": f.description if f else None,
                 "version": f.version if f else None, "steps": len(f.steps) if f else None,
                 "vars": sorted(f.vars) if f else None, "error": err}
                for n, p, f, err in self.items]

    def render_text(self) -> str:
        if not self.items:
            return "(no formulas; put <name>.formula.toml in .beads/formulas/)"
        return table([[n, str(len(f.steps)) if f else "-",
                       (f.description if f else f"invalid: {err}")]
                      for n, _p, f, err in self.items], ["NAME", "STEPS", "DESCRIPTION"])


@click.group("formula", cls=BdGroup)
def formula():
    """Formulas: TOML workflow templates in .beads/formulas/."""


@formula.command("list")
def formula_list():
    """Formulas on the search path (ledger, ~/.beads, town)."""
    from ..beads import formulas

    items = []
    for name, path in sorted(formulas.available(_dirs()).items()):
        try:
            items.append((name, path, formulas.load(path), None))
        except formulas.FormulaError as e:
            items.append((name, path, None, str(e)))
    return FormulaList(items)


@view
class FormulaView:
    formula: Any

    def to_json(self) -> dict:
        f = self.formula
        return {"name": f.name, "path": str(f.path), "description": f.description,
                "version": f.version, "type": f.type,
                "vars": [dataclasses.asdict(v) for v in f.vars.values()],
                "steps": [dataclasses.asdict(s) for s in f.steps]}

    def render_text(self) -> str:
        f = self.formula
        v = visible
        lines = [f"{v(f.name)} (version {f.version}, {v(str(f.type))}) - {v(str(f.path))}"]
        if f.description:
            lines.append(v(f.description, lines=True))
        if f.vars:
            lines.append("Variables:")
            for var in f.vars.values():
                extra = "required" if var.required else f"default {var.default!r}" \
                    if var.default is not None else "optional"
                if var.enum:
                    extra += f", one of {', '.join(var.enum)}"
                if var.pattern:
                    extra += f", matching {var.pattern}"
                lines.append(f"  {v(var.name)}: {v(var.description)} ({v(extra)})")
        lines.append("Steps:")
        for s in f.steps:
            needs = f"  (needs {v(', '.join(s.needs))})" if s.needs else ""
            lines.append(f"  {v(s.id)}: {v(s.title)}{needs}")
        return "\n".join(lines)


@formula.command("show")
@click.argument("name")
def formula_show(name):
    """One formula: variables and steps."""
    from ..beads import formulas

    return FormulaView(formulas.load(formulas.find(name, _dirs())))


@view
class CookedView:
    cooked: Any

    def to_json(self) -> dict:
        c = self.cooked
        return {"formula": c.formula.name, "path": str(c.formula.path), "vars": c.vars,
                "steps": [dataclasses.asdict(s) for s in c.steps]}

    def render_text(self) -> str:
        c = self.cooked
        head = visible(c.formula.name) + (" with " + ", ".join(
            f"{visible(k)}={visible(str(v))}" for k, v in c.vars.items()) if c.vars else "")
        lines = [head + f": {len(c.steps)} steps"]
        for n, s in enumerate(c.steps, 1):
            needs = f"  (after {visible(', '.join(s.needs))})" if s.needs else ""
            lines.append(f"{n}. {visible(s.id)}: {visible(s.title)}{needs}")
            if s.description:
                lines += ["     " + ln for ln in visible(s.description, lines=True).splitlines()]
        return "\n".join(lines)


@click.command("cook", cls=BdCommand)
@click.argument("name")
@click.option("--var", multiple=True, metavar="NAME=VALUE", help="Set a variable (repeat).")
@click.option("--dry-run", is_flag=True,
              help="Only validate and show (cook never writes; 'bd mol pour' creates beads).")
def cook(name, var, dry_run):
    """Validate a formula and show its steps with variables substituted."""
    return CookedView(_cook(name, var))


@view
class MoleculeView:
    molecule: Any
    ready_ids: set[str]

    def to_json(self) -> dict:
        m = self.molecule
        return {**m.root.to_json(), "progress": {"closed": m.done, "total": len(m.steps)},
                "steps": [{**s.to_json(), "ready": s.id in self.ready_ids} for s in m.steps]}

    def render_text(self) -> str:
        from ..beads.molecules import step_id

        m = self.molecule
        rows = [[s.id, step_id(s) or "-", s.status + (" (ready)" if s.id in self.ready_ids
                                                       else ""), s.title] for s in m.steps]
        return (f"{visible(m.root.id)}: {visible(m.root.title)}  [{visible(m.root.status)}, "
                f"{m.progress} steps closed]\n"
                + table(rows, ["ID", "STEP", "STATUS", "TITLE"], keep=["ID"]))


@view
class MoleculeList:
    items: list[Any]

    def to_json(self) -> list[dict]:
        return [{"id": m.root.id, "title": m.root.title, "status": m.root.status,
                 "closed": m.done, "total": len(m.steps)} for m in self.items]

    def render_text(self) -> str:
        if not self.items:
            return "(no molecules; pour one with 'bd mol pour FORMULA')"
        return table([[m.root.id, m.progress, m.root.status, m.root.title] for m in self.items],
                     ["ID", "PROGRESS", "STATUS", "TITLE"], keep=["ID"])


@click.group("mol", cls=BdGroup)
def mol():
    """Molecules: formulas poured into the ledger as linked beads."""


def _view(led, root_id: str) -> MoleculeView:
    from ..beads import molecules

    m = molecules.load(led, root_id)
    ready = {i.id for i in led.ready(parent=m.root.id)}
    return MoleculeView(m, ready)


@mol.command("pour")
@click.argument("name")
@click.option("--var", multiple=True, metavar="NAME=VALUE", help="Set a variable (repeat).")
def mol_pour(name, var):
    """Create the molecule: a root bead, one child per step, blocks from needs."""
    from ..beads import molecules

    cooked = _cook(name, var)
    led = open_ledger()
    m = molecules.pour(led, cooked)
    return _view(led, m.root.id)


@mol.command("list")
@click.option("--all", "include_closed", is_flag=True, help="Include closed molecules.")
def mol_list(include_closed):
    """Molecules with their progress (closed steps / total)."""
    from ..beads import molecules

    return MoleculeList(molecules.molecules(open_ledger(), include_closed=include_closed))


@mol.command("show")
@click.argument("molecule_id")
def mol_show(molecule_id):
    """A molecule's steps, their status, and which are ready."""
    led = open_ledger()
    return _view(led, molecule_id)


def register(root: click.Group) -> None:
    for cmd in (formula, cook, mol):
        root.add_command(cmd)
