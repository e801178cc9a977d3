import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache, keyed by partner id: ids repeat across tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _listeners_on_loopback(settings):
    """The tests' listeners and live servers are on loopback, on ports chosen at run time."""
    settings.TMF_CALLBACK_HOSTS = ["127.0.0.1", "localhost"]
