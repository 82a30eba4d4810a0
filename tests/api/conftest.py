"""API test helpers: keys made by the same service as the administrators' page, calls with a key."""

import datetime
import json

import pytest
from django.utils import timezone

from tests.factories import staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.api.scopes import ALL_SCOPES
from villesolidaire.api.services import api_key_create


class Caller:
    """Calls the API as one key (or without any), through Django's test client."""

    def __init__(self, client, token: str | None, key=None):
        self.client = client
        self.token = token
        self.key = key

    def _headers(self, extra: dict) -> dict:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **extra}

    def get(self, path: str, data: dict | None = None, **extra):
        return self.client.get(path, data or {}, **self._headers(extra))

    def post(self, path: str, payload=None, **extra):
        body = payload if isinstance(payload, str | bytes) else json.dumps(payload if payload is not None else {})
        return self.client.post(path, body, content_type="application/json", **self._headers(extra))


def make_key(role=Role.COORDINATOR, scopes=ALL_SCOPES, organisation=None, **kwargs):
    admin = staff_user(Role.ADMIN)
    return api_key_create(
        name=kwargs.pop("name", f"Application {role} {len(list(scopes))} {timezone.now().timestamp()}"),
        role=role,
        scopes=list(scopes),
        organisation=organisation,
        expires_at=kwargs.pop("expires_at", timezone.now() + datetime.timedelta(days=30)),
        by=admin,
        **kwargs,
    )


@pytest.fixture
def api(client):
    """`api(role=…, scopes=…, organisation=…)`: a Caller with a fresh key; `api(token=None)`: no key."""

    def build(token: str | None = "", **kwargs) -> Caller:
        if token is None:
            return Caller(client, None)
        issued = make_key(**kwargs)
        return Caller(client, issued.token, issued.key)

    return build
