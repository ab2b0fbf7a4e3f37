"""The compiled hot path of the terminal engine (gastown_tui/term/_fastpath.c).

Everything else is in pyproject.toml. The extension is optional: without a C compiler the
install still works and the engine runs its pure-Python path (tests/term/test_fastpath.py
fails then, so CI notices).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("gastown_tui.term._fastpath", ["gastown_tui/term/_fastpath.c"],
                             optional=True)])
