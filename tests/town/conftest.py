"""Real towns with real git rigs in temp dirs (tests/town/fixtures.py, loaded by tests/conftest.py)."""

import sys
from pathlib import Path

from gastown_town_test_fixtures import at_town, rig_town, runner, src_repo, town  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parent))  # mq_helpers
