"""The materials admin writes through the services and keeps the secret gate in view."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.tests.factories import make_campaign
from materials.models import Material, ShareLink
from materials.tests.conftest import stored_files
from materials.tests.factories import make_material, pdf_bytes, upload
from organisations.models import AuditEntry

pytestmark = pytest.mark.django_db


def _form(cast, **extra):
    data = {
        "title": "Tài liệu hỏi đáp",
        "kind": "book",
        "description": "",
        "issuing_unit": cast.province.pk,
        "classification": "public",
        "external_url": "",
        "order": 0,
        "links-TOTAL_FORMS": 0,
        "links-INITIAL_FORMS": 0,
        "links-MIN_NUM_FORMS": 0,
        "links-MAX_NUM_FORMS": 1000,
    }
    return {**data, **extra}


def test_staff_add_a_material_with_a_file_in_the_admin(cast, client, media):
    client.force_login(cast.staff)
    response = client.post(
        reverse("admin:materials_material_add"), _form(cast, upload=upload("hoi-dap.pdf", pdf_bytes()))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    material = Material.objects.get()
    assert material.content_type == "application/pdf" and not material.published
    assert stored_files(media) == [material.file.name]
    assert AuditEntry.objects.filter(action="create", target_type="materials.material", actor=cast.staff).exists()


def test_a_wrong_file_in_the_admin_is_refused_with_the_reason(cast, client, media):
    client.force_login(cast.staff)
    response = client.post(reverse("admin:materials_material_add"), _form(cast, upload=upload("gia.pdf", b"MZ" * 50)))
    assert response.status_code == 200
    assert "Loại tệp này không được chấp nhận" in response.content.decode()
    assert not Material.objects.exists() and stored_files(media) == []


def test_admin_actions_publish_and_mark_secret(cast, client):
    material = make_material(cast.province, publish=False)
    client.force_login(cast.staff)
    changelist = reverse("admin:materials_material_changelist")
    client.post(changelist, {"action": "publish_selected", "_selected_action": [material.pk]})
    assert Material.objects.get(pk=material.pk).published
    assert ShareLink.objects.filter(material=material, revoked_at__isnull=True).count() == 1
    client.post(changelist, {"action": "make_secret_selected", "_selected_action": [material.pk]})
    material.refresh_from_db()
    assert material.is_secret and not material.published
    assert not ShareLink.objects.filter(material=material, revoked_at__isnull=True).exists()


def test_an_officer_does_not_see_a_secret_material_of_the_province_in_the_admin(cast, client):
    campaign = make_campaign(cast.province, audience=[cast.committee_a])
    secret = make_material(cast.province, campaign=campaign, title="Bản mật", classification="secret", file=None)
    public = make_material(cast.province, campaign=campaign, title="Bản công khai")
    client.force_login(cast.officer_a)
    listing = client.get(reverse("admin:materials_material_changelist")).content.decode()
    assert "Bản công khai" in listing and "Bản mật" not in listing
    assert client.get(reverse("admin:materials_material_change", args=[secret.pk])).status_code == 404
    page = client.get(reverse("admin:materials_material_change", args=[public.pk]))
    assert page.status_code == 200  # seen (its audience is theirs), not changed: read-only
    assert 'name="title"' not in page.content.decode()


def test_a_read_only_material_in_the_admin_shows_no_empty_upload_row(cast, client):
    campaign = make_campaign(cast.province, audience=[cast.committee_a])
    public = make_material(cast.province, campaign=campaign, title="Bản công khai")
    client.force_login(cast.officer_a)
    page = client.get(reverse("admin:materials_material_change", args=[public.pk])).content.decode()
    assert "field-upload" not in page and "Upload" not in page and "field-stored_file" in page
    client.force_login(cast.staff)  # who may change it still chooses a file
    assert 'name="upload"' in client.get(reverse("admin:materials_material_change", args=[public.pk])).content.decode()
