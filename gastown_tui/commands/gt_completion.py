"""`gt completion bash|zsh|fish`: shell completion scripts for the whole command tree."""

from __future__ import annotations

import click

from .completion import shell_completion_script


def register(root: click.Group) -> None:
    @root.command("completion")
    @click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
    def completion(shell: str):
        """Print the completion script for SHELL.

        \b
        gt completion bash > /etc/bash_completion.d/gt
        gt completion zsh > "${fpath[1]}/_gt"
        gt completion fish > ~/.config/fish/completions/gt.fish
        """
        return shell_completion_script(click.get_current_context().find_root().command, "gt",
                                       shell)
