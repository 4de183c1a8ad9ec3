"""Background work of the materials app."""

from __future__ import annotations

from celery import shared_task

from .models import Material


@shared_task(acks_late=True)
def material_thumbnail(material_id: int) -> str:
    """Render and store a material's preview image. Idempotent: a redelivery renders the same image again;
    a material deleted meanwhile is skipped."""
    from . import thumbnails

    material = Material.objects.select_related("issuing_unit").filter(pk=material_id).first()
    if material is None:
        return ""
    return thumbnails.make(material)
