import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Agents are created in almost every API test; their password hash is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
