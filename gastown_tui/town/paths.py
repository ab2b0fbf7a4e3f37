"""The town's layout on disk and the small file helpers every town module uses.

Layout (REFERENCE.md's Gas Town layout with TOML settings)::

    <town>/mayor/town.toml        identity: name, id, created (the marker that makes a town)
    <town>/mayor/rigs.toml        the rig registry
    <town>/settings/config.toml   default_agent, [agents.*], theme, prefix_key, ...
    <town>/.beads/                the town ledger (prefix hq); routes.jsonl maps prefixes to rigs
    <town>/.runtime/              sockets, locks, transcripts, polecats/ worktrees (git-ignored)
    <town>/<rig>/.repo.git        shared bare clone
    <town>/<rig>/mayor/rig        full clone holding the rig ledger
    <town>/<rig>/.beads/redirect  points bd run in the rig folder at that ledger
    <town>/<rig>/crew/<name>      crew clones (their .beads/redirect points at the rig ledger)
    <town>/<rig>/polecats/        polecat worktrees
    <town>/<rig>/config.toml      rig settings (agent, ...)
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, NamedTuple

from .errors import NotInTown, TownError

TOWN_FILE = Path("mayor/town.toml")
RIGS_FILE = Path("mayor/rigs.toml")
CONFIG_FILE = Path("settings/config.toml")
BEADS_DIR = Path(".beads")
ROUTES_FILE = BEADS_DIR / "routes.jsonl"
RUNTIME_DIR = Path(".runtime")
TOWN_PREFIX = "hq"

RIG_REPO = Path(".repo.git")
RIG_CLONE = Path("mayor/rig")
RIG_CONFIG = Path("config.toml")


def find_town_root(cwd: Path, environ: Mapping[str, str]) -> Path:
    """`GT_TOWN_ROOT` when set, else the nearest directory at or above `cwd` holding
    `mayor/town.toml`."""
    explicit = environ.get("GT_TOWN_ROOT")
    if explicit:
        root = Path(explicit).expanduser()
        if not root.is_absolute():
            root = Path(cwd) / root
        if not _is_town(root):
            raise NotInTown(f"GT_TOWN_ROOT={explicit} is not a town (no {TOWN_FILE}): "
                            "fix the variable or run `gt install PATH`")
        return root.resolve()
    here = Path(cwd).resolve()
    for d in (here, *here.parents):
        if _is_town(d):
            return d
    raise NotInTown(f"not inside a town ({here}): cd into one, set GT_TOWN_ROOT, "
                    "or create one with `gt install PATH`")


def _is_town(folder: Path) -> bool:
    """Whether `folder` is a town; a town of another user, whose files are private to its
    owner, is refused here with their name rather than passed by as no town at all."""
    import stat

    try:
        return stat.S_ISREG(os.stat(folder / TOWN_FILE).st_mode)
    except PermissionError:
        from ..files import owner_of

        owner = owner_of(folder / TOWN_FILE.parent) or "another user"
        raise TownError(f"the town at {folder} belongs to {owner}: its files are private to "
                        f"its owner, so run gt there as {owner}") from None
    except OSError:
        return False


class Expect(NamedTuple):
    """The types a settings key may hold, and a hint at the fix for a person reading the
    error."""
    kinds: tuple[type, ...]
    hint: str = ""


# What a settings file may hold: dotted key -> type or Expect. A `*` stands for any name
# ([rigs.NAME], [agents.NAME]); keys not named are left alone.
Schema = Mapping[str, "type | Expect"]


def read_toml(path: Path, schema: Schema | None = None) -> dict[str, Any]:
    """The file's table; `schema` refuses a value of the wrong type (`url = 5`, a rig that is
    a string), which would otherwise vanish from listings or show as nonsense."""
    import tomllib  # here: finding the town, which agents do constantly, reads no TOML

    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise TownError(f"{path} is a directory, not a settings file: move it away (the "
                        "defaults apply without the file) or restore the file") from None
    except UnicodeDecodeError:
        raise TownError(f"{path} is not text (not UTF-8): restore that file or remove it "
                        "to go back to the defaults") from None
    except tomllib.TOMLDecodeError as e:
        raise TownError(f"{path} is not valid TOML ({e}): fix or restore that file") from None
    if schema:
        check_types(path, data, schema)
    return data


def check_types(path: Path, data: Mapping[str, Any], schema: Schema) -> None:
    for key, rule in schema.items():
        kinds, hint = rule if isinstance(rule, Expect) else ((rule,), "")
        for dotted, value in _values(data, key.split("."), ""):
            if not _is_a(value, kinds):
                expected = " or ".join(_KIND_NAMES[k] for k in kinds)
                raise TownError(f"{path}: '{dotted}' must be {expected}"
                                f"{f' ({hint})' if hint else ''}, not {describe(value)}; "
                                "fix that file")


def _values(data: Any, parts: list[str], prefix: str) -> Iterator[tuple[str, Any]]:
    # Parents are checked before their children (the schemas list them first), so a table
    # is only walked into once it is known to be one.
    if not parts or not isinstance(data, dict):
        return
    head, rest = parts[0], parts[1:]
    items = data.items() if head == "*" else ([(head, data[head])] if head in data else [])
    for name, value in items:
        dotted = f"{prefix}.{name}" if prefix else name
        if rest:
            yield from _values(value, rest, dotted)
        else:
            yield dotted, value


def _is_a(value: Any, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool):  # TOML true/false is a Python int too
        return bool in kinds
    return isinstance(value, kinds)


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        import json

        text = json.dumps(value, ensure_ascii=False)
        return f"the string {text if len(text) <= 40 else text[:37] + '...'}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"the date/time {value}"


_KIND_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
               dict: "a table", list: "an array", _dt.datetime: "a date and time",
               _dt.date: "a date"}


def update_toml(path: Path, change: Callable[[Any], None], header: str = "") -> None:
    """Apply `change` to the tomlkit document of `path` and write it back atomically, keeping
    the user's comments and layout."""
    import tomlkit

    with locked(path.parent):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = header
        except (IsADirectoryError, UnicodeDecodeError):
            read_toml(path)     # says what is wrong with it, and what to do
            raise
        try:
            doc = tomlkit.parse(text)
        except Exception as e:  # noqa: BLE001 - tomlkit raises several types for bad input
            raise TownError(f"{path} is not valid TOML ({e}): fix or restore that file") \
                from None
        change(doc)
        # Settings files only: agent commands may carry keys, rig URLs tokens.
        write_atomic(path, tomlkit.dumps(doc), private=True)


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on a directory, so two `gt` processes changing the same settings file
    cannot lose each other's change. The directory, not the file, because files are replaced by
    rename and a lock on the old inode would protect nothing."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str, private: bool = False) -> None:
    """Readers see the old file or the new one, never half of one; a full disk leaves the old
    one. `private`: only the owner may read it (settings that may hold keys or tokens)."""
    from ..files import write_atomic as replace

    path.parent.mkdir(parents=True, exist_ok=True)
    replace(path, text, private=private)
