"""The secret gate holds in the database itself, whatever code writes (raw queryset updates here)."""

import pytest
from django.db import IntegrityError, transaction

from materials.models import Material, ShareLink
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def _material(**fields):
    org = Organisation.objects.create(name="Tỉnh ủy Thử", kind=Organisation.Kind.PROVINCE)
    return Material.objects.create(title="Sách", kind="book", issuing_unit=org, external_url="https://x.vn", **fields)


def _refused(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_a_link_copies_its_materials_classification_and_may_not_lie_about_it():
    material = _material(classification="public")
    link = ShareLink.objects.create(material=material, nonce="n1", code_hash="h1")
    assert link.material_classification == "public"
    _refused(lambda: ShareLink.objects.filter(pk=link.pk).update(material_classification="internal"))


def test_marking_a_material_secret_revokes_its_links_in_the_same_statement():
    material = _material(classification="public", published=True)
    live = ShareLink.objects.create(material=material, nonce="n1", code_hash="h1")
    Material.objects.filter(pk=material.pk).update(classification="secret", published=False)
    live.refresh_from_db()
    assert live.revoked_at is not None
    assert live.material_classification == "secret"
    _refused(lambda: ShareLink.objects.filter(pk=live.pk).update(revoked_at=None))


def test_a_secret_material_gets_no_link_and_is_never_published():
    material = _material(classification="secret")
    _refused(lambda: ShareLink.objects.create(material=material, nonce="n2", code_hash="h2"))
    _refused(lambda: Material.objects.filter(pk=material.pk).update(published=True))
    assert not ShareLink.objects.exists()


def test_a_published_material_has_a_file_or_a_link():
    material = _material(classification="public")
    _refused(lambda: Material.objects.filter(pk=material.pk).update(external_url="", published=True))
