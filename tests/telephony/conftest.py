"""The API test helpers (calls with a key) serve the telephony tests too."""

from tests.api.conftest import api  # noqa: F401 (fixture)
