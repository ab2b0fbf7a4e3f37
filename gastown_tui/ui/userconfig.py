"""Where a person keeps their own settings of the app (keymap, view settings), beside the
town's config: `<config dir>/gastown/config.toml`. Its own module, free of Textual, so the
settings can be read before Textual is loaded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping


def user_config_path(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(environ.get("HOME", "~"), ".config")
    return Path(base).expanduser() / "gastown" / "config.toml"
