"""Session-wide setup: the `gt` and `bd` that tests run as processes are the ones installed for
this interpreter, found in its scripts folder even when a version manager's shims are missing or
point elsewhere; they run in their own process (no command server)."""

from __future__ import annotations

import os
import sysconfig

# Hosts that tests start run no command server (commands/served.py): each costs a start of
# ~0.3 s of CPU, and the suite has a budget. tests/host/test_served.py drops the variable for
# its hosts and agents, and compares served commands with these in-process ones.
os.environ["GT_NO_SERVER"] = "1"

_SCRIPTS = sysconfig.get_path("scripts")
if _SCRIPTS and _SCRIPTS not in os.environ.get("PATH", "").split(os.pathsep)[:1]:
    os.environ["PATH"] = _SCRIPTS + os.pathsep + os.environ.get("PATH", "")


def _load_shared_modules() -> None:
    """The town fixtures serve tests/town and tests/commands, the hostile-text catalogue every
    folder that shows stored text, the contrast measure the app's and the dashboard's tests, a sample transcript the status
    tests;
    importlib import mode puts no test folder on sys.path, so each module is loaded by path
    once, under a name no other test uses."""
    import importlib.util
    import sys
    from pathlib import Path

    here = Path(__file__).parent
    for name, path in (("gastown_town_test_fixtures", here / "town" / "fixtures.py"),
                       ("hostile_text", here / "hostile_text.py"),
                       ("contrast", here / "contrast.py"),
                       ("transcript_sample", here / "transcript_sample.py")):
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)


_load_shared_modules()
