"""Materials tests store their files in a temporary MEDIA_ROOT, never in the checkout's var/media, and start
with an empty cache."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> Any:
    from django.core.cache import cache

    cache.clear()  # the link page caches its HTML; keys carry row ids that a new test database reuses
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def media(_media_root: Any) -> Any:
    """The temporary MEDIA_ROOT of this test (a pathlib.Path)."""
    return _media_root


def stored_files(root: Any) -> list[str]:
    """Every file under ``root``, relative paths, sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []
