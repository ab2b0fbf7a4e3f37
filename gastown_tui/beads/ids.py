"""Bead ids: `<prefix>-<hash>` in base36 with adaptive length, `<parent>.<n>` for children."""

from __future__ import annotations

import math
import re

from .model import LedgerError

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
MIN_LEN, MAX_LEN = 3, 8
# Accept a length only while the birthday chance of any collision stays below this.
MAX_COLLISION_CHANCE = 0.25

PREFIX_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def base36(data: bytes, length: int) -> str:
    n = int.from_bytes(data, "big")
    chars = []
    for _ in range(length):
        n, r = divmod(n, 36)
        chars.append(ALPHABET[r])
    return "".join(chars)


def hash_length(issue_count: int) -> int:
    """The shortest hash length whose collision chance for `issue_count + 1` ids stays small."""
    n = issue_count + 1
    for length in range(MIN_LEN, MAX_LEN + 1):
        space = 36 ** length
        chance = 1.0 - math.exp(-n * (n - 1) / (2.0 * space))
        if chance < MAX_COLLISION_CHANCE:
            return length
    return MAX_LEN


def candidate(prefix: str, title: str, description: str, creator: str, stamp: str, nonce: int,
              length: int) -> str:
    import hashlib   # here, not at the top: read-only commands never need it (~3 ms)

    digest = hashlib.sha256(
        "\x1f".join((title, description, creator, stamp, str(nonce))).encode()).digest()
    return f"{prefix}-{base36(digest, length)}"


def derive_prefix(name: str) -> str:
    """A ledger prefix from a project name: initials of its words ("my-project" -> "mp"),
    else the word itself when short, else its first two letters."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name.lower()) if w]
    if not words:
        return "bd"
    if len(words) > 1:
        prefix = "".join(w[0] for w in words)
    else:
        prefix = words[0] if len(words[0]) <= 3 else words[0][:2]
    if not prefix[0].isalpha():
        prefix = "b" + prefix
    return prefix


def check_prefix(prefix: str) -> str:
    if not PREFIX_RE.match(prefix or ""):
        raise LedgerError(f"bad prefix {prefix!r}: use lowercase letters and digits, starting "
                          "with a letter (e.g. 'bd', 'hq', 'hq-cv')")
    return prefix
