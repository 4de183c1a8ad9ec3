"""The codes of share links (/q/<code>): unguessable, not stored, recomputable by the portal alone.

A link row keeps a random ``nonce`` (128 bits) and ``code_hash`` = SHA-256 of the code. The code handed
out is the first 128 bits of ``HMAC-SHA256(SECRET_KEY, "material-link:" + nonce)``, base64url (22 chars).

- Unguessable: 128 bits of HMAC output; guessing one working code among a million live links still takes
  about 2^108 tries.
- A database leak is not a list of working links: it holds the nonces (useless without SECRET_KEY) and
  the SHA-256 of codes (not invertible for 128-bit random inputs).
- The portal can show a link's code and QR again at any time (it recomputes the HMAC), and finding a link
  from a code is one indexed lookup on ``code_hash`` that does not depend on the key: after a key rotation
  (old key moved to SECRET_KEY_FALLBACKS) printed codes keep working and are still shown right.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Any

from django.conf import settings
from django.urls import reverse

CODE_BYTES = 16  # 128 bits
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")
_PREFIX = b"material-link:"


def new_nonce() -> str:
    return secrets.token_hex(CODE_BYTES)


def code_for(nonce: str, key: str | None = None) -> str:
    """The code of the link with this nonce, under ``key`` (default: the current SECRET_KEY)."""
    secret = (key if key is not None else settings.SECRET_KEY).encode()
    digest = hmac.new(secret, _PREFIX + nonce.encode(), hashlib.sha256).digest()[:CODE_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


def is_well_formed(code: str) -> bool:
    return bool(CODE_RE.match(code))


def code_of(link: Any) -> str | None:
    """The code of a stored link (recomputed), or None when no known key made it."""
    for key in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        code = code_for(link.nonce, key)
        if hmac.compare_digest(hash_code(code), link.code_hash):
            return code
    return None


def link_path(code: str) -> str:
    return reverse("material_link", args=[code])


def link_url(code: str) -> str:
    """The absolute address printed and shared: PORTAL_BASE_URL + /q/<code>."""
    return settings.PORTAL_BASE_URL.rstrip("/") + link_path(code)
