"""Uploaded essay files: only real PDF and DOCX pass, a malicious set is refused with nothing stored,
the text is extracted in the background, retried, and a failure is visible."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from essays import submission, uploads
from essays.models import Essay
from essays.tests.factories import (
    CONTENT_TYPES_XML,
    docx_bytes,
    docx_upload,
    encrypted_pdf_bytes,
    make_essay_campaign,
    pdf_bytes,
    pdf_upload,
    pdf_with_javascript,
    upload,
    zip_bomb_bytes,
)
from organisations.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def many_entries() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        archive.writestr("word/document.xml", "<w:document/>")
        for i in range(uploads.DOCX_MAX_ENTRIES):
            archive.writestr(f"word/media/image{i}.png", b"x")
    return out.getvalue()


def one_dense_part() -> bytes:
    """Under the total limit, but one part compressed ~1000 times."""
    return docx_bytes(extra={"word/media/blank.bin": b"\0" * (3 * 1024 * 1024)})


def encrypted_entry() -> bytes:
    data = bytearray(docx_bytes())
    # Set the "encrypted" flag bit on every local and central header (as a password-protected zip has).
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + offset] |= 0x01
            start += 4
    return bytes(data)


MALICIOUS = {
    "zip bomb": ("bai-thu-hoach.docx", lambda: zip_bomb_bytes(60), "unpack|giải nén"),
    "dense part": ("bai-thu-hoach.docx", one_dense_part, "compressed|nén"),
    "too many parts": ("bai-thu-hoach.docx", many_entries, "too many parts|quá nhiều thành phần"),
    "encrypted zip": ("bai-thu-hoach.docx", encrypted_entry, "encrypted|mã hóa"),
    "renamed executable": (
        "bai-thu-hoach.pdf",
        lambda: b"MZ\x90\x00" + b"\0" * 4000 + b"This program cannot be run",
        "executable|chương trình",
    ),
    "ELF executable": ("bai-thu-hoach.docx", lambda: b"\x7fELF\x02\x01\x01" + b"\0" * 500, "executable|chương trình"),
    "html with script": (
        "bai-thu-hoach.pdf",
        lambda: b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
        "web page|trang web",
    ),
    "oversize": ("bai-thu-hoach.pdf", lambda: b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024), "too large|quá lớn"),
    "empty": ("bai-thu-hoach.pdf", lambda: b"", "empty|rỗng|không có dữ liệu"),
    "encrypted pdf": ("bai-thu-hoach.pdf", encrypted_pdf_bytes, "password|mật khẩu"),
    "pdf with javascript": ("bai-thu-hoach.pdf", pdf_with_javascript, "JavaScript"),
    "damaged pdf": ("bai-thu-hoach.pdf", lambda: b"%PDF-1.7\nthis is not a pdf at all", "damaged|hỏng"),
    "old word file": ("bai-thu-hoach.doc", lambda: uploads.OLE_MAGIC + b"\0" * 2000, ".doc"),
    "macro document": (
        "bai-thu-hoach.docx",
        lambda: docx_bytes(
            content_types=CONTENT_TYPES_XML.replace("document.main+xml", "document.macroEnabled.main+xml")
        ),
        "macro",
    ),
    "zip without a document": (
        "bai-thu-hoach.docx",
        lambda: docx_bytes(extra={}, document="").replace(b"word/document.xml", b"word/documenx.xml"),
        "damaged|hỏng",
    ),
}


@pytest.mark.parametrize("case", list(MALICIOUS), ids=list(MALICIOUS))
def test_malicious_file_is_rejected_with_a_clear_message_and_nothing_is_stored(case, cast, client, media):
    name, make, expected = MALICIOUS[case]
    campaign = make_essay_campaign(cast.province)
    client.force_login(cast.member_a)
    audit_before = AuditEntry.objects.count()
    response = client.post(reverse("essays:upload", args=[campaign.pk]), {"file": upload(name, make())})
    assert response.status_code == 400
    message = response.context["upload_error"]
    import re

    assert re.search(expected, message, re.IGNORECASE), message
    assert message in response.content.decode()
    assert not Essay.objects.exists()
    assert stored_files(media) == []
    assert AuditEntry.objects.count() == audit_before


def test_messages_are_in_vietnamese(cast, client, media):
    campaign = make_essay_campaign(cast.province)
    client.force_login(cast.member_a)
    response = client.post(
        reverse("essays:upload", args=[campaign.pk]), {"file": upload("x.pdf", encrypted_pdf_bytes())}
    )
    assert "mật khẩu" in response.context["upload_error"]


def test_a_file_is_judged_by_its_content_not_its_name(cast):
    checked = uploads.check_upload(upload("bai-viet.docx", pdf_bytes(), "application/msword"))
    assert checked.kind == Essay.FileType.PDF and checked.name == "bai-viet.pdf"
    checked = uploads.check_upload(upload("C:\\Users\\An\\bài thu hoạch.pdf", docx_bytes()))
    assert checked.kind == Essay.FileType.DOCX and checked.name == "bài thu hoạch.docx"


def test_the_size_limit_follows_the_setting(settings):
    settings.PORTAL_UPLOAD_MAX_MB = 1
    big = docx_bytes(extra={"word/media/photo.jpg": random.Random(4).randbytes(1_300_000)})  # incompressible
    with pytest.raises(uploads.UploadRejected, match="1 MB"):
        uploads.check_upload(upload("bai.docx", big))
    settings.PORTAL_UPLOAD_MAX_MB = 2
    assert uploads.check_upload(upload("bai.docx", big)).kind == Essay.FileType.DOCX


def test_docx_text_keeps_paragraphs():
    text = uploads.docx_text(docx_bytes(["Đoạn một của bài.", "Đoạn hai: liên hệ bản thân."]))
    assert text == "Đoạn một của bài.\n\nĐoạn hai: liên hệ bản thân."


def test_pdf_text_reads_vietnamese():
    text = uploads.pdf_text(pdf_bytes("Đảng viên gương mẫu học tập nghị quyết.\n\nĐoạn thứ hai."))
    assert "Đảng viên gương mẫu học tập nghị quyết." in text and "Đoạn thứ hai." in text


@pytest.mark.parametrize("make_upload,kind", [(pdf_upload, "pdf"), (docx_upload, "docx")])
def test_an_uploaded_file_becomes_the_draft_and_its_text_is_extracted(
    make_upload, kind, cast, client, media, django_capture_on_commit_callbacks
):
    campaign = make_essay_campaign(cast.province)
    client.force_login(cast.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("essays:upload", args=[campaign.pk]), {"file": make_upload()})
    assert response.status_code == 302
    essay = Essay.objects.get()
    assert essay.file_type == kind and essay.file_name == f"bai-thu-hoach.{kind}" and essay.version == 1
    assert essay.extraction == Essay.Extraction.DONE and essay.extraction_attempts == 1
    assert "Kết luận số 21-KL/TW" in essay.extracted_text and essay.word_count > 50
    assert essay.text == essay.extracted_text
    [path] = stored_files(media)
    assert path.name != essay.file_name and path.suffix == f".{kind}"  # stored under an unguessable name
    page = client.get(reverse("essays:write", args=[campaign.pk])).content.decode()
    assert essay.file_name in page and reverse("essays:file", args=[essay.pk]) in page


def test_a_new_upload_replaces_the_old_file(cast, media, django_capture_on_commit_callbacks):
    campaign = make_essay_campaign(cast.province)
    with django_capture_on_commit_callbacks(execute=True):
        submission.essay_upload(
            actor=cast.member_a, person=cast.person_a, campaign=campaign, checked=uploads.check_upload(pdf_upload())
        )
    with django_capture_on_commit_callbacks(execute=True):
        submission.essay_upload(
            actor=cast.member_a, person=cast.person_a, campaign=campaign, checked=uploads.check_upload(docx_upload())
        )
    essay = Essay.objects.get()
    assert essay.file_type == "docx" and essay.version == 2
    assert [p.suffix for p in stored_files(media)] == [".docx"]


def test_removing_the_file_brings_back_the_typed_text(cast, media, django_capture_on_commit_callbacks):
    campaign = make_essay_campaign(cast.province)
    submission.essay_draft_save(
        actor=cast.member_a, person=cast.person_a, campaign=campaign, version=0, body="Bài viết trên trang"
    )
    with django_capture_on_commit_callbacks(execute=True):
        submission.essay_upload(
            actor=cast.member_a, person=cast.person_a, campaign=campaign, checked=uploads.check_upload(pdf_upload())
        )
    with django_capture_on_commit_callbacks(execute=True):
        essay = submission.essay_file_remove(actor=cast.member_a, person=cast.person_a, campaign=campaign)
    assert not essay.file and essay.text == "Bài viết trên trang" and essay.word_count == 4
    assert stored_files(media) == []


def test_a_failed_extraction_is_retried_then_shown_to_the_member(
    cast, client, media, django_capture_on_commit_callbacks
):
    """A DOCX whose main part is not well-formed XML passes the checks but cannot be read: retried, then FAILED."""
    broken = docx_bytes(
        document="<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'>"
        "<w:body><w:p><w:t>Chưa đóng thẻ"
    )
    campaign = make_essay_campaign(cast.province)
    client.force_login(cast.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("essays:upload", args=[campaign.pk]), {"file": upload("bai.docx", broken)})
    essay = Essay.objects.get()
    from essays.tasks import EXTRACTION_RETRIES

    assert essay.extraction == Essay.Extraction.FAILED
    assert essay.extraction_attempts == EXTRACTION_RETRIES + 1
    assert "ParseError" in essay.extraction_error
    assert AuditEntry.objects.filter(action="essay_extraction_failed", target_id=str(essay.pk)).count() == 1
    page = client.get(reverse("essays:write", args=[campaign.pk])).content.decode()
    assert "ParseError" in page and "extraction-failed" in page


def test_a_missing_file_fails_the_extraction_visibly(cast, media, django_capture_on_commit_callbacks):
    """Storage trouble on the worker (the file is not there): the same retries, then FAILED with the error."""
    from essays.tasks import extract_essay_text

    campaign = make_essay_campaign(cast.province)
    essay = submission.essay_upload(
        actor=cast.member_a, person=cast.person_a, campaign=campaign, checked=uploads.check_upload(pdf_upload())
    )  # on_commit not run: no task yet
    (media / essay.file.name).unlink()
    extract_essay_text.delay(essay.pk)
    essay.refresh_from_db()
    assert essay.extraction == Essay.Extraction.FAILED and "FileNotFoundError" in essay.extraction_error


def test_extraction_is_idempotent(cast, media, django_capture_on_commit_callbacks):
    from essays.tasks import extract_essay_text

    campaign = make_essay_campaign(cast.province)
    with django_capture_on_commit_callbacks(execute=True):
        essay = submission.essay_upload(
            actor=cast.member_a, person=cast.person_a, campaign=campaign, checked=uploads.check_upload(docx_upload())
        )
    extract_essay_text.delay(essay.pk)  # a duplicate delivery
    essay.refresh_from_db()
    assert essay.extraction == Essay.Extraction.DONE and essay.extraction_attempts == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_extracts_the_text_of_an_upload(celery_worker, cast, settings):
    """With CELERY_BROKER_URL set (CI: PostgreSQL + Redis) a real worker process reads the file."""
    from django.core.files.storage import default_storage

    campaign = make_essay_campaign(cast.province)
    essay = submission.essay_upload(
        actor=cast.member_a,
        person=cast.person_a,
        campaign=campaign,
        checked=uploads.check_upload(docx_upload(paragraphs=["Bài của đồng chí An."])),
    )
    try:
        done = celery_worker.wait_for(
            lambda: Essay.objects.filter(pk=essay.pk, extraction=Essay.Extraction.DONE).first(), timeout=60
        )
        assert done.extracted_text == "Bài của đồng chí An." and done.word_count == 5
    finally:
        default_storage.delete(essay.file.name)
