"""Uploaded materials: checked by their content, streamed to disk, limited in size as they arrive.

``check_upload(upload)`` runs before anything is stored and accepts a file only when its bytes are one of
the accepted formats (whatever its name or declared content type says) and its name's extension agrees:

- PDF: ``%PDF-`` header, opened by pypdf, has pages, no password, no JavaScript/Launch actions;
- DOCX, PPTX, XLSX: a zip whose central directory is checked BEFORE anything is unpacked (entry count,
  unpacked size, compression ratio, no encrypted entries), with the Office main part, without macros;
- MP3 (two consecutive valid MPEG Layer III frame headers, after an ID3 tag if any), M4A and MP4 (ISO base
  media boxes chained exactly to the end of the file, an MP4 brand, a ``moov`` box), WAV (RIFF/WAVE with
  a format chunk);
- JPEG, PNG, GIF, WebP: opened and verified by Pillow, within a pixel limit.

The SHA-256 is computed in chunks while checking; nothing is read whole into memory. Every refusal raises
``UploadRejected`` (a DomainError on the ``file`` field) with a message for the user.

``SizeLimitUploadHandler`` goes first in a request's upload handlers (see ``streamed_uploads``): a file
that grows past PORTAL_MATERIAL_MAX_MB is dropped at that chunk, so at most the limit reaches the disk, and
the form says why. Django's TemporaryFileUploadHandler then writes every file to a temporary file, never
to memory, and the storage moves that file into place (no copy).
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from portal.lib.errors import DomainError

MB = 1024 * 1024
HEAD_BYTES = 64 * 1024
CHUNK = 1024 * 1024


class UploadRejected(DomainError):
    """The uploaded file is refused; nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


@dataclass(frozen=True)
class FileType:
    key: str
    label: str
    content_type: str
    extensions: tuple[str, ...]
    family: str  # pdf, office, audio, video, image
    inline: bool  # shown in the browser (preview, player); otherwise only downloaded


_OOXML = "application/vnd.openxmlformats-officedocument."
TYPES: dict[str, FileType] = {
    t.key: t
    for t in (
        FileType("pdf", "PDF", "application/pdf", ("pdf",), "pdf", True),
        FileType("docx", "Word (DOCX)", _OOXML + "wordprocessingml.document", ("docx",), "office", False),
        FileType("pptx", "PowerPoint (PPTX)", _OOXML + "presentationml.presentation", ("pptx",), "office", False),
        FileType("xlsx", "Excel (XLSX)", _OOXML + "spreadsheetml.sheet", ("xlsx",), "office", False),
        FileType("mp3", "MP3", "audio/mpeg", ("mp3",), "audio", True),
        FileType("m4a", "M4A", "audio/mp4", ("m4a",), "audio", True),
        FileType("wav", "WAV", "audio/wav", ("wav",), "audio", True),
        FileType("mp4", "MP4", "video/mp4", ("mp4", "m4v"), "video", True),
        FileType("jpeg", "JPEG", "image/jpeg", ("jpg", "jpeg"), "image", True),
        FileType("png", "PNG", "image/png", ("png",), "image", True),
        FileType("gif", "GIF", "image/gif", ("gif",), "image", True),
        FileType("webp", "WebP", "image/webp", ("webp",), "image", True),
    )
}
BY_CONTENT_TYPE = {t.content_type: t for t in TYPES.values()}
ACCEPT_ATTRIBUTE = ",".join(sorted({f".{ext}" for t in TYPES.values() for ext in t.extensions}))

# Office (zip) limits: checked on the central directory before any entry is unpacked.
ZIP_MAX_ENTRIES = 20000
ZIP_MAX_UNPACKED = 8 * 1024 * MB
ZIP_MAX_RATIO = 200
ZIP_RATIO_FROM = MB
OFFICE_MAIN = {"word/document.xml": "docx", "ppt/presentation.xml": "pptx", "xl/workbook.xml": "xlsx"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch)\b")
IMAGE_MAX_PIXELS = 60_000_000
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"M4A ",
    b"M4B ",
    b"M4V ",
    b"M4VH",
    b"M4VP",
    b"avc1",
    b"dash",
    b"MSNV",
    b"f4v ",
    b"f4a ",
    b"3gp4",
    b"3gp5",
    b"3gp6",
    b"mmp4",
}
_MP3_BITRATES_V1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_MP3_BITRATES_V2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True)
class Checked:
    """What ``check_upload`` learnt about an accepted file."""

    type: FileType
    size: int
    sha256: str
    name: str


def max_bytes() -> int:
    return int(settings.PORTAL_MATERIAL_MAX_MB) * MB


def accepted_labels() -> str:
    return ", ".join(dict.fromkeys(t.label.split(" (")[-1].rstrip(")") for t in TYPES.values()))


def _mb(size: int) -> str:
    from portal.templatetags.portal_format import number

    return number(size / MB, 1)


def too_large_message(size: int | None = None) -> str:
    limit = settings.PORTAL_MATERIAL_MAX_MB
    if size is None:
        return _("The file is larger than the limit of %(limit)s MB: nothing was stored.") % {"limit": limit}
    return _("The file is too large (%(size)s MB); the limit is %(limit)s MB: nothing was stored.") % {
        "size": _mb(size),
        "limit": limit,
    }


def check_upload(upload: Any, *, limit: int | None = None) -> Checked:
    """Accept ``upload`` (an UploadedFile or File) only when its content is an accepted format."""
    size = int(upload.size or 0)
    name = os.path.basename(str(upload.name or ""))
    if size <= 0:
        raise UploadRejected(_("The file is empty."))
    if size > (limit if limit is not None else max_bytes()):
        raise UploadRejected(too_large_message(size))
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    key = _sniff(head, upload)
    file_type = TYPES[key]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in file_type.extensions:
        if key in ("m4a", "mp4") and extension in TYPES["m4a"].extensions + TYPES["mp4"].extensions:
            file_type = TYPES["m4a" if extension == "m4a" else "mp4"]  # the same container: the name decides
        else:
            raise UploadRejected(
                _("The file's content is %(type)s but its name ends in “.%(ext)s”: rename it or choose the right file.")
                % {"type": file_type.label, "ext": extension or "…"}
            )
    _deep_check(file_type.key, head, upload, size)
    digest = hashlib.sha256()
    tail = b""
    upload.seek(0)
    for chunk in iter(lambda: upload.read(CHUNK), b""):
        digest.update(chunk)
        if key == "pdf" and PDF_ACTIVE.search(tail + chunk):
            raise UploadRejected(_("The PDF file contains scripts or automatic actions, which are not accepted."))
        tail = chunk[-16:]
    upload.seek(0)
    return Checked(type=file_type, size=size, sha256=digest.hexdigest(), name=name[:255])


def _sniff(head: bytes, upload: BinaryIO) -> str:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    if head.startswith(OLE_MAGIC):
        raise UploadRejected(
            _(
                "Old Office formats (.doc, .ppt, .xls) and password-protected Office files are not accepted: "
                "save the file as DOCX, PPTX or XLSX without a password."
            )
        )
    if head[4:8] == b"ftyp":
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(len(head), int.from_bytes(head[:4])), 4)}
        if brands & MP4_BRANDS:
            return "mp4"
    if head.startswith(b"ID3") or _mp3_frame_length(head[:4]) is not None:
        return "mp3"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    raise UploadRejected(_("This kind of file is not accepted. Accepted: %(types)s.") % {"types": accepted_labels()})


def _deep_check(key: str, head: bytes, upload: BinaryIO, size: int) -> None:
    checks: dict[str, Callable[[bytes, BinaryIO, int], None]] = {
        "pdf": _check_pdf,
        "mp3": _check_mp3,
        "mp4": _check_iso_media,
        "m4a": _check_iso_media,
        "wav": _check_wav,
        "jpeg": _check_image,
        "png": _check_image,
        "gif": _check_image,
        "webp": _check_image,
    }
    check = checks.get(key)
    if check is not None:
        check(head, upload, size)
    upload.seek(0)


# ---- PDF ------------------------------------------------------------------------------------------


def _check_pdf(head: bytes, upload: BinaryIO, size: int) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    upload.seek(max(0, size - 2048))
    if b"%%EOF" not in upload.read(2048):
        raise UploadRejected(_("The PDF file is damaged or incomplete (it does not end like a PDF)."))
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted:
            raise UploadRejected(_("The PDF file is password-protected: upload a copy without a password."))
        pages = len(reader.pages)
    except UploadRejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError):
        raise UploadRejected(_("The PDF file is damaged and cannot be opened.")) from None
    if pages < 1:
        raise UploadRejected(_("The PDF file has no pages."))


# ---- Office (zip) ---------------------------------------------------------------------------------


def _office_kind(upload: BinaryIO) -> str:
    damaged = _("The file is damaged or is not a Word, PowerPoint or Excel file.")
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)  # reads the central directory only
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UploadRejected(damaged) from None
    if len(entries) > ZIP_MAX_ENTRIES:
        raise UploadRejected(damaged)
    unpacked = 0
    names = set()
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise UploadRejected(_("The Office file is password-protected: upload a copy without a password."))
        unpacked += entry.file_size
        if entry.file_size > ZIP_RATIO_FROM and entry.file_size > ZIP_MAX_RATIO * max(entry.compress_size, 1):
            raise UploadRejected(_("The Office file unpacks to far more data than it holds: it was refused."))
        names.add(entry.filename)
    if unpacked > ZIP_MAX_UNPACKED:
        raise UploadRejected(_("The Office file unpacks to far more data than it holds: it was refused."))
    if "[Content_Types].xml" not in names:
        raise UploadRejected(damaged)
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UploadRejected(
            _("The Office file contains macros, which are not accepted: save it as DOCX, PPTX or XLSX without macros.")
        )
    found = [kind for main, kind in OFFICE_MAIN.items() if main in names]
    if len(found) != 1:
        raise UploadRejected(damaged)
    content_types = archive.getinfo("[Content_Types].xml")
    if content_types.file_size > MB:
        raise UploadRejected(damaged)
    if b"macroEnabled" in archive.read(content_types):
        raise UploadRejected(
            _("The Office file contains macros, which are not accepted: save it as DOCX, PPTX or XLSX without macros.")
        )
    return found[0]


# ---- Audio and video -------------------------------------------------------------------------------


def _mp3_frame_length(header: bytes) -> int | None:
    """The length of the MPEG audio Layer III frame starting with these 4 bytes, or None if it is not one."""
    if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xE0) != 0xE0:
        return None
    version = (header[1] >> 3) & 0x3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
    layer = (header[1] >> 1) & 0x3  # 1: Layer III
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 0x3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = (_MP3_BITRATES_V1 if mpeg1 else _MP3_BITRATES_V2)[bitrate_index] * 1000
    sample_rate = _MP3_RATES[version][rate_index]
    padding = (header[2] >> 1) & 0x1
    return (144 if mpeg1 else 72) * bitrate // sample_rate + padding


def _check_mp3(head: bytes, upload: BinaryIO, size: int) -> None:
    start = 0
    if head.startswith(b"ID3") and len(head) >= 10:
        tag = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]  # syncsafe integer
        start = 10 + tag + (10 if head[5] & 0x10 else 0)
    upload.seek(start)
    window = upload.read(16 * 1024)
    for offset in range(min(len(window), 4096)):
        length = _mp3_frame_length(window[offset : offset + 4])
        if length is None:
            continue
        following = window[offset + length : offset + length + 4]
        if start + offset + length >= size or _mp3_frame_length(following) is not None:
            return
    raise UploadRejected(_("The audio file is damaged: it holds no MP3 audio frames."))


def _check_iso_media(head: bytes, upload: BinaryIO, size: int) -> None:
    damaged = _("The MP4/M4A file is damaged or incomplete.")
    position, boxes, seen = 0, 0, set()
    while position < size:
        upload.seek(position)
        header = upload.read(16)
        if len(header) < 8:
            raise UploadRejected(damaged)
        box_size, box_type = int.from_bytes(header[:4]), header[4:8]
        if box_size == 1:
            if len(header) < 16:
                raise UploadRejected(damaged)
            box_size = int.from_bytes(header[8:16])
        elif box_size == 0:
            box_size = size - position
        if box_size < 8 or position + box_size > size or not all(32 <= b < 127 for b in box_type):
            raise UploadRejected(damaged)
        seen.add(box_type)
        position += box_size
        boxes += 1
        if boxes > 10000:
            raise UploadRejected(damaged)
    if b"moov" not in seen:
        raise UploadRejected(damaged)


def _check_wav(head: bytes, upload: BinaryIO, size: int) -> None:
    position = 12
    while position + 8 <= len(head):
        chunk_id, chunk_size = (
            head[position : position + 4],
            int.from_bytes(head[position + 4 : position + 8], "little"),
        )
        if chunk_id == b"fmt ":
            if chunk_size >= 16 and int.from_bytes(head[position + 8 : position + 10], "little") in (1, 3, 0xFFFE):
                return
            break
        position += 8 + chunk_size + (chunk_size & 1)
    raise UploadRejected(_("The WAV file is damaged or not in a playable (PCM) format."))


# ---- Images ---------------------------------------------------------------------------------------


def _check_image(head: bytes, upload: BinaryIO, size: int) -> None:
    from PIL import Image, UnidentifiedImageError

    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                if width * height > IMAGE_MAX_PIXELS:
                    raise UploadRejected(_("The image is too large (more than 60 megapixels)."))
                image.verify()
    except UploadRejected:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        EOFError,
    ):
        raise UploadRejected(_("The image is damaged and cannot be opened.")) from None


# ---- Streaming and the size limit -----------------------------------------------------------------


class SizeLimitUploadHandler(FileUploadHandler):
    """First upload handler: drops a file at the chunk that takes it past the limit (SkipFile closes and so
    deletes the temporary file of the next handler), and notes it on the request for the form."""

    def __init__(self, request: HttpRequest | None = None, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = limit if limit is not None else max_bytes()

    def _refuse(self) -> None:
        if self.request is not None:
            refused = getattr(self.request, "refused_uploads", set())
            refused.add(self.field_name)
            self.request.refused_uploads = refused  # type: ignore[attr-defined]
        raise SkipFile

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.content_length is not None and self.content_length > self.limit:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def streamed_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a view that takes material uploads: files stream to temporary files (never memory) under
    the size limit. The CSRF check runs after the handlers are set (it reads the POST body)."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.upload_handlers = [SizeLimitUploadHandler(request), TemporaryFileUploadHandler(request)]
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def refused_upload(request: HttpRequest, field: str = "file") -> bool:
    """Did ``SizeLimitUploadHandler`` drop this request's file in ``field``?"""
    return field in getattr(request, "refused_uploads", ())
