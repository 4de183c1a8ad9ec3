"""Permission-matrix cases for the essays app (portal pages and admin). See campaigns/tests/matrix.py."""

from __future__ import annotations

from portal.testing.matrix import Case


def cases() -> list[Case]:
    result: list[Case] = []
    from essays.tests.matrix_member import member_cases

    result += member_cases()
    from essays.tests.matrix_quality import quality_cases

    result += quality_cases()
    from essays.tests.matrix_grading import grading_cases

    result += grading_cases()
    from essays.tests.matrix_similarity import similarity_cases

    result += similarity_cases()
    return result
