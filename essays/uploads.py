"""Checking an uploaded essay file (PDF or DOCX) by its content, and reading its text.

``check_upload`` runs before anything is stored: a file is accepted only when its bytes are a real PDF
(parsed by pypdf, not encrypted, with pages, without scripts) or a real DOCX (a zip whose central
directory is checked BEFORE any entry is unpacked: entry count, total unpacked size, compression ratio,
no encrypted entries, a Word main document, no macros). Whatever its name or declared content type says.
Every refusal raises ``UploadRejected`` (a DomainError) with a message for the member.

``extract_text`` reads the text of an accepted file (PDF pages through pypdf, DOCX through the zip's
word/document.xml); the background task calls it. It re-applies the zip limits, since a stored file is
read again later.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _

from portal.lib.errors import DomainError

from .models import Essay

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc, and password-protected Office files
DOCX_MAX_ENTRIES = 1000  # a Word document has a few dozen parts; many images make it a few hundred
DOCX_MAX_RATIO = 100  # XML compresses 5-20 times; a zip bomb thousands of times
DOCX_RATIO_FROM = 1024 * 1024  # the ratio is checked on parts that unpack to more than this
DOCUMENT_XML = "word/document.xml"
CONTENT_TYPES = "[Content_Types].xml"
WORD_MAIN = "wordprocessingml.document.main+xml"
PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch)\b")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MIME_TYPES = {
    Essay.FileType.PDF: "application/pdf",
    Essay.FileType.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class UploadRejected(DomainError):
    """The uploaded file is refused; nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check: its kind, a clean original name, and its bytes."""

    kind: str
    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def max_bytes() -> int:
    return settings.PORTAL_UPLOAD_MAX_MB * 1024 * 1024


def docx_max_unpacked() -> int:
    """A DOCX may unpack to five times the upload limit (images are stored, text compresses well)."""
    return 5 * max_bytes()


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


def clean_name(name: str, kind: str) -> str:
    """The original file name, without any directory, control characters or a misleading extension."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip()
    stem = base.rsplit(".", 1)[0].strip(" .") if "." in base else base
    return f"{(stem or 'bai-thu-hoach')[:200]}.{kind}"


def _read_limited(uploaded: Any, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of the upload (enough to tell that it is too large)."""
    chunks, total = [], 0
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            break
    return b"".join(chunks)


def _what_is_it(data: bytes) -> str:
    head = data[:1024].lstrip().lower()
    if data.startswith(b"MZ") or data.startswith(b"\x7fELF"):
        return _("an executable program")
    if data.startswith(OLE_MAGIC):
        return _("an old Word document (.doc) or a password-protected Office file")
    if head.startswith((b"<!doctype html", b"<html", b"<script", b"<?xml", b"<svg")) or b"<script" in head:
        return _("a web page or script")
    return _("another kind of file")


def check_upload(uploaded: Any) -> CheckedFile:
    """Accept ``uploaded`` (a Django UploadedFile) only if it is a real PDF or DOCX within the limits.

    Raises UploadRejected; reads the file into memory (it is at most the size limit).
    """
    if uploaded is None:
        raise UploadRejected(_("Choose a PDF or Word (.docx) file to upload."))
    limit = max_bytes()
    declared = getattr(uploaded, "size", None) or 0
    if declared > limit:
        raise UploadRejected(
            _("The file is too large (%(size)s MB); at most %(limit)s MB is accepted.")
            % {"size": _mb(declared), "limit": settings.PORTAL_UPLOAD_MAX_MB}
        )
    data = _read_limited(uploaded, limit)
    if not data:
        raise UploadRejected(_("The file is empty."))
    if len(data) > limit:
        raise UploadRejected(
            _("The file is too large; at most %(limit)s MB is accepted.") % {"limit": settings.PORTAL_UPLOAD_MAX_MB}
        )
    if data.startswith(PDF_MAGIC):
        _check_pdf(data)
        kind = Essay.FileType.PDF
    elif data.startswith(ZIP_MAGIC):
        _check_docx(data)
        kind = Essay.FileType.DOCX
    elif data.startswith(OLE_MAGIC):
        raise UploadRejected(
            _(
                "This is an old Word document (.doc) or a password-protected Office file. Save it as a .docx "
                "document without a password, or as a PDF, and upload it again."
            )
        )
    else:
        raise UploadRejected(
            _("Only PDF and Word (.docx) files are accepted; this file is %(what)s.") % {"what": _what_is_it(data)}
        )
    return CheckedFile(kind=kind, name=clean_name(getattr(uploaded, "name", ""), kind), data=data)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def _pdf_reader(data: bytes) -> Any:
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data), strict=False)


def _check_pdf(data: bytes) -> None:
    try:
        reader = _pdf_reader(data)
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
    except Exception:  # pypdf raises many kinds of errors on a damaged file
        raise UploadRejected(_("This PDF cannot be read: it is damaged or not a real PDF file.")) from None
    if encrypted:
        raise UploadRejected(
            _("This PDF is encrypted or protected by a password. Save it without a password and upload it again.")
        )
    if pages == 0:
        raise UploadRejected(_("This PDF has no pages."))
    if PDF_ACTIVE.search(data):
        raise UploadRejected(
            _("This PDF contains scripts or actions (JavaScript). Save the essay again as a plain PDF.")
        )


def pdf_text(data: bytes) -> str:
    reader = _pdf_reader(data)
    if reader.is_encrypted:
        raise ValueError("encrypted PDF")
    pages = [(page.extract_text() or "").strip() for page in reader.pages]
    return "\n\n".join(p for p in pages if p)


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------


def _open_docx(data: bytes) -> zipfile.ZipFile:
    """Open the zip and check its central directory; nothing is unpacked here."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UploadRejected(_("This Word file cannot be read: it is damaged or not a real .docx file.")) from None
    if len(infos) > DOCX_MAX_ENTRIES:
        raise UploadRejected(
            _("This Word file holds too many parts (%(count)s; at most %(limit)s).")
            % {"count": len(infos), "limit": DOCX_MAX_ENTRIES}
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise UploadRejected(_("This Word file is encrypted or protected by a password."))
    unpacked = sum(info.file_size for info in infos)
    if unpacked > docx_max_unpacked():
        raise UploadRejected(
            _(
                "This Word file would unpack to %(size)s MB (at most %(limit)s MB); it is refused as a possible "
                "zip bomb."
            )
            % {"size": _mb(unpacked), "limit": _mb(docx_max_unpacked())}
        )
    for info in infos:
        if info.file_size > DOCX_RATIO_FROM and info.file_size > DOCX_MAX_RATIO * max(info.compress_size, 1):
            raise UploadRejected(
                _("A part of this Word file is compressed %(ratio)s times; it is refused as a possible zip bomb.")
                % {"ratio": info.file_size // max(info.compress_size, 1)}
            )
    names = {info.filename for info in infos}
    if DOCUMENT_XML not in names or CONTENT_TYPES not in names:
        raise UploadRejected(_("This Word file cannot be read: it is damaged or not a real .docx file."))
    return archive


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    with archive.open(info) as handle:  # the zip module stops at the declared size and checks the CRC
        return handle.read(docx_max_unpacked() + 1)


def _check_docx(data: bytes) -> None:
    archive = _open_docx(data)
    try:
        types = _read_part(archive, CONTENT_TYPES).decode("utf-8", "replace")
        head = _read_part(archive, DOCUMENT_XML)[:512].lstrip(b"\xef\xbb\xbf \r\n\t")
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        raise UploadRejected(_("This Word file cannot be read: it is damaged or not a real .docx file.")) from None
    if "macroEnabled" in types:
        raise UploadRejected(_("This Word file contains macros (.docm). Save it as a plain .docx document."))
    if WORD_MAIN not in types or not head.startswith(b"<"):
        raise UploadRejected(_("This Word file cannot be read: it is damaged or not a real .docx file."))


def docx_text(data: bytes) -> str:
    """The text of word/document.xml: paragraphs separated by blank lines, tabs and line breaks kept."""
    archive = _open_docx(data)
    xml = _read_part(archive, DOCUMENT_XML)
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        # Without a DTD there are no entities to expand (no "billion laughs") and nothing external to load.
        raise ValueError("word/document.xml declares a DTD")
    paragraphs: list[str] = []
    current: list[str] = []
    for _event, element in ElementTree.iterparse(io.BytesIO(xml), events=("end",)):  # noqa: S314 - no DTD (above)
        tag = element.tag
        if tag == f"{W}t":
            current.append(element.text or "")
        elif tag == f"{W}tab":
            current.append("\t")
        elif tag in (f"{W}br", f"{W}cr"):
            current.append("\n")
        elif tag == f"{W}p":
            paragraphs.append("".join(current).strip())
            current = []
            element.clear()
    return "\n\n".join(p for p in paragraphs if p)


def extract_text(kind: str, data: bytes) -> str:
    """The text of an accepted file (raises on a file that cannot be read)."""
    if kind == Essay.FileType.PDF:
        return pdf_text(data)
    if kind == Essay.FileType.DOCX:
        return docx_text(data)
    raise ValueError(f"unknown file type {kind!r}")
