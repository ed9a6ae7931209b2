"""Helpers every app's forms share."""

from django import forms
from django.db.models import Model, QuerySet


def limit_choices(form: forms.Form, name: str, queryset: QuerySet[Model]) -> None:
    """Offer only `queryset` in the form's (per-instance) model choice field `name`."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset
