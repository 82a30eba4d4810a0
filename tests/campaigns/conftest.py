import pytest

from tests.factories import HelpCategoryFactory


@pytest.fixture(autouse=True)
def _bits_clear_of_reference_data():
    """Migrations load reference categories on bits 0–9: factory bits start above."""
    HelpCategoryFactory.reset_sequence(20)
