"""pygit2 imported without `ssl` (`gitload.py`): the same certificate locations as the ordinary
import, a working pygit2, the real `ssl` for everyone after it, and the ordinary import for a
pygit2 that asks `ssl` for more."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import gastown_tui

ROOT = str(Path(gastown_tui.__file__).resolve().parents[1])

REPORT = """
import json, sys
{install}
import pygit2
loaded_ssl = "ssl" in sys.modules
repo = pygit2.init_repository(sys.argv[1], initial_head="main")
open(sys.argv[1] + "/a.txt", "w").write("a")
repo.index.add_all()
sig = pygit2.Signature("t", "t@example.com")
commit = repo.create_commit("HEAD", sig, sig, "one", repo.index.write_tree(), [])
import ssl
print(json.dumps({{"ssl_before": loaded_ssl, "cafile": pygit2.settings.ssl_cert_file,
                  "capath": pygit2.settings.ssl_cert_dir, "commit": len(str(commit)),
                  "real_ssl": hasattr(ssl, "SSLContext"), "finder_left": {left}}}))
"""


def _report(tmp_path: Path, name: str, install: bool) -> dict:
    code = REPORT.format(
        install="from gastown_tui.gitload import install, _Finder\ninstall()" if install else "",
        left="_Finder in sys.meta_path" if install else "False")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / name)], capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": ROOT, "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout)


def test_pygit2_without_ssl_sees_the_same_certificates_and_works(tmp_path):
    light, plain = _report(tmp_path, "light", True), _report(tmp_path, "plain", False)
    assert light["ssl_before"] is False and plain["ssl_before"] is True
    assert (light["cafile"], light["capath"]) == (plain["cafile"], plain["capath"])
    assert light["commit"] == 40 and light["real_ssl"] and not light["finder_left"]


def test_a_pygit2_that_wants_more_of_ssl_is_imported_the_ordinary_way(tmp_path):
    fake = tmp_path / "fake" / "pygit2"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("from ssl import SSLContext\nCONTEXT = SSLContext\n")
    code = ("import sys\nfrom gastown_tui.gitload import install\ninstall()\n"
            "import pygit2, ssl\n"
            "assert pygit2.CONTEXT is ssl.SSLContext and sys.modules['ssl'] is ssl\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": f"{tmp_path / 'fake'}:{ROOT}", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and out.stdout == "ok\n", out.stderr
