"""Session-wide setup: the `gt` and `bd` that tests run as processes are the ones installed for
this interpreter, found in its scripts folder even when a version manager's shims are missing or
point elsewhere."""

from __future__ import annotations

import os
import sysconfig

_SCRIPTS = sysconfig.get_path("scripts")
if _SCRIPTS and _SCRIPTS not in os.environ.get("PATH", "").split(os.pathsep)[:1]:
    os.environ["PATH"] = _SCRIPTS + os.pathsep + os.environ.get("PATH", "")
