"""A bounded, rotated raw transcript of what a program wrote to its terminal, for replay.

The file holds the exact bytes read from the pty (escape sequences included), so feeding it to a
`Screen` of the same size reproduces the screen. When it passes `max_bytes` it becomes
``<name>.1`` (replacing the older one) and a new file starts: disk use stays under twice the
limit however long an agent runs. Files are private (0600): terminals show secrets.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["Transcript"]

DEFAULT_MAX_BYTES = 8 * 1024 * 1024


class Transcript:
    def __init__(self, path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_bytes <= 0:
            raise ValueError("transcript max_bytes must be positive")
        self.path = Path(path)
        self.max_bytes = int(max_bytes)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self._open()
        self._size = self._file.tell()

    def _open(self):
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, "ab", buffering=64 * 1024)

    @property
    def rotated_path(self) -> Path:
        return self.path.with_name(self.path.name + ".1")

    def write(self, data: bytes) -> None:
        if self._file is None:
            return
        self._file.write(data)
        self._size += len(data)
        if self._size >= self.max_bytes:
            self._file.close()
            os.replace(self.path, self.rotated_path)
            self._file = self._open()
            self._size = 0

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
