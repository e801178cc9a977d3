"""The one HTTP call every provider adapter makes (Vonage, Meta, Mastodon, X).

Answers of any status come back as (status, body) for the adapter to judge;
only "could not reach the provider" raises `ProviderUnavailable`, which the
delivery task retries with back-off.
"""

import urllib.error
import urllib.request

from django.conf import settings

MAX_ANSWER = 4 * 1024 * 1024


class ProviderUnavailable(OSError):
    """The provider could not take the request now: retried later."""


def call(
    method: str,
    url: str,
    *,
    provider: str,
    data: bytes | None = None,
    token: str = "",
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - base URLs come from our settings
        url,
        data=data,
        method=method,
        headers={
            "Accept": "application/json",
            "User-Agent": "FilRouge",
            **({"Authorization": f"Bearer {token}"} if token else {}),
            **({"Content-Type": content_type} if data is not None else {}),
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.CHANNELS_HTTP_TIMEOUT) as answer:  # noqa: S310
            return answer.status, answer.read(MAX_ANSWER)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(MAX_ANSWER)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise ProviderUnavailable(f"{provider} unreachable: {exc}") from exc
