"""pygit2 for the `gt` and `bd` processes, without the standard modules its import loads for
what those processes never do.

Importing pygit2 costs a `gt done` ~40 ms of its ~120, and some of it is not pygit2's: its
settings ask the `ssl` module where the system's certificates are, and `ssl` brings `socket`,
`selectors`, `base64` and its own enums (~5 ms). `install()` makes the next `import pygit2`,
wherever it happens, see an `ssl` that answers that one question exactly as `ssl` does (from
the same `_ssl`). The real `ssl` is back in place once pygit2 is imported; should a pygit2
ever ask `ssl` for more, its settings are imported the ordinary way instead. (Its `tarfile`,
for `write_archive` alone, cannot wait: an annotation of pygit2's uses it at import.)

This module sits outside the layers (as `files.py`): the entries install it, and every layer's
`import pygit2` stays as it is.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Sequence


def install() -> None:
    """Route this process's first `import pygit2` through `_Finder` (no-op once imported)."""
    if "pygit2" not in sys.modules and _Finder not in sys.meta_path:
        sys.meta_path.insert(0, _Finder)


class _Finder:
    """Finds pygit2 as the path finder does, and loads it with `_Loader`; once."""

    @staticmethod
    def find_spec(name: str, path: Sequence[str] | None = None, target: Any = None) -> Any:
        if name != "pygit2":
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None     # the finders after this one look for it as ever
        # (removed as it answers: the import system stops looking at the list here)
        sys.meta_path.remove(_Finder)
        spec.loader = _Loader(spec.loader)
        return spec


class _Loader:
    def __init__(self, real: Any):
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def create_module(self, spec: Any) -> Any:
        return self.real.create_module(spec)

    def exec_module(self, module: Any) -> None:
        module.__loader__ = module.__spec__.loader = self.real
        shown = sys.modules.get("ssl")
        try:
            sys.modules["ssl"] = _ssl_paths()
            self.real.exec_module(module)
            return
        except ImportError:
            # A pygit2 that wants more of `ssl`: its settings are imported again, below, the
            # ordinary way.
            sys.modules.pop("pygit2.settings", None)
        finally:
            if shown is None:
                sys.modules.pop("ssl", None)
            else:
                sys.modules["ssl"] = shown
        self.real.exec_module(module)


def _ssl_paths() -> Any:
    """A stand-in `ssl` with what pygit2's settings import: `get_default_verify_paths` and its
    result's type, as `ssl` defines them (CPython's ssl.py, unchanged since 3.4)."""
    import types
    from collections import namedtuple

    import _ssl

    stand_in = types.ModuleType("ssl")
    paths = namedtuple("DefaultVerifyPaths", "cafile capath openssl_cafile_env openssl_cafile "
                                             "openssl_capath_env openssl_capath")

    def get_default_verify_paths() -> Any:
        parts = _ssl.get_default_verify_paths()
        cafile = os.environ.get(parts[0], parts[1])
        capath = os.environ.get(parts[2], parts[3])
        return paths(cafile if os.path.isfile(cafile) else None,
                     capath if os.path.isdir(capath) else None, *parts)

    stand_in.DefaultVerifyPaths = paths
    stand_in.get_default_verify_paths = get_default_verify_paths
    return stand_in

