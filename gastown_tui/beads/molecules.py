"""Molecules: a cooked formula poured into the ledger as linked beads.

The root (`<prefix>-mol-<hash>`, type molecule) gets one child per step (`<root>.<n>`,
`parent-child`), and each `needs` becomes a `blocks` dependency, so `ready` offers exactly the
steps whose needs are closed.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from .formulas import Cooked
from .model import Issue, LedgerError

if TYPE_CHECKING:
    from .ledger import Ledger

STEP_LABEL = "step:"
FORMULA_LABEL = "formula:"


@dataclasses.dataclass
class Molecule:
    root: Issue
    steps: list[Issue]

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.is_closed)

    @property
    def progress(self) -> str:
        return f"{self.done}/{len(self.steps)}"


def pour(led: "Ledger", cooked: Cooked, *, actor: str | None = None) -> Molecule:
    f = cooked.formula
    shown_vars = ", ".join(f"{k}={v}" for k, v in cooked.vars.items() if v)
    title = f"{f.name} ({shown_vars})" if shown_vars else f.name
    description = cooked.description
    if cooked.vars:
        description += ("\n\n" if description else "") + "Variables:\n" + "\n".join(
            f"  {k} = {v}" for k, v in cooked.vars.items())
    with led.transaction():
        root = led.create(title, description=description, issue_type="molecule",
                          id_prefix=f"{led.prefix}-mol", labels=[FORMULA_LABEL + f.name],
                          actor=actor)
        ids: dict[str, str] = {}
        for step in cooked.steps:
            child = led.create(step.title, description=step.description, parent=root.id,
                               issue_type=step.type, priority=step.priority,
                               labels=[*step.labels, STEP_LABEL + step.id],
                               assignee=step.assignee, actor=actor)
            ids[step.id] = child.id
        for step in cooked.steps:
            for need in step.needs:
                led.add_dependency(ids[step.id], ids[need], "blocks", actor=actor)
        return load(led, root.id)


def load(led: "Ledger", root_id: str) -> Molecule:
    root = led.get(root_id)
    if root.issue_type != "molecule":
        raise LedgerError(f"{root.id} is a {root.issue_type}, not a molecule; "
                          "see 'bd mol list'")
    steps = led.list(parent=root.id, include_closed=True, order="id")
    steps.sort(key=lambda s: _child_number(s.id))
    return Molecule(root, steps)


def _child_number(issue_id: str) -> tuple[int, str]:
    tail = issue_id.rsplit(".", 1)[-1]
    return (int(tail), issue_id) if tail.isdigit() else (1 << 30, issue_id)


def molecules(led: "Ledger", *, include_closed: bool = False) -> list[Molecule]:
    return [load(led, root.id) for root in
            led.list(issue_type="molecule", include_closed=include_closed, order="created")]


def step_id(issue: Issue) -> str | None:
    for label in issue.labels:
        if label.startswith(STEP_LABEL):
            return label[len(STEP_LABEL):]
    return None
