"""Key bindings that carry ids, the prefix-key table, and keymap overrides from the config.

Overrides live in a `[keymap]` table, `binding-id = "key[,key...]"`, in the town's
`settings/config.toml` and in `<config dir>/gastown/config.toml` (the user's wins). They apply to
the app's bindings (`App.set_keymap`) and to the prefix table alike. Unknown ids and malformed
values are reported, one line each, and ignored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Iterable, Mapping

from textual.keys import Keys, _character_to_key, key_to_character

from .userconfig import user_config_path

MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
_NAMED_KEYS = {k.value.rpartition("+")[2] for k in Keys if not k.value.startswith("<")}
DEFAULT_PREFIX = "ctrl+b"


@dataclass(frozen=True)
class PrefixBinding:
    """One key after the prefix: `action` runs on the app (see GastownApp.action_*)."""

    id: str
    keys: str
    action: str
    description: str
    title: str = ""  # its name in the command palette ("": not listed there)


PREFIX_BINDINGS = (
    PrefixBinding("prefix.focus_left", "left,h", "focus_dir('left')", "focus the pane to the left",
                  "Focus the pane to the left"),
    PrefixBinding("prefix.focus_right", "right,l", "focus_dir('right')",
                  "focus the pane to the right", "Focus the pane to the right"),
    PrefixBinding("prefix.focus_up", "up,k", "focus_dir('up')", "focus the pane above",
                  "Focus the pane above"),
    PrefixBinding("prefix.focus_down", "down,j", "focus_dir('down')", "focus the pane below",
                  "Focus the pane below"),
    PrefixBinding("prefix.zoom", "z", "zoom", "zoom the focused pane (again: back to the grid)",
                  "Zoom the focused pane, or back to the grid"),
    PrefixBinding("prefix.next", "n", "cycle(1)", "next agent (turns the page)", "Next agent"),
    PrefixBinding("prefix.previous", "p", "cycle(-1)", "previous agent", "Previous agent"),
    PrefixBinding("prefix.command", "colon", "command_bar", "command bar", "Command bar"),
    PrefixBinding("prefix.palette", "space", "command_palette", "command palette"),
    PrefixBinding("prefix.help", "question_mark", "help", "this help", "Help: keys and commands"),
    PrefixBinding("prefix.scrollback", "left_square_bracket", "scrollback",
                  "scrollback: / search, n N next, v or space select, enter copy",
                  "Scrollback of the focused pane (search, copy)"),
    PrefixBinding("prefix.paste", "right_square_bracket", "paste_buffer",
                  "paste what scrollback mode copied into the pane",
                  "Paste what scrollback copied into the pane"),
    PrefixBinding("prefix.sidebar", "s", "sidebar", "back to the sidebar", "Go to the sidebar"),
    PrefixBinding("prefix.sidebar_hide", "b", "toggle_sidebar", "hide or show the sidebar",
                  "Hide or show the sidebar"),
    PrefixBinding("prefix.sidebar_narrower", "less_than_sign", "resize_sidebar(-4)",
                  "make the sidebar narrower", "Make the sidebar narrower"),
    PrefixBinding("prefix.sidebar_wider", "greater_than_sign", "resize_sidebar(4)",
                  "make the sidebar wider", "Make the sidebar wider"),
    PrefixBinding("prefix.detach", "d", "detach", "detach: the town keeps running",
                  "Detach (the town keeps running)"),
    PrefixBinding("prefix.needs_me", "w", "needs_me", "what needs you", "What needs you"),
    PrefixBinding("prefix.jump", "exclamation_mark", "jump_needs_me",
                  "jump to the first agent waiting for you", "Jump to what needs you"),
    PrefixBinding("prefix.theme", "t", "pick_theme", "pick a theme", "Theme"),
    PrefixBinding("prefix.review", "r", "review",
                  "review: the merge queue and diffs; approve or send back",
                  "Review: the merge queue and diffs"),
    PrefixBinding("prefix.restart_host", "R", "restart_host",
                  "start the town's host again after it died (its hooks resume)",
                  "Start the town's host again"),
    PrefixBinding("prefix.quit", "q", "quit_app",
                  "quit: detach, or stop the town (hooks suspended, work kept)",
                  "Quit: detach or stop the town"),
)


def normalize_key(key: str) -> str:
    """Textual's key name for a config spelling: ":" -> "colon", "C-b"/"^b" -> "ctrl+b"."""
    key = key.strip()
    if len(key) == 1:
        return _character_to_key(key)
    if key.startswith("^") and len(key) == 2:
        return "ctrl+" + key[1].lower()
    if key.lower().startswith("c-") and len(key) == 3:
        return "ctrl+" + key[2].lower()
    parts = key.split("+")
    base = parts[-1]
    base = _character_to_key(base) if len(base) == 1 else base.lower()
    return "+".join([p.lower() for p in parts[:-1]] + [base])


def is_key(key: str) -> bool:
    """Whether a normalized key name is one a terminal can send ("ctrl+a", "f5", "grave_accent");
    a misspelt name would otherwise bind nothing and leave the key silently dead."""
    mods, _, base = key.rpartition("+")
    if mods and not all(m in MODIFIERS for m in mods.split("+")):
        return False
    return base in _NAMED_KEYS or len(base) == 1 or key_to_character(base) is not None


def prefix_from_config(value: object) -> tuple[str, str | None]:
    """The prefix key from a setting, or the default and a one-line notice why not."""
    key = normalize_key(value) if isinstance(value, str) and value.strip() else ""
    if key and is_key(key):
        return key, None
    return DEFAULT_PREFIX, (f"prefix_key {value!r} is not a key (try ctrl+a or ctrl+space); "
                            f"{key_label(DEFAULT_PREFIX)} is the prefix for now")


def key_label(key: str) -> str:
    """A short human label: "ctrl+b" -> "C-b", "colon" -> ":"."""
    from textual.keys import key_to_character

    mods, plus, base = key.rpartition("+")
    char = key_to_character(base) if len(base) > 1 else base
    shown = char if char and char.isprintable() and char != " " else base
    if mods == "ctrl":
        return f"C-{shown}"
    return f"{mods}+{shown}" if plus else shown


def split_keys(keys: str) -> list[str]:
    return [normalize_key(k) for k in keys.split(",") if k.strip()]


class PrefixTable:
    """key -> PrefixBinding, after overrides. An override takes its key from a default binding
    that had it, as Textual's keymap does; of two overrides on one key, the first listed wins."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self.by_key: dict[str, PrefixBinding] = {}
        overrides = overrides or {}
        wanted = {b.id: split_keys(overrides.get(b.id, b.keys)) for b in PREFIX_BINDINGS}
        for b in sorted(PREFIX_BINDINGS, key=lambda b: b.id not in overrides):
            for k in wanted[b.id]:
                self.by_key.setdefault(k, b)
        # The keys each binding really has, for the help screen.
        self.keys_of: dict[str, list[str]] = {
            b.id: [k for k in wanted[b.id] if self.by_key[k] is b] for b in PREFIX_BINDINGS}

    def get(self, key: str) -> PrefixBinding | None:
        return self.by_key.get(key)


def read_keymap_tables(town_config: Mapping, environ: Mapping[str, str]) -> tuple[dict, list[str]]:
    """The merged `[keymap]` tables (town, then user); problems as one-line notices."""
    problems: list[str] = []
    merged: dict = {}
    table = town_config.get("keymap", {})
    sources: list[tuple[str, object]] = [("town config", table)]
    path = user_config_path(environ)
    if path.is_file():
        try:
            sources.append((str(path), tomllib.loads(path.read_text(encoding="utf-8"))
                            .get("keymap", {})))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            problems.append(f"{path}: not read ({e}); default keys kept")
    for where, table in sources:
        if not isinstance(table, dict):
            problems.append(f"[keymap] in {where} must be a table of id = \"keys\"")
            continue
        merged.update(table)
    return merged, problems


def validate_keymap(table: Mapping, known_ids: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Keep entries with a known id and a non-empty key string."""
    known = set(known_ids)
    good: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in table.items():
        if binding_id not in known:
            problems.append(f"keymap: unknown binding id {binding_id!r} ignored "
                            "(see ? for the ids)")
        elif not isinstance(keys, str) or not keys.strip():
            problems.append(f"keymap: {binding_id} needs a key string like \"ctrl+g\"")
        else:
            names = split_keys(keys)
            bad = [k for k in names if not is_key(k)]
            if bad:
                problems.append(f"keymap: {binding_id} = {keys!r}: {', '.join(bad)} is not a key "
                                "name (e.g. ctrl+g, f5, x); default kept")
            else:
                good[binding_id] = ",".join(names)
    return good, problems


def keymap_clashes(scopes: Mapping[str, Iterable[tuple[str, str]]],
                   overrides: Mapping[str, str]) -> list[str]:
    """One notice per key that an override gives to two bindings answering in the same place.

    `scopes`: where keys arrive (the prefix table, each panel with the screen and the app
    around it) -> the (binding id, default keys) that answer there."""
    problems: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for bindings in scopes.values():
        owners: dict[str, list[str]] = {}
        for binding_id, default in bindings:
            for key in split_keys(overrides.get(binding_id, default)):
                if binding_id not in owners.setdefault(key, []):
                    owners[key].append(binding_id)
        for key, ids in owners.items():
            clash = (key, *sorted(ids))
            if len(ids) < 2 or not any(i in overrides for i in ids) or clash in seen:
                continue
            seen.add(clash)
            names = ("both " if len(ids) == 2 else "") + ", ".join(ids[:-1]) + " and " + ids[-1]
            problems.append(f"keymap: {key_label(key)} is bound to {names}; give one of them "
                            "another key (? lists the keys)")
    return problems
