"""Forms of the campaigns pages: campaigns and plans, sessions with their speakers and connection points.

The forms only offer organisations the user may manage campaigns in; the services enforce the rules.
"""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.db.models import Q, QuerySet
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from organisations import access
from organisations.models import Organisation
from portal.lib.forms import search_field

from . import services
from .models import Campaign, ConnectionPoint, Document, Speaker, StudySession

A = access.Action
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return "— " * max(0, obj.depth - getattr(self, "base_depth", 0)) + obj.name


class OrganisationMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return "— " * max(0, obj.depth - getattr(self, "base_depth", 0)) + obj.name


def managed_roots(user: Any) -> list[Organisation]:
    """The tops of the subtrees where the user may manage campaigns."""
    scope = access.scope_of(user)
    if scope.superuser:
        return list(Organisation.objects.filter(depth=0).order_by("path"))
    return list(Organisation.objects.filter(path__in=scope.paths(A.MANAGE_CAMPAIGNS)).order_by("path"))


def _roots_and_children(roots: list[Organisation], *, extra: list[int] | None = None) -> QuerySet[Organisation]:
    """``roots`` and their direct children that are not party cells (plus the ``extra`` ids)."""
    clause = Q(pk__in=[r.pk for r in roots]) | Q(parent__in=roots, is_active=True)
    if extra:
        clause |= Q(pk__in=extra)
    return Organisation.objects.filter(clause).exclude(kind=Organisation.Kind.CELL).order_by("path")


class DocumentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Document) -> str:
        title = obj.title if len(obj.title) <= 110 else obj.title[:107].rstrip() + "…"
        return f"{obj.number_symbol} ({obj.issued_on:%d/%m/%Y}) – {title}"


class CampaignForm(forms.ModelForm):
    """A provincial (or committee) campaign: documents, audience, participants, period, essay, target."""

    organisation = OrganisationChoiceField(queryset=Organisation.objects.none(), label=_("Organising committee"))
    documents = DocumentChoiceField(
        queryset=Document.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Documents to study"),
    )
    audience = OrganisationMultipleChoiceField(
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Audience"),
        help_text=_(
            "Everyone under the ticked organisations is expected to study. "
            "Finer choices are available in the administration."
        ),
    )

    class Meta:
        model = Campaign
        fields = [
            "title",
            "organisation",
            "documents",
            "audience",
            "include_official",
            "include_probationary",
            "include_non_party",
            "starts_on",
            "ends_on",
            "target_rate",
            "essay_required",
            "essay_deadline",
            "essay_cutoff",
            "essay_min_words",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "essay_deadline": DATETIME,
            "essay_cutoff": DATETIME,
            "title": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roots = managed_roots(user)
        current_audience = list(self.instance.audience.values_list("pk", flat=True)) if self.instance.pk else []
        current_org = [self.instance.organisation_id] if self.instance.pk else []
        organisations = _roots_and_children(roots, extra=current_org).exclude(kind=Organisation.Kind.MASS_ORG)
        self.fields["organisation"].queryset = organisations
        self.fields["audience"].queryset = _roots_and_children(roots, extra=current_audience)
        base = min((r.depth for r in roots), default=0)
        self.fields["organisation"].base_depth = self.fields["audience"].base_depth = base
        documents = Document.objects.order_by("-issued_on", "number_symbol")
        if self.instance.pk:
            chosen = list(self.instance.documents.values_list("pk", flat=True))
            documents = documents.filter(Q(pk__in=chosen) | Q(pk__in=documents.values("pk")[:40]))
        else:
            documents = documents.filter(pk__in=documents.values("pk")[:40])
        self.fields["documents"].queryset = documents
        if len(roots) == 1 and not self.instance.pk:
            # model_to_dict() put empty values here for the blank instance: replace them, not setdefault
            self.initial["organisation"] = self.initial.get("organisation") or roots[0].pk
            self.initial["audience"] = self.initial.get("audience") or [roots[0].pk]
        for name in ("essay_deadline", "essay_cutoff"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "title",
            Row(
                Column("organisation", css_class="col-md-6"),
                Column("target_rate", css_class="col-6 col-md-3"),
                css_class="g-2",
            ),
            "documents",
            Fieldset(
                _("Who studies"),
                "audience",
                Row(
                    Column("include_official", css_class="col-sm-4"),
                    Column("include_probationary", css_class="col-sm-4"),
                    Column("include_non_party", css_class="col-sm-4"),
                    css_class="g-2",
                ),
            ),
            Row(Column("starts_on", css_class="col-6"), Column("ends_on", css_class="col-6"), css_class="g-2"),
            Fieldset(
                _("Reflection essay"),
                "essay_required",
                Row(
                    Column("essay_deadline", css_class="col-md-5"),
                    Column("essay_cutoff", css_class="col-md-5"),
                    Column("essay_min_words", css_class="col-md-2"),
                    css_class="g-2",
                ),
            ),
        )

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("documents"), data.pop("audience")
        return data


class PlanForm(forms.ModelForm):
    """A committee's plan under a provincial campaign: only its dates and essay deadlines are its own."""

    class Meta:
        model = Campaign
        fields = list(services.PLAN_FIELDS)
        widgets = {"starts_on": DATE, "ends_on": DATE, "essay_deadline": DATETIME, "essay_cutoff": DATETIME}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("essay_deadline", "essay_cutoff"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "title",
            Row(Column("starts_on", css_class="col-6"), Column("ends_on", css_class="col-6"), css_class="g-2"),
            Row(
                Column("essay_deadline", css_class="col-md-6"),
                Column("essay_cutoff", css_class="col-md-6"),
                css_class="g-2",
            ),
        )

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def session_organisations(campaign: Campaign, user: Any, *, levels: int, extra: list[int]) -> QuerySet[Organisation]:
    """Organisations under the campaign's organiser, at most ``levels`` below it, that the user manages."""
    base = campaign.organisation
    qs = Organisation.objects.filter(
        path__startswith=base.path,
        depth__lte=base.depth + levels,
        is_active=True,
    ).exclude(kind=Organisation.Kind.CELL)
    qs = access.visible(qs, user, A.MANAGE_CAMPAIGNS)
    if extra:
        qs = qs | Organisation.objects.filter(pk__in=extra)
    return qs.order_by("path")


class SessionForm(forms.ModelForm):
    organisation = OrganisationChoiceField(queryset=Organisation.objects.none(), label=_("Organising organisation"))

    class Meta:
        model = StudySession
        fields = ["title", "organisation", "kind", "format", "starts_at", "ends_at", "venue", "discussion_summary"]
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "discussion_summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        extra = [self.instance.organisation_id] if self.instance.pk else []
        field = self.fields["organisation"]
        field.queryset = session_organisations(campaign, user, levels=1, extra=extra)
        field.base_depth = campaign.organisation.depth
        if not self.instance.pk:
            self.initial["organisation"] = self.initial.get("organisation") or campaign.organisation.pk
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "title",
            Row(
                Column("organisation", css_class="col-md-6"),
                Column("kind", css_class="col-6 col-md-3"),
                Column("format", css_class="col-6 col-md-3"),
                css_class="g-2",
            ),
            Row(Column("starts_at", css_class="col-sm-6"), Column("ends_at", css_class="col-sm-6"), css_class="g-2"),
            "venue",
            "discussion_summary",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The session must end after it starts."))
        return data


class SpeakerForm(forms.ModelForm):
    class Meta:
        model = Speaker
        fields = ["name", "title", "unit", "topic"]


class OrganisationPickField(forms.ChoiceField):
    """A choice among organisations loaded once (a formset's twenty selects share one query)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_pk: dict[str, Organisation] = {}

    def set_organisations(self, organisations: list[Organisation], base_depth: int) -> None:
        self.by_pk = {str(o.pk): o for o in organisations}
        self.choices = [("", "---------")] + [
            (str(o.pk), "— " * max(0, o.depth - base_depth) + o.name) for o in organisations
        ]

    def clean(self, value: Any) -> Organisation | None:
        value = super().clean(value)
        return self.by_pk.get(str(value)) if value else None


class PointForm(forms.ModelForm):
    host = OrganisationPickField(label=_("Host organisation"))

    class Meta:
        model = ConnectionPoint
        fields = ["host", "venue", "person_in_charge"]

    def __init__(self, *args: Any, hosts: list[Organisation] | None = None, base_depth: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].set_organisations(hosts or [], base_depth)
        if self.instance.pk:
            self.initial["host"] = str(self.instance.host_id)


class _BaseChildren(forms.BaseInlineFormSet):
    def validate_unique(self) -> None:  # the service refuses a host twice, with a clear message
        pass

    def rows(self) -> list[services.ChildRow]:
        """The submitted rows for the service: changed or new ones, and those ticked for deletion."""
        out = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            pk = form.instance.pk
            delete = bool(form.cleaned_data.get("DELETE"))
            if pk is None and (delete or not form.has_changed()):
                continue
            fields = {k: v for k, v in form.cleaned_data.items() if k in form._meta.fields}
            out.append(services.ChildRow(fields=fields, pk=pk, delete=delete))
        return out


def point_hosts(campaign: Campaign, user: Any, session: StudySession | None) -> list[Organisation]:
    """Where a connection point may be: the campaign's organiser and the organisations directly under it
    that the user manages, plus the hosts the session already has (one query). Deeper hosts (e.g. commune
    points of a provincial session) are chosen in the administration, which searches instead of listing."""
    qs = session_organisations(campaign, user, levels=1, extra=[])
    if session is not None and session.pk:
        qs = qs | Organisation.objects.filter(pk__in=session.points.values("host_id"))
    return list(qs.distinct().order_by("path"))


SpeakerFormSet = inlineformset_factory(
    StudySession,
    Speaker,
    form=SpeakerForm,
    formset=_BaseChildren,
    extra=1,
    can_delete=True,
    max_num=30,
)
PointFormSet = inlineformset_factory(
    StudySession,
    ConnectionPoint,
    form=PointForm,
    formset=_BaseChildren,
    extra=2,
    can_delete=True,
    max_num=200,
)


class DocumentFilterForm(forms.Form):
    q = search_field(_("Number, title or words (diacritics optional)"))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Document.Kind.choices])


class CampaignFilterForm(forms.Form):
    q = search_field(_("Title or document number"))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Campaign.Status.choices]
    )
