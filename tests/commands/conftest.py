import importlib.util
import sys
from pathlib import Path


def _load_fixtures():
    # importlib import mode puts no test folder on sys.path, so load the shared module by path.
    name = "gastown_town_test_fixtures"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).parents[1] / "town" / "fixtures.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_fx = _load_fixtures()
src_repo, runner, town, at_town, rig_town = (_fx.src_repo, _fx.runner, _fx.town, _fx.at_town,
                                             _fx.rig_town)
