"""Tests' side of core/confirmation.py: post a form, read the confirmation page, confirm."""

import re

CONFIRMATION = re.compile(r'name="confirmation" value="([^"]+)"')


def confirmation_token(response) -> str:
    """The token of the confirmation page `response` (fails the test when there is none)."""
    found = CONFIRMATION.search(response.content.decode())
    assert found, "Pas de page de confirmation d'envoi"
    return found.group(1)


def post_and_confirm(client, url: str, data: dict, **kwargs):
    """Post `data`, check that nothing was sent yet but a confirmation page came back, then
    confirm with its token. Returns (confirmation page, answer to the confirmation)."""
    page = client.post(url, data)
    assert page.status_code == 200, page.status_code
    assert "Confirmer l'envoi" in page.content.decode()
    return page, client.post(url, {**data, "confirmation": confirmation_token(page)}, **kwargs)
