"""The one error type of the town layer: a message a person can act on."""

from __future__ import annotations


class TownError(Exception):
    """A failure the user caused or can fix; the command layer shows it as one line.

    `user_error` lets the command registry recognise it without this layer importing the
    registry; `exit_code` is 1 (failed) or 2 (bad usage).
    """

    user_error = True

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class NotInTown(TownError):
    """No town around the current directory and no `GT_TOWN_ROOT`."""


def usage(message: str) -> TownError:
    return TownError(message, exit_code=2)
