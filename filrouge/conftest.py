import pytest


@pytest.fixture(autouse=True)
def _french(settings):
    """Tests read French, the product's default language."""
    settings.LANGUAGE_CODE = "fr"


@pytest.fixture
def open_page(live_server, transactional_db, monkeypatch):
    """`open_page(width, height, **options)`: a page of Debian's Chromium, in French, on the
    live server; the browser closes at the end of the test."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from filrouge.testing import CHROMIUM, CHROMIUM_ARGS

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # itself makes (factories, checks) are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def open_page(width: int = 390, height: int = 844, **options):
            options.setdefault("locale", "fr-FR")
            page = browser.new_page(viewport={"width": width, "height": height}, **options)
            page.set_default_timeout(10_000)
            return page

        yield open_page
        browser.close()
        # Inside Playwright's loop the ORM keys connections by context, not by thread:
        # close those here or they outlive the test (PostgreSQL then refuses to drop
        # the test database).
        connections.close_all()


@pytest.fixture
def mail_sink(tmp_path, settings):
    """A real local SMTP server that keeps what Fil Rouge sends (see `testing.MailSink`)."""
    from filrouge.testing import MailSink

    sink = MailSink(tmp_path / "mailsink")
    sink.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # not locmem
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    yield sink
    sink.controller.stop()
