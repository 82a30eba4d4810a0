import pytest

from tests.notifications.fake_server import FakeServer
from villesolidaire.notifications.sms import MemorySmsBackend


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    MemorySmsBackend.outbox = []
    MemorySmsBackend.fail_next = 0
    yield
    MemorySmsBackend.outbox = []
    MemorySmsBackend.fail_next = 0


@pytest.fixture
def fake_server():
    servers = []

    def start(answers):
        server = FakeServer(answers=list(answers))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
