"""Form pieces shared by the apps' list pages."""

from __future__ import annotations

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


def search_field(placeholder: str | Promise) -> forms.CharField:
    """A list page's free-text search box ("q"): optional, at most 100 characters, no browser autofill."""
    return forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "placeholder": placeholder}),
    )
