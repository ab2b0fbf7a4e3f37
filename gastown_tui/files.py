"""Replacing files whole, keeping private ones private, and naming what the machine refused.

Every layer writes files (the ledger its export, the town its settings, the host its records),
so the rules live here, below them all: a file is replaced by writing a temp file beside it and
renaming it over the old one, so a full disk or a kill leaves the old file or the new one and
never half of one; a replaced file keeps its permissions; a private file is created 0600 in a
0700 directory, whatever the umask. `os_error_message` turns what the operating system refused
(no space, permission, a read-only disk, a name too long) into one line for a person.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


def write_atomic(path: Path, data: bytes | str, *, private: bool = False,
                 sync: bool = True) -> os.stat_result:
    """Replace `path` with `data` whole; returns the new file's stat. The file keeps the mode
    of the one it replaces (a new one gets the umask's, or 0600 when `private`). `sync`
    flushes the data to disk before the rename, so a power cut cannot leave an empty file."""
    tmp = temp_beside(path, data, private=private, sync=sync)
    try:
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _with_path(e, path) from None
    return os.stat(path)


def temp_beside(path: Path, data: bytes | str | list, *, private: bool = False,
                sync: bool = True) -> Path:
    """`data` in a new temp file in `path`'s folder, with the mode `path` will have, ready to be
    renamed over it. On failure nothing is left behind and the error names `path`. `data` may
    be a list of pieces (bytes or views), written in turn: a big file patched in a few places
    is never joined into one more copy of itself."""
    path = Path(path)
    pieces = data if isinstance(data, list) else [
        data.encode("utf-8") if isinstance(data, str) else data]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        # O_EXCL and 0666 so the kernel applies the umask: reading the umask is not thread-safe.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as e:
        raise _with_path(e, path) from None
    try:
        mode = _mode_for(path, private)
        if mode is not None:
            os.fchmod(fd, mode)
        for piece in pieces:
            view = memoryview(piece)
            while view:
                view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)
    except OSError as e:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _with_path(e, path) from None
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


def _mode_for(path: Path, private: bool) -> int | None:
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        return PRIVATE_FILE if private else None
    return mode & ~0o077 if private else mode


def _with_path(e: OSError, path: Path) -> OSError:
    """The same error, naming the file meant (a failed write() names no file)."""
    return OSError(e.errno, e.strerror, str(path)) if e.errno is not None else e


class Room:
    """Disk space set aside before a change of several steps, given back when it is done or
    just before it is undone: undoing (a ledger taking back what the first steps made) needs
    room of its own, and on a full disk there would be none."""

    def __init__(self, path: Path, size: int):
        self.path = Path(path)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                         PRIVATE_FILE)
        except OSError as e:
            raise _with_path(e, self.path) from None
        try:
            os.posix_fallocate(fd, 0, max(size, 1))
        except OSError as e:
            os.close(fd)
            self.release()
            raise _with_path(e, self.path.parent) from None
        os.close(fd)

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def private_dir(path: Path) -> Path:
    """`path` as a directory only its owner can enter (made if missing, tightened if loose)."""
    path = Path(path)
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    tighten(path)
    return path


def tighten(path: Path) -> bool:
    """Take every group and other permission away from `path`; whether that changed anything.
    Only the current user's own files, and never through a symlink."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if st.st_uid != os.getuid() or os.path.islink(path):
        return False
    current = st.st_mode & 0o7777
    wanted = current & ~0o077
    if wanted == current:
        return False
    os.chmod(path, wanted)
    return True


def pid_alive(pid: int) -> bool:
    """Whether a process still runs (one of another user's counts): temp files and reserved
    room named by a pid are left alone while it does."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_no_space(e: BaseException) -> bool:
    if isinstance(e, OSError) and e.errno in NO_SPACE:
        return True
    text = str(e)
    return "No space left on device" in text or "database or disk is full" in text \
        or "Disk quota exceeded" in text


# Below this much free space, a write error a library reports vaguely (SQLite's "disk I/O
# error" for its -shm file, libgit2's "target OID doesn't exist" for an object it could not
# write) is taken for a full disk.
LOW_SPACE = 1 << 20


def low_space(folder: Path | str) -> bool:
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < LOW_SPACE


def no_space_error(folder: Path | str) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))


def no_space_message(where: Path | str) -> str:
    return (f"no space left on {where}: free some space and run the command again "
            "(nothing was changed)")


def owner_of(path: Path | str) -> str | None:
    """The name of the user owning `path` (or its nearest existing parent) when that is not
    the current user; None when it is, or cannot be told."""
    p = Path(path)
    for candidate in (p, *p.parents):
        try:
            uid = os.stat(candidate).st_uid
        except PermissionError:
            continue
        except OSError:
            continue
        if uid == os.getuid():
            return None
        try:
            import pwd

            return pwd.getpwuid(uid).pw_name
        except (KeyError, ImportError):
            return f"uid {uid}"
    return None


def os_error_message(e: BaseException) -> str | None:
    """One line for an error the machine, not the program, caused; None for anything else."""
    if not isinstance(e, OSError):
        if is_no_space(e):
            return no_space_message(_path_in_text(str(e)) or "the disk")
        return None
    where = e.filename if e.filename is not None else None
    if e.errno in NO_SPACE:
        return no_space_message(_folder(where) if where else "the disk")
    if e.errno is None and is_no_space(e):     # libgit2's errors carry the text only
        return no_space_message(_path_in_text(str(e)) or "the disk")
    if e.errno in (errno.EACCES, errno.EPERM) and where:
        owner = owner_of(where)
        if owner:
            return (f"permission denied: {where} belongs to {owner}; run the command as "
                    f"{owner} (this town's files are private to its owner)")
        return f"permission denied: {where}; check its permissions"
    if e.errno == errno.EROFS and where:
        return f"{where} is on a read-only file system: nothing was changed"
    if e.errno == errno.ENAMETOOLONG and where:
        name = os.fsdecode(where)
        short = name if len(name) <= 80 else name[:60] + "..." + name[-12:]
        return f"name too long for the file system: {short}; use a shorter name"
    return None


def _folder(where: str | bytes | Path) -> str:
    path = Path(os.fsdecode(where))
    return str(path if path.is_dir() else path.parent)


def _path_in_text(text: str) -> str | None:
    """A quoted absolute path in a library's error text (libgit2 names the file it failed on)."""
    for quote in ("'", '"'):
        start = text.find(quote + "/")
        if start >= 0:
            end = text.find(quote, start + 1)
            if end > start:
                return str(Path(text[start + 1:end]).parent)
    return None
