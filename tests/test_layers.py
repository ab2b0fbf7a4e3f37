"""ARCHITECTURE.md's layer rules, checked on the source and on what a CLI start imports."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "gastown_tui"

# layer -> packages it must never import
FORBIDDEN = {
    "beads": {"textual", "gastown_tui.town", "gastown_tui.term", "gastown_tui.host",
              "gastown_tui.commands", "gastown_tui.ui", "gastown_tui.web"},
    "town": {"textual", "gastown_tui.term", "gastown_tui.host", "gastown_tui.commands",
             "gastown_tui.ui", "gastown_tui.web"},
    "term": {"textual", "gastown_tui.beads", "gastown_tui.town", "gastown_tui.host",
             "gastown_tui.commands", "gastown_tui.ui", "gastown_tui.web"},
    "host": {"textual", "gastown_tui.commands", "gastown_tui.ui", "gastown_tui.web"},
    "commands": {"textual", "gastown_tui.ui", "gastown_tui.web"},
}
# The CLI opens the app (`gt`, `gt demo`) and serves the dashboard (`gt dashboard`), so commands
# may import the ui and web layers inside a function, never at module level: starting `gt` must
# not load Textual (see the start-up test below).
LAZY_ALLOWED = {"commands": {"gastown_tui.ui", "gastown_tui.web"}}


def _imports(path: Path, skip_lazy: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    rel_pkg = ".".join(path.relative_to(PKG.parent).with_suffix("").parts[:-1])
    lazy = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            for n in ast.walk(f)} if skip_lazy else set()
    for node in ast.walk(tree):
        if id(node) in lazy:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = rel_pkg.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer):
    bad = []
    for path in sorted((PKG / layer).rglob("*.py")):
        eager = _imports(path, skip_lazy=True)
        for mod in _imports(path):
            for forbidden in FORBIDDEN[layer]:
                if forbidden in LAZY_ALLOWED.get(layer, ()) and mod not in eager:
                    continue
                if mod == forbidden or mod.startswith(forbidden + "."):
                    bad.append(f"{path.relative_to(PKG.parent)} imports {mod}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("argv", [["gt", "--help"], ["bd", "--help"]])
def test_cli_start_imports_no_textual(argv):
    prog = argv[0]
    code = (
        "import sys\n"
        f"from gastown_tui.commands.{prog} import root\n"
        "root()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'textual', 'rich', 'textual_serve', 'aiohttp'})\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
