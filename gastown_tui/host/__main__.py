"""`python -m gastown_tui.host TOWN`: the detached host process `gt up --detach` starts."""

import faulthandler
import logging
import signal
import sys
from pathlib import Path

from .headless import narrate
from .runtime import HostError


def main() -> int:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: python -m gastown_tui.host TOWN_ROOT\n")
        return 2
    # `kill -USR1 PID` writes every thread's stack to the log: how a hung host is diagnosed.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    def say(line: str) -> None:
        # Event lines carry their own time; the log is the host's stderr.
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    try:
        narrate(Path(sys.argv[1]), say, "detached")
    except HostError as e:
        sys.stderr.write(f"gt host: error: {e}\n")
        return e.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
