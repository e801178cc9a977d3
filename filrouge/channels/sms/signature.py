"""Vonage signed requests: the `sig` parameter of inbound SMS and delivery receipts.

The scheme, as Vonage documents it and its SDKs implement it: take every
parameter but `sig`, sorted by name; in each value replace "&" and "=" with
"_"; concatenate "&name=value" for each. Then either (`md5hash`, Vonage's
default) MD5 of that string followed by the signature secret, or an HMAC of the
string keyed by the secret (`md5`, `sha1`, `sha256`, `sha512`, as chosen in the
dashboard). Hex digests are compared case-insensitively and in constant time.
"""

import hashlib
import hmac
from collections.abc import Mapping

METHODS = ("md5hash", "md5", "sha1", "sha256", "sha512")


def signature(params: Mapping[str, str], *, secret: str, method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"unknown Vonage signature method {method!r}")
    text = "".join(
        f"&{name}={str(params[name]).replace('&', '_').replace('=', '_')}"
        for name in sorted(params)
        if name != "sig"
    )
    if method == "md5hash":
        return hashlib.md5((text + secret).encode()).hexdigest()  # noqa: S324 - Vonage's scheme
    return hmac.new(secret.encode(), text.encode(), method).hexdigest()


def is_valid(params: Mapping[str, str], *, secret: str, method: str) -> bool:
    """Whether `params["sig"]` is the signature of the other parameters under `secret`."""
    given = str(params.get("sig", "")).lower()
    if not secret or not given:
        return False
    return hmac.compare_digest(
        given.encode(), signature(params, secret=secret, method=method).encode()
    )


def sign(params: Mapping[str, str], *, secret: str, method: str) -> dict[str, str]:
    """The parameters with their `sig` (for our tests and `replay_samples`)."""
    unsigned = {k: str(v) for k, v in params.items() if k != "sig"}
    return {**unsigned, "sig": signature(unsigned, secret=secret, method=method)}
