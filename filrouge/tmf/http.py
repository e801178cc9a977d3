"""The one HTTP call the TMF interface makes (to a listener, or to a partner's API).

Any answer comes back as (status, body); only "could not reach it" raises.
"""

import urllib.error
import urllib.request

MAX_ANSWER = 4 * 1024 * 1024
TIMEOUT = 10


class TmfUnavailable(OSError):
    """The other side could not be reached or did not take it: retried later."""


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
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            return answer.status, answer.read(MAX_ANSWER)
    except urllib.error.HTTPError as error:
        return error.code, error.read(MAX_ANSWER)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TmfUnavailable(str(exc)) from exc
