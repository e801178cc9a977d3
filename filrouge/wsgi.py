import os

from django.core.wsgi import get_wsgi_application

from filrouge.statuspage.fastpath import StatusFastPath

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filrouge.settings")
# The status page and its feed are answered before Django (see statuspage/fastpath.py).
application = StatusFastPath(get_wsgi_application())
