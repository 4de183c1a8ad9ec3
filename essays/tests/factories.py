"""Builders for essays tests: campaigns asking for essays, essays in any state, and essay files (good and bad).

Other essays helpers append their own small builders below (re-read before editing).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.tests.factories import make_campaign
from essays import rules
from essays.models import Essay, GradeLevel
from organisations.models import Organisation, Person

PARAGRAPHS = [
    "Qua học tập, quán triệt Kết luận số 21-KL/TW, bản thân tôi nhận thức sâu sắc hơn về yêu cầu xây dựng, "
    "chỉnh đốn Đảng và hệ thống chính trị trong giai đoạn mới.",
    "Là đảng viên chi bộ thôn, tôi tự nhận thấy cần nêu cao tinh thần tự phê bình và phê bình, giữ gìn phẩm chất "
    "đạo đức, lối sống, gương mẫu trong sinh hoạt và công tác.",
    "Liên hệ thực tiễn địa phương, tôi sẽ tích cực tham gia các phong trào thi đua, vận động gia đình và bà con "
    "thực hiện tốt chủ trương của Đảng, chính sách, pháp luật của Nhà nước.",
]


def essay_text(words: int = 120) -> str:
    """Vietnamese reflection text of about ``words`` words, in paragraphs."""
    out: list[str] = []
    count = 0
    i = 0
    while count < words:
        paragraph = PARAGRAPHS[i % len(PARAGRAPHS)]
        out.append(paragraph)
        count += len(paragraph.split())
        i += 1
    return "\n\n".join(out)


def make_essay_campaign(
    organisation: Organisation,
    *,
    audience: list[Organisation] | None = None,
    deadline: dt.timedelta | None = dt.timedelta(days=7),
    cutoff: dt.timedelta | None = None,
    min_words: int = 0,
    **fields: Any,
) -> Campaign:
    """An open campaign asking for an essay, its deadline ``deadline`` from now (negative: passed)."""
    now = timezone.now()
    fields.setdefault("essay_required", True)
    return make_campaign(
        organisation,
        audience=audience,
        essay_deadline=now + deadline if deadline is not None else None,
        essay_cutoff=now + cutoff if cutoff is not None else None,
        essay_min_words=min_words,
        **fields,
    )


def make_essay(
    campaign: Campaign,
    person: Person,
    *,
    attempt: int = 1,
    status: str = Essay.Status.DRAFT,
    body: str | None = None,
    passed: bool | None = None,
    released: bool = False,
    graded_at: dt.datetime | None = None,
    **fields: Any,
) -> Essay:
    """An essay row in the given state; ``passed`` True/False grades it with the best / the failing grade."""
    now = timezone.now()
    body = essay_text() if body is None else body
    if passed is not None:
        status = Essay.Status.GRADED
    values: dict[str, Any] = {
        "campaign": campaign,
        "person": person,
        "attempt": attempt,
        "status": status,
        "body": body,
        "word_count": len(body.split()),
        "version": 1,
        "saved_at": now,
    }
    if status != Essay.Status.DRAFT:
        values["submitted_at"] = fields.pop("submitted_at", now - dt.timedelta(days=2))
    if passed is not None:
        levels = rules.ensure_scale(campaign)
        level = next(lv for lv in levels if lv.passing == passed)
        values.update(
            status=Essay.Status.GRADED,
            grade=level,
            graded_at=graded_at or now - dt.timedelta(days=1),
            released_at=now - dt.timedelta(hours=12) if released else None,
        )
    values.update(fields)
    return Essay.objects.create(**values)


def failing_grade(campaign: Campaign) -> GradeLevel:
    return next(level for level in rules.ensure_scale(campaign) if not level.passing)


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


@functools.cache
def pdf_bytes(text: str = "\n\n".join(PARAGRAPHS)) -> bytes:
    """A real PDF (WeasyPrint) holding ``text`` in paragraphs, with Vietnamese glyphs."""
    from django.utils.html import escape
    from weasyprint import HTML

    body = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def encrypted_pdf_bytes() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt("mat-khau", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.add_open_action(JavaScript("app.alert('x');"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)


def document_xml(paragraphs: list[str]) -> str:
    from xml.sax.saxutils import escape

    runs = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paragraphs)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{runs}</w:body></w:document>"
    )


def docx_bytes(
    paragraphs: list[str] | None = None,
    *,
    document: str | None = None,
    content_types: str = CONTENT_TYPES_XML,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A minimal real DOCX (the parts Word needs to open it) holding ``paragraphs``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", RELS_XML)
        archive.writestr(
            "word/document.xml", document if document is not None else document_xml(paragraphs or PARAGRAPHS)
        )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb_bytes(unpacked_mb: int = 200) -> bytes:
    """A small DOCX-looking zip whose document.xml unpacks to ``unpacked_mb`` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        with archive.open("word/document.xml", "w", force_zip64=True) as handle:
            block = b"\0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                handle.write(block)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def pdf_upload(name: str = "bai-thu-hoach.pdf") -> SimpleUploadedFile:
    return upload(name, pdf_bytes(), "application/pdf")


def docx_upload(name: str = "bai-thu-hoach.docx", paragraphs: list[str] | None = None) -> SimpleUploadedFile:
    return upload(
        name, docx_bytes(paragraphs), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
