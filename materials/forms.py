"""Forms of the materials pages. They offer only organisations, campaigns and sessions the user may manage;
the services enforce the rules (and the database the secret gate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Document, StudySession
from organisations import access
from organisations.models import Organisation
from portal.lib.forms import search_field

from . import uploads
from .models import Classification, Material

A = access.Action
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def issuing_units(user: Any, *, extra: int | None = None) -> QuerySet[Organisation]:
    """Where the user may issue materials: the roots of their MANAGE_CAMPAIGNS subtrees and the direct
    children of those roots that are not cells (a committee's grassroots organisations)."""
    scope = access.scope_of(user)
    if scope.superuser:
        roots = Q(depth=0)
        parents = Organisation.objects.filter(depth=0)
    else:
        paths = scope.paths(A.MANAGE_CAMPAIGNS)
        roots = Q(path__in=paths)
        parents = Organisation.objects.filter(path__in=paths)
    clause = roots | Q(parent__in=parents, is_active=True)
    if extra:
        clause |= Q(pk=extra)
    return Organisation.objects.filter(clause).exclude(kind__in=Organisation.CELL_KINDS).order_by("path")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return "— " * obj.depth + obj.name


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Campaign) -> str:
        return f"{obj.title} ({obj.organisation.name})"


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StudySession) -> str:
        return f"{obj.starts_at:%d/%m/%Y} – {obj.title}"


class DocumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Document) -> str:
        return f"{obj.number_symbol} – {obj.title[:90]}"


class MaterialForm(forms.ModelForm):
    """Add or edit a material: what it is, what it belongs to, who issues it, its classification, its content."""

    issuing_unit = UnitChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Issuing unit"),
        help_text=_("Shown on the material's page so members can tell an official QR code from a fake one."),
    )
    campaign = CampaignChoiceField(queryset=Campaign.objects.none(), label=_("Campaign"), required=False)
    session = SessionChoiceField(
        queryset=StudySession.objects.none(),
        label=_("Session"),
        required=False,
        help_text=_("Only if the material belongs to one session (e.g. its recording)."),
    )
    document = DocumentChoiceField(queryset=Document.objects.none(), label=_("Resolution / document"), required=False)
    classification = forms.ChoiceField(
        label=_("Classification"),
        choices=Classification.choices,
        widget=forms.RadioSelect,
        help_text=_("Secret material is never published nor shared by link or QR code: it is handed out on paper."),
    )
    upload = forms.FileField(
        label=_("File"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT_ATTRIBUTE}),
    )
    remove_file = forms.BooleanField(label=_("Remove the current file"), required=False)

    class Meta:
        model = Material
        fields = [
            "title",
            "kind",
            "description",
            "document",
            "campaign",
            "session",
            "issuing_unit",
            "classification",
            "external_url",
            "order",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["issuing_unit"].queryset = issuing_units(user, extra=instance.issuing_unit_id)
        campaigns = access.visible(Campaign.objects.all(), user, A.MANAGE_CAMPAIGNS)
        self.fields["campaign"].queryset = campaigns.select_related("organisation").order_by("-starts_on", "title")
        self.fields["session"].queryset = (
            access.visible(StudySession.objects.all(), user, A.MANAGE_CAMPAIGNS)
            .filter(campaign__in=campaigns)
            .order_by("-starts_at")
        )
        self.fields["document"].queryset = Document.objects.order_by("-issued_on")
        self.fields["upload"].help_text = _(
            "PDF, Word, PowerPoint, Excel, MP3, M4A, WAV, MP4 or an image; at most %(limit)s MB. "
            "The content is checked, not only the name."
        ) % {"limit": uploads.max_bytes() // uploads.MB}
        self.fields["external_url"].help_text = _("Instead of a file: a page on an official site.")
        self.fields["order"].help_text = _("Materials are listed by this number, then by title.")
        if not instance.pk or not instance.file:
            del self.fields["remove_file"]
        if instance.pk is None and not self.is_bound:
            self.initial.setdefault("classification", Classification.INTERNAL)
            self.initial.setdefault("issuing_unit", self.fields["issuing_unit"].queryset.first())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload, url = data.get("upload"), data.get("external_url")
        keeps_file = bool(self.instance.pk and self.instance.file and not data.get("remove_file"))
        if url and (upload or keeps_file):
            self.add_error("external_url", _("Give either a file or an external link, not both."))
        if data.get("classification") == Classification.SECRET and url:
            self.add_error(
                "external_url",
                _("A secret material may not point to a page on the Internet: remove the external link."),
            )
        return data

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}


class LinkForm(forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=200,
        required=False,
        help_text=_("e.g. “Projector, hall of the provincial committee”"),
    )
    valid_from = forms.DateTimeField(label=_("Valid from"), required=False, widget=DATETIME)
    valid_until = forms.DateTimeField(label=_("Valid until"), required=False, widget=DATETIME)


class ClassifyForm(forms.Form):
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)


class ManageFilterForm(forms.Form):
    q = search_field(_("Title"))
    classification = forms.ChoiceField(
        label=_("Classification"), required=False, choices=[("", _("All"))] + list(Classification.choices)
    )
    campaign = forms.TypedChoiceField(label=_("Campaign"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, campaigns: list[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", _("All"))] + [(c.pk, c.title) for c in campaigns]


class CellFilterForm(forms.Form):
    STATES = [
        ("", _("All cells")),
        ("before", _("Opened before the session")),
        ("after", _("Opened only after it started")),
        ("never", _("Not opened yet")),
    ]
    state = forms.ChoiceField(label=_("Show"), choices=STATES, required=False)
