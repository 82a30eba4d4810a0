import pytest
from django.urls import NoReverseMatch

from tests.notifications.sms_check import assert_fits_one_sms, fixed_text_length, sms_template_names

# Fixed text must leave room for a first name and a short link.
FIXED_TEXT_LIMIT = 160


@pytest.mark.parametrize(
    "template_name", sms_template_names() or [pytest.param(None, marks=pytest.mark.skip("aucun modèle de SMS"))]
)
def test_sms_templates_fixed_text_fits_one_sms(template_name):
    try:
        assert_fits_one_sms(template_name, limit=FIXED_TEXT_LIMIT)
    except NoReverseMatch:
        pytest.skip(f"{template_name} a besoin d'un contexte pour être rendu")


def test_the_check_measures_gsm7_length(tmp_path, settings):
    (tmp_path / "sms").mkdir()
    (tmp_path / "sms" / "long.txt").write_text("Bonjour {{ name }}, " + "é" * 155, encoding="utf-8")
    (tmp_path / "sms" / "court.txt").write_text("Bonjour {{ name }}, votre aide arrive jeudi.", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    assert fixed_text_length("sms/court.txt") == len("Bonjour , votre aide arrive jeudi.")
    assert "sms/long.txt" in sms_template_names()
    assert_fits_one_sms("sms/court.txt", {"name": "Paulette"})
    with pytest.raises(AssertionError, match="raccourcir"):
        assert_fits_one_sms("sms/long.txt")
