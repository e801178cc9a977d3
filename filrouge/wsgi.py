"""The WSGI application: Django, behind the lean entry of the providers' webhooks
(`channels/entry.py`), which commits what they deliver without the request stack."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filrouge.settings")
django_application = get_wsgi_application()

from filrouge.channels.entry import HookEntry  # noqa: E402 - needs the apps loaded

application = HookEntry(django_application)
