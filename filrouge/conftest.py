import pytest


@pytest.fixture(autouse=True)
def _french(settings):
    """Tests read French, the product's default language."""
    settings.LANGUAGE_CODE = "fr"
