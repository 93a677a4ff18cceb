import os
import sys
import tempfile
from pathlib import Path

# The validated-rule-base cache goes to a fresh folder, so tests never read a cache left by
# another version of the code (tests/test_cache.py exercises the cache itself).
os.environ["RECOMMENDER_CACHE_DIR"] = tempfile.mkdtemp(prefix="recommender-cache-")
# ... and the cache key (recommender/_cache.py) to a fresh state folder, not the user's own.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="recommender-state-")

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent

# The suite tests the package as users install it (README: `pip install '.[test]' && pytest`),
# never the checkout: an import of the source tree would hide packaging faults such as rule files
# missing from the wheel or discovery that depends on where the package is installed.
import recommender  # noqa: E402

_TESTED = Path(recommender.__file__).resolve().parent
if _TESTED == ROOT / "recommender":
    raise pytest.UsageError(
        f"the suite imported recommender from the checkout ({_TESTED}), not the installed "
        "package: install it (pip install '.[test]') and run `pytest`, not `python -m pytest` "
        "from the repository root, and leave PYTHONPATH unset")


@pytest.fixture
def rules_dir(tmp_path):
    """A minimal valid rule directory (tests/ruledirs.py), for tests that break it."""
    from ruledirs import minimal_rules_dir
    return minimal_rules_dir(tmp_path)
