"""The git merge driver for `issues.jsonl` (`merge.beads.driver`, registered by `bd init`).

git calls it with the ancestor, ours and theirs versions; the merged ledger replaces ours.
Lines that are not bead records are kept at the end of the result and the merge is reported as
a conflict, so a person looks at them instead of git (or us) dropping them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..files import write_atomic
from . import jsonl


def merge_driver(base: Path, ours: Path, theirs: Path) -> int:
    """Merge the three versions into `ours`; 0 when clean, 1 when unreadable lines remain."""
    def read(p: Path) -> bytes:
        try:
            return Path(p).read_bytes()
        except FileNotFoundError:
            return b""

    text, bad = jsonl.merge_files(read(base), read(ours), read(theirs))
    if bad:
        text += "".join(b.text + "\n" for b in bad)
    write_atomic(Path(ours), text.encode(), sync=False)
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        sys.stderr.write("usage: python -m gastown_tui.beads.merge BASE OURS THEIRS [PATH]\n")
        return 2
    return merge_driver(Path(argv[0]), Path(argv[1]), Path(argv[2]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
