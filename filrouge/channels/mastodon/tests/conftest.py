import pytest

from filrouge.channels.sms.tests.fakehttp import Answer, FakeProvider


@pytest.fixture
def mastodon(settings):
    """Our Mastodon instance's HTTP edge on loopback: answers `[]` unless told otherwise."""
    fake = FakeProvider(default=Answer(200, b"[]"))
    fake.start()
    settings.MASTODON_BASE_URL = fake.url
    settings.MASTODON_ACCESS_TOKEN = "mastodon-test-token"
    settings.CHANNELS_HTTP_TIMEOUT = 0.5
    yield fake
    fake.stop()
