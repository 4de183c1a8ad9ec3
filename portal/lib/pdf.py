"""Rendering a Django template to PDF bytes with WeasyPrint: A4, a serif with Vietnamese glyphs, no network.

``render_pdf("app/thing_pdf.html", context)`` is all a caller needs. The defaults below come in as
a *user* stylesheet, so anything the template's own ``<style>`` says wins over them.

Resources: relative and root-relative URLs resolve against ``settings.PORTAL_BASE_URL`` (so links
printed in a PDF point at the real host), but :class:`LocalStaticFetcher` loads nothing over the
network: a URL under STATIC_URL is read from the local static files, a ``data:`` URI is decoded,
anything else is refused (WeasyPrint logs a warning and leaves the resource out).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Liberation Serif 2 and Noto Serif carry every Vietnamese glyph; Liberation 1 does not, hence the chain.
FONT_FAMILY = '"Times New Roman", "Liberation Serif", "Noto Serif", "DejaVu Serif", serif'
MONO_FAMILY = '"Liberation Mono", "DejaVu Sans Mono", "Noto Sans Mono", monospace'

_MARGIN_BOXES = (
    "top-left-corner",
    "top-left",
    "top-center",
    "top-right",
    "top-right-corner",
    "bottom-left-corner",
    "bottom-left",
    "bottom-center",
    "bottom-right",
    "bottom-right-corner",
    "left-top",
    "left-middle",
    "left-bottom",
    "right-top",
    "right-middle",
    "right-bottom",
)
# Margins of the Party's document layout (Hướng dẫn 36-HD/VPTW): top/bottom 20-25, left 30-35, right 15-20 mm.
# Margin boxes get the font explicitly: they do not inherit it from the document.
BASE_CSS = (
    f"@page {{ size: A4; margin: 20mm 15mm 20mm 30mm; font-family: {FONT_FAMILY}; font-size: 11pt; "
    + " ".join(f"@{box} {{ font-family: {FONT_FAMILY}; }}" for box in _MARGIN_BOXES)
    + " }\n"
    + f"html {{ font-family: {FONT_FAMILY}; font-size: 13pt; line-height: 1.3; color: #000; }}\n"
    + f"code, kbd, samp, pre {{ font-family: {MONO_FAMILY}; }}\n"
)


def css_string(text: str) -> SafeString:
    """``text`` as a quoted CSS string, safe inside a template's ``<style>`` (e.g. for ``content:``)."""
    escaped = "".join(ch if ch.isprintable() and ch not in '"\\<>&' else f"\\{ord(ch):x} " for ch in str(text))
    return mark_safe(f'"{escaped}"')  # noqa: S308 - every character that could end the string or the tag is escaped


def _within(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _static_roots() -> list[Path]:
    dirs = [d[1] if isinstance(d, (list, tuple)) else d for d in getattr(settings, "STATICFILES_DIRS", [])]
    roots = [Path(d) for d in dirs]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots]


def find_static(name: str) -> Path | None:
    """The local file of static asset ``name`` (collected or, in development, found by the finders)."""
    name = name.lstrip("/")
    if not name or "\x00" in name:
        return None
    candidates: list[str] = []
    try:
        if staticfiles_storage.exists(name):
            candidates.append(staticfiles_storage.path(name))
    except (SuspiciousFileOperation, NotImplementedError, ValueError):
        pass
    try:
        found = finders.find(name)
    except (SuspiciousFileOperation, ValueError):
        found = None
    if isinstance(found, str):
        candidates.append(found)
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


class LocalStaticFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves the portal's static files and ``data:`` URIs, nothing else."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(allowed_protocols=("data",), **kwargs)
        self.static_prefix = urlsplit(urljoin(base_url, settings.STATIC_URL))

    def local_path(self, url: str) -> Path | None:
        """The local static file ``url`` names, or None when it names anything else."""
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(url2pathname(unquote(parts.path))).resolve()
            return path if path.is_file() and _within(path, _static_roots()) else None
        prefix = self.static_prefix
        if (parts.scheme, parts.netloc) != (prefix.scheme, prefix.netloc) or not parts.path.startswith(prefix.path):
            return None
        name = unquote(parts.path[len(prefix.path) :])
        if any(part in ("", ".", "..") for part in name.split("/")):
            return None
        return find_static(name)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)  # decoded by urllib, no I/O
        path = self.local_path(url)
        if path is None:
            raise ValueError(f"Only the portal's static files may be loaded into a PDF, not {url!r}.")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def default_base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + "/"


def html_to_pdf(html: str, *, base_url: str | None = None, stylesheets: list[str] | None = None) -> bytes:
    """PDF bytes of an HTML string; ``stylesheets`` (CSS text) go in after the defaults, still below the page's."""
    base = base_url or default_base_url()
    fetcher = LocalStaticFetcher(base)
    sheets = [
        weasyprint.CSS(string=css, base_url=base, url_fetcher=fetcher) for css in (BASE_CSS, *(stylesheets or []))
    ]
    document = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=sheets)
    return pdf


def render_pdf(
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    request: HttpRequest | None = None,
    base_url: str | None = None,
    stylesheets: list[str] | None = None,
) -> bytes:
    """Render ``template_name`` with ``context`` and return the PDF bytes (A4, serif, page defaults above)."""
    html = render_to_string(template_name, context or {}, request=request)
    return html_to_pdf(html, base_url=base_url, stylesheets=stylesheets)
