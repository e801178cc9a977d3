"""The WSGI application: Django, behind two fast paths for what a storm hits.

- the providers' webhooks: their accepting path commits what they deliver without
  the request stack (see channels/entry.py);
- the status page and its feed, answered from a snapshot (see statuspage/fastpath.py).
"""

import os

from django.core.wsgi import get_wsgi_application

from filrouge.statuspage.fastpath import StatusFastPath

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filrouge.settings")
django_application = get_wsgi_application()

from filrouge.channels.entry import HookEntry  # noqa: E402 - needs the apps loaded

application = HookEntry(StatusFastPath(django_application))
