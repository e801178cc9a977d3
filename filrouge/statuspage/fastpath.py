"""A fast path in front of Django for the two pages a storm hits: the status page and its feed.

`GET /etat-du-reseau/`, `/status/` and their `summary.json` with no query string
are answered from the process's snapshot (`snapshot.current()`): no middleware,
no URL resolution, no template, no database — a dictionary lookup and the
bytes. Anything else (another path, a query string such as `?lang=en`, another
method) goes to Django untouched. The Django views serve the very same bytes
and headers (`respond` below), so the two paths cannot drift apart; a test
holds them equal.

The page is the same for everyone (no cookie, no form token, no personal
data), so it may be cached by shared caches for a few seconds, and an
`If-None-Match` with the current ETag gets a 304 without a body.
"""

from django.conf import settings
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

PAGES = {"/etat-du-reseau/": "page", "/status/": "page"}
FEEDS = {"/etat-du-reseau/summary.json": "summary", "/status/summary.json": "summary"}
ROUTES = {**PAGES, **FEEDS}
MAX_AGE = 5  # seconds a shared cache may keep the page: the snapshot moves within a second

_COMMON = [
    ("Cache-Control", f"public, max-age={MAX_AGE}"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]


def language(cookie_header: str, accept_language: str) -> str:
    """LocaleMiddleware's choice without a request: the language cookie, else Accept-Language."""
    name = settings.LANGUAGE_COOKIE_NAME + "="
    for part in cookie_header.split(";"):
        part = part.strip()
        if part.startswith(name):
            try:
                return get_supported_language_variant(part[len(name) :])
            except LookupError:
                break
    for code, _quality in parse_accept_lang_header(accept_language or ""):
        if code == "*":
            break
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def respond(
    kind: str, lang: str, if_none_match: str = "", accept_encoding: str = ""
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of the page (`kind` "page") or the feed ("summary")."""
    from filrouge.statuspage import snapshot  # the models: loaded once Django is set up

    snap = snapshot.current()
    if kind == "summary":
        key, body = "summary", snap.summary
        headers = [
            ("Content-Type", "application/json"),
            ("Access-Control-Allow-Origin", "*"),  # a public feed, read by other sites' widgets
            # The feed is in the default language; Django's LocaleMiddleware says Accept-Language
            # all the same, and both paths must answer alike.
            ("Vary", "Accept-Encoding, Accept-Language"),
        ]
    else:
        key = lang if lang in snap.html else settings.LANGUAGE_CODE
        body = snap.html[key]
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Language", key),
            ("Vary", "Accept-Encoding, Accept-Language, Cookie"),
        ]
    etag = snap.etags[key]
    if "gzip" in accept_encoding:  # compressed once per snapshot, not per request
        body, etag = snap.gzipped[key], etag[:-1] + '-gzip"'
        headers.append(("Content-Encoding", "gzip"))
    headers = [*headers, ("ETag", etag), *_COMMON]
    if if_none_match and etag in if_none_match:
        return 304, headers, b""
    return 200, [*headers, ("Content-Length", str(len(body)))], body


_REASONS = {200: "200 OK", 304: "304 Not Modified"}


class StatusFastPath:
    """WSGI middleware: `application = StatusFastPath(get_wsgi_application())`."""

    def __init__(self, app) -> None:
        from filrouge.statuspage import snapshot

        self.app = app
        snapshot.serve_from_memory()

    def __call__(self, environ, start_response):
        kind = ROUTES.get(environ.get("PATH_INFO", ""))
        method = environ.get("REQUEST_METHOD")
        if kind is None or method not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return self.app(environ, start_response)
        lang = language(environ.get("HTTP_COOKIE", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        status, headers, body = respond(
            kind,
            lang,
            environ.get("HTTP_IF_NONE_MATCH", ""),
            environ.get("HTTP_ACCEPT_ENCODING", ""),
        )
        start_response(_REASONS[status], headers)
        return [b""] if method == "HEAD" else [body]
