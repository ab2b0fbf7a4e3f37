"""A stand-in agent for host tests: it draws screens recorded from the real CLIs
(tests/term/recordings) in its terminal, as a full-screen program does, and keeps what is typed
into it.

    python3 screen_agent.py TYPED_FILE SCREEN...

The first screen shows at start; SIGUSR1 shows the next. Every byte typed is appended to
TYPED_FILE. The terminal is raw, so nothing typed is echoed onto the screen.
"""

from __future__ import annotations

import os
import signal
import sys
import tty
from pathlib import Path


def draw(path: str) -> None:
    header, _, screen = Path(path).read_text().partition("---\n")
    title = next((line.split(":", 1)[1].strip() for line in header.splitlines()
                  if line.startswith("title:")), "")
    body = "\r\n".join(screen.rstrip("\n").split("\n"))
    os.write(1, f"\x1b]0;{title}\x07\x1b[H\x1b[2J{body}".encode())


def main() -> None:
    typed, screens = sys.argv[1], sys.argv[2:]
    tty.setraw(0)
    shown = [0]

    def next_screen(*_: object) -> None:
        shown[0] = min(shown[0] + 1, len(screens) - 1)
        draw(screens[shown[0]])

    signal.signal(signal.SIGUSR1, next_screen)
    draw(screens[0])
    with open(typed, "ab", buffering=0) as out:
        while True:
            data = os.read(0, 1024)  # retried by Python after the signal handler runs
            if not data:
                return
            out.write(data)


if __name__ == "__main__":
    main()
