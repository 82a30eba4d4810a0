import re
from pathlib import Path

from django import forms
from django.forms.renderers import get_default_renderer
from django.template import engines

from villesolidaire.core.renderers import FormRenderer

TEMPLATES_ROOT = Path(__file__).resolve().parents[2] / "villesolidaire"


class SampleForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail", help_text="Nous ne la partageons pas.")
    note = forms.CharField(label="Note", required=False)
    agree = forms.BooleanField(label="J'accepte", help_text="Obligatoire pour continuer.")
    days = forms.MultipleChoiceField(
        label="Jours", choices=[("lun", "Lundi"), ("mar", "Mardi")], widget=forms.CheckboxSelectMultiple
    )
    channel = forms.ChoiceField(label="Canal", choices=[("sms", "SMS"), ("mail", "E-mail")], widget=forms.RadioSelect)


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def test_the_project_renderer_is_the_default():
    assert isinstance(get_default_renderer(), FormRenderer)
    assert SampleForm().renderer.field_template_name == "components/field.html"


def test_a_field_group_has_its_label_required_mark_and_hint():
    html = SampleForm()["email"].as_field_group()
    assert '<div class="field">' in html
    assert '<label for="id_email">Adresse e-mail <span class="required" aria-hidden="true">*</span></label>' in html
    assert '<p class="hint" id="id_email_helptext">Nous ne la partageons pas.</p>' in html
    assert 'aria-describedby="id_email_helptext"' in html
    assert '<label for="id_note">Note</label>' in SampleForm()["note"].as_field_group()


def test_errors_are_shown_and_linked():
    form = SampleForm(data={"email": "pas une adresse"})
    html = form["email"].as_field_group()
    assert 'class="field field-error"' in html
    assert '<p class="error" id="id_email_error">' in html
    assert 'aria-invalid="true"' in html
    checkbox = form["agree"].as_field_group()
    assert "field-checkbox" in checkbox and 'id="id_agree_error"' in checkbox


def test_choice_lists_are_a_fieldset_described_by_hint_and_error():
    html = SampleForm(data={})["days"].as_field_group()
    assert '<fieldset class="choices" aria-describedby=" id_days_error">' in html
    assert "<legend>Jours" in html
    assert '<label for="id_days_0">Lundi</label>' in html
    assert "<legend>Canal" in SampleForm()["channel"].as_field_group()


def test_as_field_group_renders_what_the_field_template_include_rendered():
    form = SampleForm(data={"email": "x", "channel": "fax"})
    for name in form.fields:
        included = render('{% include "components/field.html" with field=f %}', f=form[name])
        grouped = render("{{ f.as_field_group }}", f=form[name])
        assert squeeze(grouped) == squeeze(included), name


def test_templates_use_the_renderer_not_an_include():
    includes = [
        str(path)
        for path in TEMPLATES_ROOT.rglob("*.html")
        if 'include "components/field.html"' in path.read_text(encoding="utf-8")
    ]
    assert includes == []


def test_field_groups_renders_the_named_fields_as_their_field_groups_in_order():
    form = SampleForm()
    html = render('{% load form_fields %}{% field_groups form "note" "email" %}', form=form)
    assert squeeze(html) == squeeze(form["note"].as_field_group() + form["email"].as_field_group())


def test_field_groups_skips_a_field_the_form_does_not_have_as_a_lookup_would():
    form = SampleForm()
    del form.fields["note"]
    html = render('{% load form_fields %}{% field_groups form "note" "email" %}', form=form)
    assert squeeze(html) == squeeze(form["email"].as_field_group())
    assert squeeze(render("{{ form.note.as_field_group }}", form=form)) == ""
