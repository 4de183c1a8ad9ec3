"""Builders for materials tests: small real files of every accepted format, and materials made through the
services (the way the portal makes them)."""

from __future__ import annotations

import io
import math
import struct
import wave
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from materials import services
from materials.models import Material, ShareLink
from organisations.models import Organisation


def pdf_bytes(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes(width: int = 64, height: int = 40, colour: tuple[int, int, int] = (179, 20, 28)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def wav_bytes(seconds: float = 2.0, rate: int = 8000) -> bytes:
    """A PCM WAV of a 440 Hz tone: real audio that Chromium plays and seeks in."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(int(seconds * rate))
        )
        out.writeframes(frames)
    return buffer.getvalue()


def mp3_bytes(frames: int = 20) -> bytes:
    """MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz) with silent side information, after an ID3v2 tag."""
    header = bytes([0xFF, 0xFB, 0x90, 0x64])
    frame = header + bytes(417 - 4)
    tag = b"ID3\x03\x00\x00" + bytes([0, 0, 0, 10]) + bytes(10)
    return tag + frame * frames


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_bytes(brand: bytes = b"isom") -> bytes:
    """The box structure of an MP4 file (ftyp, moov, mdat): enough for the content check, not playable."""
    return (
        _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
        + _box(b"moov", _box(b"mvhd", bytes(100)))
        + _box(b"mdat", bytes(64))
    )


def office_bytes(kind: str = "docx", *, macros: bool = False) -> bytes:
    main = {"docx": "word/document.xml", "pptx": "ppt/presentation.xml", "xlsx": "xl/workbook.xml"}[kind]
    content_type = "application/vnd.ms-word.document.macroEnabled.main+xml" if macros else "application/xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml", f'<Types><Override PartName="/{main}" ContentType="{content_type}"/></Types>'
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(main, "<document>Nội dung</document>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00" * 64)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def make_material(
    issuing_unit: Organisation,
    *,
    title: str = "Tài liệu hướng dẫn học tập Kết luận 21-KL/TW",
    kind: str = Material.Kind.BOOK,
    classification: str = "public",
    publish: bool = True,
    file: tuple[str, bytes] | None = ("tai-lieu.pdf", b""),
    external_url: str = "",
    actor: Any = None,
    **fields: Any,
) -> Material:
    """A material made through the services; ``publish`` publishes it (and so gives it a general link)."""
    content = None
    if file is not None and not external_url:
        name, data = file
        content = upload(name, data or pdf_bytes())
    material = services.material_create(
        actor=actor,
        upload=content,
        title=title,
        kind=kind,
        classification=classification,
        issuing_unit=issuing_unit,
        external_url=external_url,
        **fields,
    )
    if publish and classification != "secret":
        services.material_publish(actor=actor, material=material)
    material.refresh_from_db()
    return material


def general_link(material: Material) -> tuple[ShareLink, str]:
    """The material's newest live general link and its code."""
    from materials import codes

    link = material.links.filter(cell__isnull=True, revoked_at__isnull=True).order_by("-created_at").first()
    assert link is not None, "the material has no live general link"
    code = codes.code_of(link)
    assert code is not None
    return link, code
