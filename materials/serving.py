"""Sending a material's file after the caller checked the right to it: whole, or a byte range (HTTP 206).

Browsers seek in audio and video with ``Range: bytes=N-`` requests; without 206 answers a recording can
only be played from the start. One range per request (what media elements and PDF viewers send); a
multi-range request gets the whole file (allowed by RFC 9110). ``If-Range`` with another ETag gets the
whole file too. Responses are ``Cache-Control: private, no-store``: a shared cache must never keep a
file whose link can be revoked, and each scan should reach the portal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

CHUNK = 256 * 1024
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def content_disposition(filename: str, *, attachment: bool) -> str:
    """A Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    kind = "attachment" if attachment else "inline"
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "tai-lieu"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """``(start, end)`` inclusive for one satisfiable range; None to send the whole file; False: unsatisfiable."""
    if not header or "," in header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


def _slice(handle: Any, start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def file_response(
    request: HttpRequest,
    field_file: Any,
    *,
    content_type: str,
    filename: str,
    etag: str,
    attachment: bool,
) -> HttpResponse:
    """The file of ``field_file`` (a FieldFile), honouring one Range; HEAD gets the headers only."""
    size = field_file.size
    quoted_etag = f'"{etag}"' if etag else ""
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, no-store",
        "Content-Disposition": content_disposition(filename, attachment=attachment),
        "X-Content-Type-Options": "nosniff",
    }
    if quoted_etag:
        headers["ETag"] = quoted_etag
    wanted: tuple[int, int] | None | bool = None
    if_range = request.headers.get("If-Range", "")
    if "Range" in request.headers and (not if_range or if_range == quoted_etag):
        wanted = parse_range(request.headers["Range"], size)
    if wanted is False:
        response = HttpResponse(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        return response
    if request.method == "HEAD":
        response = HttpResponse(content_type=content_type, headers=headers)
        if isinstance(wanted, tuple):
            response.status_code = 206
            response["Content-Range"] = f"bytes {wanted[0]}-{wanted[1]}/{size}"
            response["Content-Length"] = str(wanted[1] - wanted[0] + 1)
        else:
            response["Content-Length"] = str(size)
        return response
    handle = field_file.storage.open(field_file.name, "rb")
    if isinstance(wanted, tuple):
        start, end = wanted
        streamed = StreamingHttpResponse(
            _slice(handle, start, end - start + 1), status=206, content_type=content_type, headers=headers
        )
        streamed["Content-Range"] = f"bytes {start}-{end}/{size}"
        streamed["Content-Length"] = str(end - start + 1)
        return streamed  # type: ignore[return-value]
    whole = FileResponse(handle, content_type=content_type, headers=headers)  # the server's sendfile if any
    whole["Content-Length"] = str(size)
    whole["Content-Disposition"] = headers["Content-Disposition"]
    return whole
