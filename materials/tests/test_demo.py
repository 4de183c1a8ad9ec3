"""The demo province gets a set of study materials with real (small, generated) files."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command

from campaigns import demo as campaigns_demo
from materials import codes, uploads
from materials import demo as materials_demo
from materials.models import Access, Material, ShareLink
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_demo_campaign_for_21_kl_tw_gets_materials_of_every_kind_and_a_secret_one(media):
    # The province and the campaigns' demo, then this app's hook (the other apps' hooks are theirs to test).
    call_command("seed_demo", scale=0.01, no_hooks=True, verbosity=0)
    province = Organisation.objects.get(depth=0)
    campaigns_demo.seed(province, random.Random(1), io.StringIO())
    out = io.StringIO()
    materials_demo.seed(province, random.Random(2), out)
    assert "materials: 6 for the 21-KL/TW campaign" in out.getvalue()
    materials = list(Material.objects.order_by("order"))
    assert [m.classification for m in materials] == ["public", "internal", "public", "internal", "public", "secret"]
    assert {m.campaign.documents.filter(number_symbol="21-KL/TW").exists() for m in materials} == {True}
    for material in materials:
        assert material.thumbnail, material.title
        if material.file:
            with material.file.open("rb") as stored:  # every demo file passes the upload checks
                checked = uploads.check_upload(stored, limit=None)
            assert checked.type.content_type == material.content_type
    kinds = {m.content_type for m in materials if m.file}
    assert kinds == {"application/pdf", "image/png", "audio/wav"}
    secret = materials[-1]
    assert not secret.file and not secret.published and not secret.links.exists()
    live = ShareLink.objects.filter(revoked_at__isnull=True)
    assert live.filter(cell__isnull=True).count() == 5 and all(codes.code_of(link) for link in live)
    assert live.filter(cell__isnull=False).exists()  # the demo secretaries' cells have their own links
    assert Access.objects.filter(material=materials[0]).exists()
    assert sorted(p.parent.name for p in (media / "materials" / "demo").iterdir()) == ["demo"] * 4
