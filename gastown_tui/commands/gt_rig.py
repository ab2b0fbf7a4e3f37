"""`gt rig add|list|remove`: the projects of a town."""

from __future__ import annotations

import click

from .core import get_env
from .render import view
from .towncli import Done, complete_rig, current_town


@view
class AddedRig:
    name: str
    path: str
    url: str
    branch: str
    prefix: str

    def render_text(self) -> str:
        return (f"Added rig {self.name!r} from {self.url} (branch {self.branch}, bead prefix "
                f"{self.prefix}-) at {self.path}.\nNext: gt crew add NAME --rig {self.name}")


def register(root: click.Group) -> None:
    @root.group("rig")
    def rig():
        """Projects (git repositories) under town management."""

    @rig.command("add")
    @click.argument("name")
    @click.argument("source", metavar="URL|PATH")
    @click.option("--prefix", help="Bead id prefix for the rig ledger (default: from the name).")
    @click.option("--branch", help="Default branch (default: the remote's HEAD).")
    def add(name: str, source: str, prefix: str | None, branch: str | None):
        """Clone URL|PATH as rig NAME: shared bare repo, mayor clone with the rig ledger."""
        from ..town.rigs import add_rig

        env = get_env()
        r = add_rig(current_town(), name, source, prefix=prefix, branch=branch, cwd=env.cwd,
                    progress=env.progress)
        return AddedRig(r.name, str(r.path), r.url, r.branch, r.prefix)

    @rig.command("list")
    def list_():
        """Rigs with their branch, prefix, crew and polecat counts and open beads."""
        from ..town.rigs import rig_summaries

        return rig_summaries(current_town())

    @rig.command("remove")
    @click.argument("name", shell_complete=complete_rig)
    @click.option("--force", is_flag=True,
                  help="Remove even when work is not pushed (its folder is set aside, not "
                       "deleted).")
    def remove(name: str, force: bool):
        """Remove rig NAME and its clones (refuses while work is not pushed)."""
        from ..town.rigs import remove_rig

        removed = remove_rig(current_town(), name, force=force)
        return Done("Removed", "rig", removed.rig.name, str(removed.rig.path), removed.note)
