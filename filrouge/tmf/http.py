"""The one HTTP call the TMF interface makes (to a listener, or to a partner's API).

Any answer comes back as (status, body); only "could not reach it" raises.
"""

import urllib.error
import urllib.request

MAX_ANSWER = 4 * 1024 * 1024
TIMEOUT = 10


class TmfUnavailable(OSError):
    """The other side could not be reached or did not take it: retried later."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is the answer, never followed: a callback or a partner's API cannot send
    our POST (and its signature or key) on to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: PLR0913
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def call(
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    token: str = "",
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    if not url.startswith(("http://", "https://")):
        raise TmfUnavailable(f"not an HTTP address: {url}")
    request = urllib.request.Request(  # noqa: S310 - checked just above
        url,
        data=data,
        method=method,
        headers={
            "Accept": "application/json",
            "User-Agent": "FilRouge-TMF621",
            **({"Authorization": f"Bearer {token}"} if token else {}),
            **({"Content-Type": "application/json"} if data is not None else {}),
            **(headers or {}),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT) as answer:
            return answer.status, answer.read(MAX_ANSWER)
    except urllib.error.HTTPError as error:
        return error.code, error.read(MAX_ANSWER)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TmfUnavailable(str(exc)) from exc
