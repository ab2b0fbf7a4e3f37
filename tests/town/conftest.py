"""Real towns with real git rigs in temp dirs (tests/town/fixtures.py, loaded by tests/conftest.py)."""

from gastown_town_test_fixtures import at_town, rig_town, runner, src_repo, town  # noqa: F401
