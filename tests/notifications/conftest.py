import pytest

from villesolidaire.notifications.sms import MemorySmsBackend


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    MemorySmsBackend.outbox = []
    MemorySmsBackend.fail_next = 0
    yield
    MemorySmsBackend.outbox = []
    MemorySmsBackend.fail_next = 0
