"""Render a form's fields, in the order a template names them, through the project's form renderer."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def field_groups(form, *names: str) -> SafeString:
    """`{% field_groups form "first_name" "last_name" %}`: each field's `as_field_group`, one after the other.

    Each field renders through components/field.html (core.renderers.FormRenderer), exactly as
    `{{ form.first_name.as_field_group }}` would. As in a `{{ }}` lookup, a name the form does
    not have (a field removed in the form's __init__) renders nothing.
    """
    fields = getattr(form, "fields", {})
    groups = [conditional_escape(form[name].as_field_group()) for name in names if name in fields]
    return mark_safe("\n".join(groups))
