import pytest


@pytest.fixture(autouse=True)
def _enable_db_for_all_tests(db):
    """Every test may use the database (as in les-emplois)."""
