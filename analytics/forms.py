"""Query parameters of the analytics pages and API, validated in one place."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from analytics.export import FORMATS
from analytics.models import ReportKind
from analytics.periods import DEFAULT_PERIOD, PERIODS

PERIOD_LABELS = {"week": _("Week"), "month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}


class PeriodForm(forms.Form):
    period = forms.ChoiceField(choices=[(p, PERIOD_LABELS[p]) for p in PERIODS], required=False)

    def period_or_default(self) -> str:
        return (self.cleaned_data.get("period") if self.is_valid() else "") or DEFAULT_PERIOD


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[(f, f.upper()) for f in FORMATS])


class PageForm(forms.Form):
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=ReportKind.choices)
