"""QR codes (mã QR) for links printed on paper or shown on screen: as SVG markup or as PNG bytes.

The SVG is built here from the code's module matrix (one ``<path>``, no ids, no XML prolog), so it
can be inlined many times in one HTML page or PDF and stays sharp at any print size (a bitmap
scaled up is blurred by most PDF viewers). The PNG is for
places that need a bitmap (a download, a ``data:`` URI in an e-mail).
"""

from __future__ import annotations

import base64
import io
from typing import Literal

import qrcode
import qrcode.constants
from django.utils.html import escape
from qrcode.image.pil import PilImage

# L ~7 %, M ~15 %, Q ~25 %, H ~30 % of the code may be damaged and still read. M suits print and screens.
ErrorCorrection = Literal["L", "M", "Q", "H"]
_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
# The standard asks for a quiet zone of 4 modules; scanners read 2 well when the code sits on white.
DEFAULT_BORDER = 4


def _code(data: str, *, border: int, error_correction: ErrorCorrection, box_size: int = 10) -> qrcode.QRCode:
    if not data:
        raise ValueError("A QR code needs some data.")
    code = qrcode.QRCode(error_correction=_LEVELS[error_correction], border=border, box_size=box_size)
    code.add_data(data)
    code.make(fit=True)  # the smallest version that holds the data
    return code


def qr_matrix(data: str, *, border: int = DEFAULT_BORDER, error_correction: ErrorCorrection = "M") -> list[list[bool]]:
    """The code's modules, rows top to bottom, True = dark, the quiet zone included."""
    matrix: list[list[bool]] = _code(data, border=border, error_correction=error_correction).get_matrix()
    return matrix


def qr_svg(
    data: str,
    *,
    size: str | None = None,
    border: int = DEFAULT_BORDER,
    error_correction: ErrorCorrection = "M",
    title: str = "",
    css_class: str = "",
) -> str:
    """An ``<svg>`` element (no XML prolog) drawing the QR code of ``data``, to inline in HTML.

    ``size`` is a CSS length for both width and height (e.g. "25mm", "12rem"); without it the
    SVG scales to its container. A link-sized code is one path of a few kilobytes. ``title``
    becomes the accessible name; without it the image is hidden from screen readers.
    """
    matrix = qr_matrix(data, border=border, error_correction=error_correction)
    n = len(matrix)
    # Each horizontal run of dark modules is one stroke along the middle of its row: two path
    # commands per run instead of four for a filled box, which halves WeasyPrint's drawing time.
    runs: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append(f"M{start} {y}.5h{x - start}")
            else:
                x += 1
    dimensions = f' width="{escape(size)}" height="{escape(size)}"' if size else ""
    classes = f' class="{escape(css_class)}"' if css_class else ""
    label = f' role="img" aria-label="{escape(title)}"' if title else ' aria-hidden="true"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}"{dimensions}{classes}{label}'
        f' shape-rendering="crispEdges">'
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="none" stroke="#000" stroke-width="1" d="{"".join(runs)}"/></svg>'
    )


def qr_png(
    data: str,
    *,
    box_size: int = 10,
    border: int = DEFAULT_BORDER,
    error_correction: ErrorCorrection = "M",
) -> bytes:
    """The QR code of ``data`` as PNG bytes, ``box_size`` pixels per module (1-bit, black on white)."""
    code = _code(data, border=border, error_correction=error_correction, box_size=box_size)
    image = code.make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_png_data_uri(
    data: str,
    *,
    box_size: int = 10,
    border: int = DEFAULT_BORDER,
    error_correction: ErrorCorrection = "M",
) -> str:
    """``data:image/png;base64,...`` of :func:`qr_png`, for an ``<img src>`` (the CSP allows data: images)."""
    png = qr_png(data, box_size=box_size, border=border, error_correction=error_correction)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
