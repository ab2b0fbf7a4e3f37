"""Bead ids: `<prefix>-<hash>` in base36 with adaptive length, `<parent>.<n>` for children,
and finding the bead an unambiguous prefix of an id names."""

from __future__ import annotations

import math
import re

from .model import LedgerError

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
MIN_LEN, MAX_LEN = 3, 8
# Accept a length only while the birthday chance of any collision stays below this.
MAX_COLLISION_CHANCE = 0.25

PREFIX_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# What a bead id may be: `<prefix>-<hash>` (the prefix may hold dashes: `hq-cv-<hash>`), and a
# child's `.N` steps. Ids name branches, worktrees and files, so nothing else gets in: no
# `..`, no slashes, no shell or git syntax.
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+(?:\.[0-9]+)*$")
MAX_ID_CHARS = 100


def id_problem(bead_id: str) -> str | None:
    """What is wrong with `bead_id` as a bead id ("is ..."), or None."""
    if len(bead_id) > MAX_ID_CHARS:
        return f"is longer than {MAX_ID_CHARS} characters"
    if not ID_RE.match(bead_id):
        return ("is not PREFIX-HASH (letters, digits and '_' in parts joined by '-', children "
                "as .N)")
    return None


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


def _sha256():
    """SHA-256, loaded on first use (read-only commands never need it): CPython's own module
    when it has one, which loads in a quarter of `hashlib`'s time (that starts OpenSSL, ~2 ms
    of every `bd create` and `gt mail send`); the digest is the same."""
    try:
        from _sha2 import sha256    # CPython 3.12 on
    except ImportError:
        try:
            from _sha256 import sha256
        except ImportError:
            from hashlib import sha256
    return sha256


def candidate(prefix: str, title: str, description: str, creator: str, stamp: str, nonce: int,
              length: int) -> str:
    digest = _sha256()(
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


class IdsMixin:
    """Id lookup and allocation for `Ledger` (which provides conn, prefix and beads_dir)."""

    def resolve(self, id_or_prefix: str) -> str:
        """The full id for an id or an unambiguous prefix of one (with or without `<prefix>-`)."""
        found = self.find(id_or_prefix)
        if found is None:
            raise LedgerError(f"no bead '{id_or_prefix.strip()}' in ledger '{self.prefix}' "
                              f"({self.beads_dir})")
        return found

    def find(self, id_or_prefix: str) -> str | None:
        """Like resolve, but None when nothing matches (an ambiguous prefix still raises)."""
        q = (id_or_prefix or "").strip()
        if not q:
            raise LedgerError("no bead id given")
        if self.conn.execute("SELECT 1 FROM issues WHERE id=?", (q,)).fetchone():
            return q
        tries = [q] if q.startswith(self.prefix + "-") else [q, f"{self.prefix}-{q}"]
        for t in tries:
            if t != q and self.conn.execute("SELECT 1 FROM issues WHERE id=?", (t,)).fetchone():
                return t
            found = [r[0] for r in self.conn.execute(
                "SELECT id FROM issues WHERE id >= ? AND id < ? ORDER BY id LIMIT 201",
                (t, t + "\U0010ffff"))]
            # A prefix of a parent also matches its children; the parent is the one meant,
            # and the candidates worth listing are the parents, not every step of a molecule.
            among = set(found)
            roots = [f for f in found
                     if not any(f[:i] in among for i, c in enumerate(f) if c == ".")]
            if len(roots) == 1 and len(found) <= 200:
                return roots[0]
            if found:
                more = len(roots) > 10 or len(found) > 200
                shown = ", ".join(roots[:10]) + (", ..." if more else "")
                raise LedgerError(f"'{q}' is ambiguous: it matches {shown}; give more of the id")
        return None

    def _new_id(self, prefix: str, title: str, description: str, actor: str,
                stamp: str) -> str:
        count = self.conn.execute("SELECT COUNT(*) FROM issues").fetchone()[0]
        length = hash_length(count)
        for nonce in range(100):
            cand = candidate(prefix, title, description, actor, stamp, nonce,
                                 min(MAX_LEN, length + nonce // 10))
            if not self.conn.execute("SELECT 1 FROM issues WHERE id=?", (cand,)).fetchone():
                return cand
        raise LedgerError("could not find a free id; try again")

    def _child_id(self, parent: str) -> str:
        while True:
            n = self.conn.execute(
                "INSERT INTO child_counters(parent_id, last) VALUES (?, 1) ON CONFLICT(parent_id)"
                " DO UPDATE SET last = last + 1 RETURNING last", (parent,)).fetchone()[0]
            cand = f"{parent}.{n}"
            if not self.conn.execute("SELECT 1 FROM issues WHERE id=?", (cand,)).fetchone():
                return cand
