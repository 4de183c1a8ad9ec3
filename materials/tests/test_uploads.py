"""Uploads are checked by content, limited in size as they stream in, and nothing is half-stored."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from campaigns.tests.factories import make_campaign
from materials import services, uploads
from materials.models import Material
from materials.tests.conftest import stored_files
from materials.tests.factories import (
    mp3_bytes,
    mp4_bytes,
    office_bytes,
    pdf_bytes,
    png_bytes,
    upload,
    wav_bytes,
)

pytestmark = pytest.mark.django_db


def _image(fmt: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (0, 128, 0)).save(buffer, format=fmt)
    return buffer.getvalue()


ACCEPTED = [
    ("tai-lieu.pdf", pdf_bytes, "application/pdf"),
    ("de-cuong.docx", lambda: office_bytes("docx"), uploads.TYPES["docx"].content_type),
    ("slide.pptx", lambda: office_bytes("pptx"), uploads.TYPES["pptx"].content_type),
    ("bang.xlsx", lambda: office_bytes("xlsx"), uploads.TYPES["xlsx"].content_type),
    ("ghi-am.mp3", mp3_bytes, "audio/mpeg"),
    ("ghi-am.m4a", lambda: mp4_bytes(b"M4A "), "audio/mp4"),
    ("ghi-hinh.mp4", mp4_bytes, "video/mp4"),
    ("ghi-am.wav", wav_bytes, "audio/wav"),
    ("anh.png", png_bytes, "image/png"),
    ("anh.jpg", lambda: _image("JPEG"), "image/jpeg"),
    ("anh.gif", lambda: _image("GIF"), "image/gif"),
    ("anh.webp", lambda: _image("WEBP"), "image/webp"),
]


@pytest.mark.parametrize(("name", "make", "content_type"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_every_accepted_format_is_recognised_by_its_content(name, make, content_type):
    data = make()
    checked = uploads.check_upload(upload(name, data, "application/octet-stream"))
    assert checked.type.content_type == content_type
    assert checked.size == len(data)
    import hashlib

    assert checked.sha256 == hashlib.sha256(data).hexdigest()


REFUSED = [
    ("setup.pdf", b"MZ\x90\x00" + bytes(200), "không được chấp nhận"),
    ("tai-lieu.docx", pdf_bytes(), "PDF"),
    ("nen.docx", None, "Word, PowerPoint, Excel"),  # a zip that is not an Office file
    ("macro.docx", office_bytes("docx", macros=True), "macro"),
    ("cu.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "DOCX"),
    ("cat-do.pdf", pdf_bytes()[:-40], "PDF"),
    ("script.pdf", None, "mã lệnh"),
    ("hong.mp4", mp4_bytes()[:-10], "MP4/M4A"),
    ("anh.mov", b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + bytes(40), "không được chấp nhận"),
    ("hong.png", b"\x89PNG\r\n\x1a\n" + bytes(100), "ảnh"),
    ("im-lang.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x0a" + bytes(4000), "MP3"),
    ("trang.txt", b"Ch\xc3\xa0o c\xc3\xa1c \xc4\x91\xe1\xbb\x93ng ch\xc3\xad", "không được chấp nhận"),
]


def pdf_with_open_action() -> bytes:
    """A valid one-page PDF whose catalogue runs JavaScript when opened."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>",
        b"<< /S /JavaScript /JS (app.alert\\('x'\\);) >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Root 1 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _refused_data(name: str, data: bytes | None) -> bytes:
    if name == "nen.docx":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "không phải tệp Word")
        return buffer.getvalue()
    if name == "script.pdf":
        return pdf_with_open_action()
    assert data is not None
    return data


@pytest.mark.parametrize(("name", "data", "expected"), REFUSED, ids=[r[0] for r in REFUSED])
def test_wrong_or_damaged_files_are_refused_by_content_with_a_vietnamese_message(name, data, expected):
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.check_upload(upload(name, _refused_data(name, data), "application/pdf"))
    assert expected.lower() in refused.value.message.lower()
    assert refused.value.field == "file"


def test_a_password_protected_pdf_is_refused():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("mat-khau")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(uploads.UploadRejected, match="mật khẩu"):
        uploads.check_upload(upload("khoa.pdf", out.getvalue()))


def test_an_empty_or_oversized_file_is_refused():
    with pytest.raises(uploads.UploadRejected, match="rỗng"):
        uploads.check_upload(upload("rong.pdf", b""))
    with pytest.raises(uploads.UploadRejected, match="quá lớn"):
        uploads.check_upload(upload("lon.pdf", pdf_bytes()), limit=100)


def test_a_refused_upload_leaves_no_row_and_no_file(cast, media):
    with pytest.raises(uploads.UploadRejected):
        services.material_create(
            actor=cast.staff,
            upload=upload("setup.pdf", b"MZ" + bytes(100)),
            title="X",
            kind="book",
            issuing_unit=cast.province,
        )
    assert not Material.objects.exists()
    assert stored_files(media) == []


def test_a_rule_broken_after_the_file_was_stored_removes_the_file_again(cast, media):
    # The file is fine, but an audio recording needs an audio file: the stored PDF must go again.
    with pytest.raises(services.DomainError, match="âm thanh"):
        services.material_create(
            actor=cast.staff,
            upload=upload("a.pdf", pdf_bytes()),
            title="Ghi âm",
            kind=Material.Kind.AUDIO,
            issuing_unit=cast.province,
        )
    assert not Material.objects.exists()
    assert stored_files(media) == []


def test_uploads_stream_to_temporary_files_and_stop_at_the_size_limit(settings):
    """The decorator puts the size-limit handler first and the temporary-file handler second (no memory
    handler): a file is written to disk as it arrives, and dropped at the chunk that passes the limit."""
    seen = {}

    @uploads.streamed_uploads
    def view(request):
        seen["files"] = {k: type(v) for k, v in request.FILES.items()}
        seen["refused"] = uploads.refused_upload(request, "upload")
        return HttpResponse("ok")

    factory = RequestFactory()
    data = pdf_bytes()
    request = factory.post("/x/", {"upload": upload("a.pdf", data), "title": "T"})
    request._dont_enforce_csrf_checks = True
    assert view(request).status_code == 200
    assert seen == {"files": {"upload": TemporaryUploadedFile}, "refused": False}

    settings.PORTAL_MATERIAL_MAX_MB = 1
    big = b"%PDF-1.4\n" + bytes(3 * 1024 * 1024)
    request = factory.post("/x/", {"upload": upload("big.pdf", big), "title": "T"})
    request._dont_enforce_csrf_checks = True
    assert view(request).status_code == 200
    assert seen == {"files": {}, "refused": True}
    assert request.POST["title"] == "T"  # the other fields are still read


def test_the_upload_decorator_still_checks_the_csrf_token():
    @uploads.streamed_uploads
    def view(request):
        return HttpResponse("ok")

    request = RequestFactory().post("/x/", {"upload": upload("a.pdf", pdf_bytes())})
    assert view(request).status_code == 403


def test_an_oversized_upload_on_the_page_says_so_and_stores_nothing(cast, client, settings, media):
    settings.PORTAL_MATERIAL_MAX_MB = 1
    campaign = make_campaign(cast.province)
    client.force_login(cast.staff)
    big = b"%PDF-1.4\n" + bytes(2 * 1024 * 1024)
    response = client.post(
        reverse("materials:create"),
        {
            "title": "Sách lớn",
            "kind": "book",
            "issuing_unit": cast.province.pk,
            "campaign": campaign.pk,
            "classification": "public",
            "order": 0,
            "upload": upload("lon.pdf", big),
        },
    )
    assert response.status_code == 200
    assert "lớn hơn giới hạn 1 MB" in response.content.decode()
    assert not Material.objects.exists()
    assert stored_files(media) == []


def test_a_wrong_file_on_the_page_is_explained_and_nothing_is_stored(cast, client, media):
    client.force_login(cast.staff)
    response = client.post(
        reverse("materials:create"),
        {
            "title": "Giả PDF",
            "kind": "book",
            "issuing_unit": cast.province.pk,
            "classification": "public",
            "order": 0,
            "upload": upload("gia.pdf", b"<html>not a pdf</html>"),
        },
    )
    assert response.status_code == 200
    assert "Loại tệp này không được chấp nhận" in response.content.decode()
    assert not Material.objects.exists()
    assert stored_files(media) == []
