"""Where Fil Rouge may POST events: the hosts of `TMF_CALLBACK_HOSTS`.

A listener's `callback` is an address a caller of `POST /hub` chose, and the worker
then POSTs to it: without a list, a key holder could aim our server at any host
our network reaches. Each entry is a host name (`listener.partner.example`), a
domain with its sub-domains (`.partner.example`), or either with a port
(`127.0.0.1:8000`); without a port, any port. Left empty: the host and port of
`FILROUGE_PUBLIC_URL` only (our own listener, as in the loopback demo). Checked when a
listener registers (a 422) and again before each delivery (a listener whose host
left the list is given up); redirects are never followed (`http.call`).
"""

from urllib.parse import urlsplit

from django.conf import settings

_PORTS = {"http": 80, "https": 443}


def _entries() -> list[tuple[str, int | None]]:
    if not settings.TMF_CALLBACK_HOSTS:
        ours = urlsplit(settings.FILROUGE_PUBLIC_URL)
        return [((ours.hostname or "").lower(), ours.port or _PORTS.get(ours.scheme))]
    entries = []
    for raw in settings.TMF_CALLBACK_HOSTS:
        host, _colon, port = raw.strip().lower().partition(":")
        if host:
            entries.append((host, int(port) if port.isdigit() else None))
    return entries


def allowed(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return False
    if parts.scheme not in {"http", "https"} or not host or parts.username or parts.password:
        return False
    port = port or _PORTS[parts.scheme]
    for name, wanted_port in _entries():
        if wanted_port is not None and wanted_port != port:
            continue
        if host == name or (name.startswith(".") and host.endswith(name)):
            return True
    return False
