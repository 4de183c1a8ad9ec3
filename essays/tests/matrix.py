"""Permission-matrix cases for the essays app (portal pages and admin). See campaigns/tests/matrix.py."""

from __future__ import annotations

from portal.testing.matrix import Case


def cases() -> list[Case]:
    return []
