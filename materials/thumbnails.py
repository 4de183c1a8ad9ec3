"""Preview images of materials (1200 x 630 JPEG, the Open Graph size chat apps show when a link is shared).

- a PDF: the top of its first page (letterhead, title), rendered by poppler's ``pdftoppm`` (Debian:
  poppler-utils) in a subprocess with a time limit;
- an image: the image itself, fitted;
- anything else (recordings, Office files, external links), or when rendering fails: a card with the
  material's kind, title and issuing unit, so a link shared in a chat group still says what it is.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

SIZE = (1200, 630)
BACKGROUND = (244, 241, 236)
RED = (179, 20, 28)
FONT_DIRS = (
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/noto",
)
FONTS = {
    "regular": ("LiberationSans-Regular.ttf", "DejaVuSans.ttf", "NotoSans-Regular.ttf"),
    "bold": ("LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf"),
}
PDFTOPPM_SECONDS = 30


def _font(weight: str, size: int) -> Any:
    from PIL import ImageFont

    for directory in FONT_DIRS:
        for name in FONTS[weight]:
            path = Path(directory) / name
            if path.is_file():
                return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _fit(image: Any) -> Any:
    from PIL import Image

    image = image.convert("RGB")
    image.thumbnail((SIZE[0] - 40, SIZE[1] - 40))
    canvas = Image.new("RGB", SIZE, BACKGROUND)
    canvas.paste(image, ((SIZE[0] - image.width) // 2, (SIZE[1] - image.height) // 2))
    return canvas


def _top_of_page(page: Any) -> Any:
    """The top of a page (letterhead, title, first lines): what reads at the size a chat app shows."""
    from PIL import Image

    page = page.convert("RGB")
    if page.width != SIZE[0]:
        page = page.resize((SIZE[0], round(page.height * SIZE[0] / page.width)))
    canvas = Image.new("RGB", SIZE, (255, 255, 255))
    canvas.paste(page.crop((0, 0, SIZE[0], min(page.height, SIZE[1]))), (0, 0))
    return canvas


def _pdf_first_page(path: str) -> Any:
    from PIL import Image

    program = shutil.which("pdftoppm")
    if program is None:
        return None
    with tempfile.TemporaryDirectory(prefix="material-thumb-") as tmp:
        out = Path(tmp) / "page"
        try:
            subprocess.run(  # noqa: S603 - poppler's pdftoppm, found above; the file path is ours
                [
                    program,
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    "-scale-to-x",
                    str(SIZE[0]),
                    "-scale-to-y",
                    "-1",
                    "-png",
                    path,
                    str(out),
                ],
                check=True,
                capture_output=True,
                timeout=PDFTOPPM_SECONDS,
            )
            with Image.open(f"{out}.png") as page:
                page.load()
                return page.copy()
        except (subprocess.SubprocessError, OSError):
            return None


def card(material: Any) -> Any:
    """A title card in the portal's language: the red band, the kind, the title (wrapped), the issuing unit."""
    from PIL import Image, ImageDraw

    with translation.override(settings.LANGUAGE_CODE):
        heading, kind = _("Study materials").upper(), str(material.get_kind_display()).upper()

    canvas = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, SIZE[0], 96), fill=RED)
    draw.text((48, 26), heading, font=_font("bold", 36), fill=(255, 205, 0))
    draw.text((48, 130), kind, font=_font("bold", 30), fill=RED)
    y = 185
    for line in textwrap.wrap(material.title, width=40)[:5]:
        draw.text((48, y), line, font=_font("bold", 50), fill=(33, 37, 41))
        y += 64
    unit = getattr(material.issuing_unit, "name", "")
    draw.text((48, SIZE[1] - 70), unit, font=_font("regular", 32), fill=(73, 80, 87))
    return canvas


def render(material: Any) -> bytes:
    """The JPEG bytes of ``material``'s preview image."""
    from PIL import Image

    image = None
    content_type = material.content_type or ""
    if material.file and content_type == "application/pdf":
        try:
            path = material.file.path
        except NotImplementedError:  # a storage without local paths: work on a temporary copy
            path = None
        if path is None:
            with tempfile.NamedTemporaryFile(suffix=".pdf") as copy, material.file.open("rb") as source:
                shutil.copyfileobj(source, copy)
                copy.flush()
                page = _pdf_first_page(copy.name)
        else:
            page = _pdf_first_page(path)
        if page is not None:
            image = _top_of_page(page)
    elif material.file and content_type.startswith("image/"):
        try:
            with material.file.open("rb") as source, Image.open(source) as picture:
                picture.draft("RGB", (SIZE[0] * 2, SIZE[1] * 2))
                image = _fit(picture)
        except (OSError, ValueError, Image.DecompressionBombError):
            image = None
    if image is None:
        image = card(material)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82, optimize=True)
    return buffer.getvalue()


def make(material: Any) -> str:
    """Render and store ``material``'s preview under a name of its own (``thumbs/<id>.jpg``, replaced in place:
    re-rendering or re-seeding never piles files up); returns that name."""
    from .models import Material

    storage = material.thumbnail.storage
    old = material.thumbnail.name
    name = f"materials/thumbs/{material.pk}.jpg"
    data = ContentFile(render(material))
    storage.delete(name)
    material.thumbnail.name = storage.save(name, data)
    Material.objects.filter(pk=material.pk).update(thumbnail=material.thumbnail.name, updated_at=timezone.now())
    if old and old != material.thumbnail.name:
        storage.delete(old)
    return str(material.thumbnail.name)
