import pytest

from filrouge.statuspage import snapshot


@pytest.fixture(autouse=True)
def _fresh_snapshot():
    """The snapshot lives in the process: each test starts without one (and leaves none)."""
    snapshot.forget()
    yield
    snapshot.forget()
