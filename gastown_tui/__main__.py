"""`python3 -m gastown_tui ...` runs `gt ...` (the same entry as the installed script)."""

from .commands.fast import main

main()
