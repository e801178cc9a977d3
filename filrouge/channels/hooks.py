"""What every channel webhook checks before it stores anything: size and signature.

A refusal is a small JSON body with a reason; nothing is stored when one is
returned.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _


def refuse(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=status)


def too_large(request: HttpRequest) -> JsonResponse | None:
    limit = settings.FILROUGE_HOOK_MAX_BYTES
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit or len(request.body) > limit:
        return refuse(413, _("The request is too large."))
    return None


def unsigned_or_forged(
    request: HttpRequest, *, header: str, is_valid: Callable[[bytes, str], bool]
) -> JsonResponse | None:
    """401 without the provider's signature header, 403 when it does not match the body."""
    if refusal := too_large(request):
        return refusal
    signature = request.headers.get(header, "")
    if not signature:
        return refuse(401, _("The request is not signed."))
    if not is_valid(request.body, signature):
        return refuse(403, _("The signature does not match."))
    return None
