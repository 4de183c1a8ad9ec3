"""Forms of the reports pages. They offer only campaigns and organisations the user may report on."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.forms import DATE, OrganisationChoiceField
from campaigns.models import Campaign
from organisations import access
from organisations.models import Organisation

from .models import ReportSchedule

A = access.Action
MAX_DEPTH = 2  # province, directly-subordinate committees, grassroots organisations: the levels reports serve


def report_campaigns(user: Any) -> Any:
    return access.visible(Campaign.objects.exclude(status=Campaign.Status.DRAFT), user).order_by("-starts_on", "title")


def report_organisations(user: Any) -> Any:
    return access.visible(
        Organisation.objects.filter(is_active=True, depth__lte=MAX_DEPTH).exclude(kind=Organisation.Kind.CELL),
        user,
        A.REPORT,
    ).order_by("path")


class _ScopedForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    organisation = OrganisationChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    want_pdf = forms.BooleanField(label=_("PDF (official layout)"), required=False, initial=True)
    want_xlsx = forms.BooleanField(label=_("Excel (with the lists of names)"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = report_campaigns(user)
        orgs = report_organisations(user)
        self.fields["organisation"].queryset = orgs
        first = orgs.first()
        self.fields["organisation"].base_depth = first.depth if first else 0

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("want_pdf") or data.get("want_xlsx")):
            raise forms.ValidationError(_("Choose at least one format: PDF or Excel."))
        return data


class ReportRequestForm(_ScopedForm):
    as_of = forms.DateField(label=_("Figures as of"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = timezone.localdate()


class ScheduleForm(_ScopedForm):
    frequency = forms.ChoiceField(label=_("Frequency"), choices=ReportSchedule.Frequency.choices)
