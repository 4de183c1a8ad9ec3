"""Permission-matrix cases of the member's essay pages (essays/views.py), for essays/tests/matrix.py.

Targets, seen from the A side of the cast:
  own      a campaign of committee_a for cell_a, and member_a's (person_a's) draft in it, with a PDF
  sibling  a campaign of grassroots_a for cell_a2, and person_a2's draft in it
  outside  a campaign of committee_b for cell_b, and person_b's draft in it
Writing needs a participant the campaign concerns: accounts without a Person (officers, staff, the
superuser) get 403 where they can see the campaign. Reading an essay's text or file: its author and its
graders (access.can_read_private); a secretary sees the essay exists (VIEW) but may not read it (403).
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from essays.models import Essay
from portal.testing.matrix import REDIRECT, Case, table

ONLY = ("-",)

MINE = table(anonymous=REDIRECT, outsider=403, member_a=200, secretary_a=200, officer_a=403, staff=403, superuser=403)
# A campaign's writing pages: participants it concerns; others 403 where they see the campaign, else 404.
WRITE = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(200, 404, 404),
    secretary_a=(200, 404, 404),
    officer_a=(403, 403, 404),
    staff=403,
    superuser=403,
)
# Confirmation step: member_a has a draft (200); secretary_a has none and is sent back to the editor.
CONFIRM = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(200, 404, 404),
    secretary_a=(302, 404, 404),
    officer_a=(403, 403, 404),
    staff=403,
    superuser=403,
)
# Autosave of member_a's draft at its version: saved (200). secretary_a has no draft: that version is stale (409).
AUTOSAVE_POST = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(200, 404, 404),
    secretary_a=(409, 404, 404),
    officer_a=(403, 403, 404),
    staff=403,
    superuser=403,
)
# An upload without a file: refused (400) for participants, nothing stored.
UPLOAD_EMPTY = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(400, 404, 404),
    secretary_a=(400, 404, 404),
    officer_a=(403, 403, 404),
    staff=403,
    superuser=403,
)
# Submitting with a version that is not the stored one: a conflict for the author (409), nothing to submit for
# the secretary (400); nothing changes.
SUBMIT_STALE = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(409, 404, 404),
    secretary_a=(400, 404, 404),
    officer_a=(403, 403, 404),
    staff=403,
    superuser=403,
)
# An essay's text and file: the author and the graders of its subtree.
READ = table(
    anonymous=REDIRECT,
    outsider=404,
    member_a=(200, 404, 404),
    secretary_a=(403, 404, 404),
    officer_a=(200, 200, 404),
    staff=200,
    superuser=200,
)


def world(cast: Any) -> dict[str, dict[str, Any]]:
    """The own / sibling / outside campaigns and drafts (made once per cast)."""
    cached = getattr(cast, "_essay_member_world", None)
    if cached is not None:
        return cached
    from essays.tests.factories import make_essay, make_essay_campaign, pdf_bytes

    specs = {
        "own": (cast.committee_a, cast.cell_a, cast.person_a),
        "sibling": (cast.grassroots_a, cast.cell_a2, cast.person_a2),
        "outside": (cast.committee_b, cast.cell_b, cast.person_b),
    }
    built: dict[str, dict[str, Any]] = {}
    for key, (organiser, cell, person) in specs.items():
        campaign = make_essay_campaign(organiser, audience=[cell], title=f"Bài thu hoạch {key}")
        name = f"essays/matrix/{key}.pdf"
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(pdf_bytes()))
        essay = make_essay(
            campaign,
            person,
            body="Bản nháp",
            file=name,
            file_name=f"{key}.pdf",
            file_type=Essay.FileType.PDF,
            file_size=len(pdf_bytes()),
            extraction=Essay.Extraction.DONE,
            extracted_text="Bản nháp",
        )
        built[key] = {"campaign": campaign, "essay": essay}
    cast._essay_member_world = built
    return built


def _campaign_url(name: str) -> Any:
    return lambda c, t: reverse(name, args=[world(c)[t]["campaign"].pk])


def _essay_url(name: str) -> Any:
    return lambda c, t: reverse(name, args=[world(c)[t]["essay"].pk])


def member_cases() -> list[Case]:
    return [
        Case("essays:mine", lambda c, t: reverse("essays:mine"), MINE, targets=ONLY),
        Case("essays:write", _campaign_url("essays:write"), WRITE),
        Case("essays:autosave", _campaign_url("essays:autosave"), WRITE, note="GET: the stored draft as JSON"),
        Case(
            "essays:autosave",
            _campaign_url("essays:autosave"),
            AUTOSAVE_POST,
            method="post",
            data=lambda c, t: {"version": world(c)[t]["essay"].version, "body": "Nội dung sửa"},
        ),
        Case("essays:upload", _campaign_url("essays:upload"), UPLOAD_EMPTY, method="post", data=lambda c, t: {}),
        Case("essays:submit", _campaign_url("essays:submit"), CONFIRM),
        Case(
            "essays:submit",
            _campaign_url("essays:submit"),
            SUBMIT_STALE,
            method="post",
            data=lambda c, t: {"essay": world(c)[t]["essay"].pk, "version": 999},
        ),
        Case("essays:detail", _essay_url("essays:detail"), READ),
        Case("essays:file", _essay_url("essays:file"), READ),
    ]
