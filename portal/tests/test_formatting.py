"""Numbers, percentages and dates as Vietnamese readers expect them (and as English readers do)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from portal.lib.numbers import rate


def render(source: str, language: str, **context: object) -> str:
    with translation.override(language):
        return Template("{% load portal_format %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("vi", "46.540"), ("en", "46,540")],
)
def test_number_groups_thousands_the_readers_way(language, expected):
    assert render("{{ n|number }}", language, n=46540) == expected


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (1234567, "1.234.567", "1,234,567"),
        (999, "999", "999"),
        (0, "0", "0"),
        (-12345, "-12.345", "-12,345"),
        (Decimal("1234.5"), "1.234,5", "1,234.5"),
    ],
)
def test_number_handles_big_small_negative_and_decimal_values(value, vi, en):
    assert render("{{ n|number }}", "vi", n=value) == vi
    assert render("{{ n|number }}", "en", n=value) == en


def test_number_rounds_to_the_requested_decimals():
    assert render("{{ n|number:2 }}", "vi", n=1234.5) == "1.234,50"
    assert render("{{ n|number:1 }}", "en", n=Decimal("0.25")) == "0.3"  # half up, not banker's rounding


@pytest.mark.parametrize(("language", "expected"), [("vi", "95,74%"), ("en", "95.74%")])
def test_percent_of_a_float_ratio(language, expected):
    assert render("{{ r|percent }}", language, r=0.9574) == expected


@pytest.mark.parametrize(("language", "expected"), [("vi", "94,96%"), ("en", "94.96%")])
def test_percent_of_a_decimal_rate(language, expected):
    assert render("{{ r|percent }}", language, r=rate(12345, 13000)) == expected


def test_percent_of_whole_and_nothing():
    assert render("{{ r|percent }}", "vi", r=rate(13, 13)) == "100,00%"
    assert render("{{ r|percent:0 }}", "vi", r=rate(13, 13)) == "100%"
    assert render("{{ r|percent }}", "vi", r=rate(0, 13)) == "0,00%"


def test_percent_above_a_thousand_is_grouped():
    assert render("{{ r|percent:0 }}", "vi", r=Decimal("12.5")) == "1.250%"


@pytest.mark.parametrize("missing", [None, ""])
def test_missing_figures_show_a_dash(missing):
    assert render("{{ r|percent }} {{ r|number }}", "vi", r=missing) == "— —"


def test_zero_denominator_has_no_rate_and_shows_a_dash():
    assert rate(5, 0) is None
    assert rate(None, 10) is None
    assert render("{% rate done expected as r %}{{ r|percent }}", "vi", done=0, expected=0) == "—"


def test_rate_tag_in_a_template():
    assert render("{% rate 12345 13000 as r %}{{ r|percent }}", "vi") == "94,96%"


def test_rate_is_an_exact_decimal():
    assert rate(1, 4) == Decimal("0.25")
    assert isinstance(rate(2, 3), Decimal)
    assert rate(0.5, 2) == Decimal("0.25")


def test_number_filters_group_even_when_the_global_separator_setting_is_off():
    with override_settings(USE_THOUSAND_SEPARATOR=False):
        assert render("{{ n|number }} {{ r|percent }}", "vi", n=46540, r=Decimal("9.574")) == "46.540 957,40%"


def test_plain_integers_are_never_grouped_so_ids_and_years_stay_usable():
    # USE_THOUSAND_SEPARATOR is off: "{{ id }}" in an attribute, a URL or a form value must not become "2.306"
    # (it did once: data-cell="2.306"). Figures for people go through |number, which groups them itself.
    with translation.override("vi"):
        out = Template("{% load portal_format %}{{ y }} {{ y|number }}").render(Context({"y": 2306}))
    assert out == "2306 2.306"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dates_render_day_month_year(language):
    day = dt.date(2024, 7, 16)
    with translation.override(language):
        out = Template('{{ d }}|{{ d|date:"SHORT_DATE_FORMAT" }}').render(Context({"d": day}))
    assert out == "16/07/2024|16/07/2024"


def test_datetimes_render_in_hanoi_time_day_first():
    moment = dt.datetime(2024, 7, 16, 1, 30, tzinfo=dt.UTC)  # 08:30 in Asia/Ho_Chi_Minh
    with translation.override("vi"):  # settings.TIME_ZONE is Asia/Ho_Chi_Minh
        out = Template('{{ t|date:"SHORT_DATETIME_FORMAT" }}').render(Context({"t": moment}))
    assert out == "08:30 16/07/2024"


def test_date_input_accepts_day_first():
    from django import forms

    class F(forms.Form):
        day = forms.DateField()

    with translation.override("vi"):
        form = F({"day": "05/07/2024"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2024, 7, 5)
