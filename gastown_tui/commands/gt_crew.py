"""`gt crew add|list|remove`: personal long-lived clones in a rig."""

from __future__ import annotations

import click

from .towncli import Done, complete_crew, complete_rig, current_town


def register(root: click.Group) -> None:
    @root.group("crew")
    def crew():
        """Crew workspaces: your own full clones inside a rig."""

    @crew.command("add")
    @click.argument("name")
    @click.option("--rig", required=True, shell_complete=complete_rig, help="Rig to join.")
    def add(name: str, rig: str):
        """Make a full clone at <rig>/crew/NAME on the default branch."""
        from ..town.crew import add_crew

        return add_crew(current_town(), name, rig)

    @crew.command("list")
    @click.option("--rig", shell_complete=complete_rig, help="Only this rig.")
    def list_(rig: str | None):
        """Crew members of every rig (or one)."""
        from ..town.crew import list_crew

        return list_crew(current_town(), rig)

    @crew.command("remove")
    @click.argument("name", shell_complete=complete_crew)
    @click.option("--rig", required=True, shell_complete=complete_rig, help="Rig of the crew.")
    @click.option("--force", is_flag=True, help="Remove even with uncommitted or unpushed work (the clone is set "
                       "aside, not deleted).")
    def remove(name: str, rig: str, force: bool):
        """Delete a crew clone (refuses while work is not pushed)."""
        from ..town.crew import remove_crew

        m, note = remove_crew(current_town(), name, rig, force=force)
        return Done("Removed", "crew", m.identity, str(m.path), note)
