"""Helpers shared by the apps' FilterSets (django-filter)."""

import copy

import django_filters
from django import forms


class FormFieldFilter(django_filters.Filter):
    """A filter whose form field is given whole: a field builder's (birth_year_field…) or a form's.

    The list then validates and reads exactly like the same field in the form, with the same
    French labels, hints and error messages. Pair it with `method=` to say how it filters.
    """

    def __init__(self, form_field: forms.Field, **kwargs):
        super().__init__(label=form_field.label, **kwargs)
        self._field = copy.deepcopy(form_field)
