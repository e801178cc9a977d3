"""What the test suites of every app share: Debian's Chromium for the browser tests.

`browser_test` marks a module of browser tests (skipped, saying why, where Chromium
is missing); the `open_page` fixture (in `filrouge/conftest.py`) opens pages of one
Chromium on the live server: `open_page(width=390, height=844)` for a phone.
"""

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Never `playwright install`: Debian's Chromium, headless, with nothing to download.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

browser_test = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]
