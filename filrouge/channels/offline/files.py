"""Uploaded files checked by what they are, not by what they claim to be.

The type is read from the first bytes (a PDF starts with `%PDF-`, a JPEG with
FF D8 FF, a PNG with its 8-byte signature); the browser's content type and the
file name's extension are ignored. The size limit is `FILROUGE_UPLOAD_MAX_BYTES`.
"""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from filrouge.cases.services import CaseError

SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
PDF = ("application/pdf",)
IMAGES = ("image/jpeg", "image/png")


class UploadRefused(CaseError):
    """A file refused before anything is stored, with a message for the person sending it."""


def sniff(upload: UploadedFile) -> str:
    """The content type the first bytes say, or ""."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    for content_type, magics in SIGNATURES.items():
        if any(head.startswith(magic) for magic in magics):
            return content_type
    return ""


def check_upload(upload: UploadedFile, *, accepted: tuple[str, ...]) -> str:
    """The file's real content type if it is one of `accepted` and not too large; else refused."""
    limit = settings.FILROUGE_UPLOAD_MAX_BYTES
    name = upload.name or _("the file")
    if not upload.size:
        raise UploadRefused(_("“%(name)s” is empty.") % {"name": name})
    if upload.size > limit:
        raise UploadRefused(
            _("“%(name)s” is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    content_type = sniff(upload)
    if content_type not in accepted:
        wanted = _("a PDF") if accepted == PDF else _("a JPEG or PNG image")
        raise UploadRefused(_("“%(name)s” is not %(wanted)s.") % {"name": name, "wanted": wanted})
    return content_type
