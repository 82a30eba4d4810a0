"""The project's form renderer: every field renders through components/field.html.

Templates write `{{ form.email.as_field_group }}` (or `{{ field.as_field_group }}` in a loop) and
get the accessible field: label, required mark, hint and error linked by aria-describedby.
TemplatesSetting renders with the project's template engine, so the field template lives with
the other components and the widget templates come from the `django.forms` app.
"""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    field_template_name = "components/field.html"
