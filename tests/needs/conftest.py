import pytest

from tests.factories import HelpCategoryFactory, SkillFactory


@pytest.fixture(autouse=True)
def _bits_clear_of_reference_data():
    """Migrations load reference categories and skills on bits 0–9: factory bits start above."""
    HelpCategoryFactory.reset_sequence(20)
    SkillFactory.reset_sequence(20)
