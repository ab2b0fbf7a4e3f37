"""The dashboard's secret: where it comes from and where it is kept.

Every dashboard has one, loopback included: a loopback port is open to every user of the
machine, and the dashboard's websocket types into agents' terminals as the town's owner. The
secret never goes on a command line (every user reads those in `ps`): it comes from
GT_DASHBOARD_TOKEN, from a file only its owner can read (`--token-file`), or it is made once
and kept in the town's private runtime directory, so the printed URL (and a browser's cookie)
stays good from one `gt dashboard` to the next. Only the standard library: the command reads
the secret before anything heavy loads.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from pathlib import Path

TOKEN_ENV = "GT_DASHBOARD_TOKEN"
STORED_NAME = "dashboard.token"
RULE = "16-256 characters of letters, digits and . _ ~ -"
_TOKEN = re.compile(r"^[A-Za-z0-9._~-]{16,256}$")
_MAX_FILE = 4096  # a token file is one line; more is not a token file


class SecretError(Exception):
    """A secret that cannot be used, said in one line that says what to do."""


def is_token(text: str) -> bool:
    return bool(_TOKEN.match(text))


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _read(fd: int) -> str:
    return os.read(fd, _MAX_FILE + 1).decode("utf-8", "replace").strip()


def _private(st: os.stat_result) -> bool:
    return stat.S_ISREG(st.st_mode) and not st.st_mode & 0o077


def read_token_file(path: Path) -> str:
    """The token in `path`: a regular file no other user can read or write (as ssh asks of a
    private key), holding one token and perhaps a newline."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as e:
        raise SecretError(f"cannot read --token-file {path}: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SecretError(f"--token-file {path} is not a file: give a file holding the "
                              "token")
        if st.st_mode & 0o077:
            raise SecretError(f"--token-file {path} can be read or changed by other users "
                              f"(mode {stat.S_IMODE(st.st_mode):04o}): chmod 600 {path}")
        text = _read(fd)
    except OSError as e:
        raise SecretError(f"cannot read --token-file {path}: {e.strerror}") from None
    finally:
        os.close(fd)
    if not is_token(text):
        raise SecretError(f"--token-file {path} must hold one token of {RULE}")
    return text


def stored_token(runtime: Path, renew: bool = False) -> str:
    """The town's kept token (`runtime` is its 0700 runtime directory), made on first use.
    A kept file that another user could read, or that is not ours, is not a secret any more:
    it is replaced, as it is with `renew`."""
    path = runtime / STORED_NAME
    if not renew:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            fd = -1
        except OSError as e:
            if e.errno != errno.ELOOP:  # a symlink in its place is replaced below
                raise
            fd = -1
        if fd >= 0:
            try:
                st = os.fstat(fd)
                text = _read(fd) if _private(st) and st.st_uid == os.getuid() else ""
            finally:
                os.close(fd)
            if is_token(text):
                return text
    token = new_token()
    # Written whole under a private name, then renamed: a reader never sees half a token,
    # and the file is 0600 from its first byte (never widened by the umask, never chmodded).
    temp = runtime / f".{STORED_NAME}.{os.getpid()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW,
                 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(token.encode() + b"\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return token
