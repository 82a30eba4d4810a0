"""API writes are validated by the very forms the pages use: the same rules, the same French
messages. A serializer declares the fields (for the OpenAPI description and JSON types) and hands the
raw JSON to the form; the form's errors come back under the API's field names."""

from django import forms
from rest_framework import serializers


def form_data(values: dict) -> dict:
    """JSON values as a form reads them: None is an empty field."""
    return {name: ("" if value is None else value) for name, value in values.items()}


def errors_of(form: forms.BaseForm, prefix: str = "", renames: dict | None = None) -> dict:
    """The form's errors keyed by API field path (`__all__` → the prefix, or non_field_errors)."""
    renames = renames or {}
    found: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        api_name = renames.get(name, name)
        if name == "__all__":
            key = prefix or "non_field_errors"
        else:
            key = f"{prefix}.{api_name}" if prefix else api_name
        found.setdefault(key, []).extend(str(message) for message in messages)
    return found


def require_valid(*checked: tuple[forms.BaseForm, str, dict | None], extra: dict | None = None) -> None:
    """Validate every form (all errors at once) and raise one ValidationError with them all;
    `extra` errors found before the forms replace the forms' own for the same field."""
    found: dict[str, list[str]] = {}
    for form, prefix, renames in checked:
        if not form.is_valid():
            for key, messages in errors_of(form, prefix, renames).items():
                found.setdefault(key, []).extend(messages)
    found |= extra or {}
    if found:
        raise serializers.ValidationError(found)
