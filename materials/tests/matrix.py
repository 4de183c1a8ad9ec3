"""Permission-matrix cases for the materials app (portal pages, public links and admin)."""

from __future__ import annotations

from portal.testing.matrix import Case


def cases() -> list[Case]:
    return []
