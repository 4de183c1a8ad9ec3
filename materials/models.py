"""Study materials (tài liệu học tập), their share links (/q/<code>) and who opened them.

The secret gate: a material classified *secret* (mật) is never published and never has a live link.
That is enforced by the database, not only by the code above it:
- ``Material``: a CHECK constraint forbids ``classification = secret`` together with ``published``.
- ``ShareLink`` copies its material's classification (``material_classification``) and a CHECK constraint
  forbids a live (not revoked) link on a secret material; triggers (migration 0002) keep the copy in step
  and revoke every link of a material in the same statement that marks it secret, and refuse a link row
  that lies about its material's classification.

Links: the code handed out is ``HMAC(SECRET_KEY, "material-link:" + nonce)``; the database keeps only the
nonce and the SHA-256 of the code. A database leak alone reveals no working link, while the portal can
still show a link's code and QR again (it recomputes it from the nonce).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Document, StudySession
from organisations.models import Organisation, Person


def material_upload_to(material: Material, filename: str) -> str:
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"materials/{uuid.uuid4().hex}{suffix[:6]}"


class Classification(models.TextChoices):
    PUBLIC = "public", _("Public (anyone with the link)")
    INTERNAL = "internal", _("Internal (logged-in people of the audience)")
    SECRET = "secret", _("Secret")


class Material(models.Model):
    """A book, speaker's document, slide deck, recording or text handed out for a campaign."""

    class Kind(models.TextChoices):
        BOOK = "book", _("Book")
        SPEAKER_DOC = "speaker_doc", _("Speaker's document")
        SLIDES = "slides", _("Slides")
        AUDIO = "audio", _("Audio recording")
        VIDEO = "video", _("Video recording")
        TEXT = "text", _("Document text")
        OTHER = "other", _("Other")

    ACCESS_PATH = "issuing_unit__path"

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    document = models.ForeignKey(
        Document,
        verbose_name=_("resolution / document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="materials",
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.SET_NULL, related_name="materials"
    )
    session = models.ForeignKey(
        StudySession,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="materials",
    )
    issuing_unit = models.ForeignKey(
        Organisation, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="materials"
    )
    classification = models.CharField(
        _("classification"), max_length=10, choices=Classification.choices, default=Classification.INTERNAL
    )
    published = models.BooleanField(_("published"), default=False)
    file = models.FileField(_("file"), upload_to=material_upload_to, blank=True, max_length=200)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    external_url = models.URLField(_("external link"), blank=True, max_length=500)
    thumbnail = models.ImageField(upload_to="materials/thumbs/", blank=True, max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("study material")
        verbose_name_plural = _("study materials")
        ordering = ["campaign", "order", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(classification="secret", published=True), name="secret_material_never_published"
            ),
            models.CheckConstraint(
                condition=~(Q(file="") & Q(external_url="")) | Q(published=False), name="published_material_has_content"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_secret(self) -> bool:
        return self.classification == Classification.SECRET


class ShareLink(models.Model):
    """A short link (/q/<code>) to a material, optionally for one cell, with a validity window."""

    ACCESS_PATH = "material__issuing_unit__path"

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="links")
    material_classification = models.CharField(max_length=10, choices=Classification.choices, editable=False)
    nonce = models.CharField(max_length=32, unique=True, editable=False)
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    cell = models.ForeignKey(
        Organisation, verbose_name=_("for cell"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    label = models.CharField(_("label"), max_length=200, blank=True)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(material_classification="secret") | Q(revoked_at__isnull=False),
                name="secret_material_has_no_live_link",
            ),
        ]

    def __str__(self) -> str:
        return self.label or str(self.material)

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The database refuses a row whose copy differs from the material's classification (migration 0002).
        self.material_classification = Material.objects.values_list("classification", flat=True).get(
            pk=self.material_id
        )
        super().save(*args, **kwargs)


class Access(models.Model):
    """One scan or download: an appended row, never a counter update (no hot row under load)."""

    class Kind(models.TextChoices):
        VIEW = "view", _("Opened")
        DOWNLOAD = "download", _("Downloaded")

    ACCESS_PATH = "material__issuing_unit__path"
    ACCESS_SELF = "person_id"

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="accesses")
    link = models.ForeignKey(ShareLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="accesses")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cell = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VIEW)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("material access")
        verbose_name_plural = _("material accesses")
        indexes = [
            models.Index(fields=["material", "cell"], name="material_access_cell"),
            models.Index(fields=["person", "material"], name="material_access_person"),
            models.Index(fields=["link"], name="material_access_link"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.material_id} ({self.at:%d/%m/%Y %H:%M})"
