import pytest
from django.core import signing

from villesolidaire.core import confirmation
from villesolidaire.core.confirmation import SendNotConfirmed, check_confirmation, confirmation_token


def test_one_recipient_needs_no_confirmation():
    check_confirmation(action="x", recipients=[1], text="Bonjour", token="")


def test_several_recipients_need_the_token_of_exactly_what_was_shown():
    token = confirmation_token(action="wave:1", recipients=[3, 1, 2], text="Bonjour")
    check_confirmation(action="wave:1", recipients=[1, 2, 3], text="Bonjour", token=token)  # order does not matter
    for action, recipients, text in (
        ("wave:2", [1, 2, 3], "Bonjour"),  # another send
        ("wave:1", [1, 2, 3, 4], "Bonjour"),  # someone added since
        ("wave:1", [1, 2, 3], "Bonsoir"),  # the text changed
    ):
        with pytest.raises(SendNotConfirmed, match="a changé"):
            check_confirmation(action=action, recipients=recipients, text=text, token=token)
    with pytest.raises(SendNotConfirmed, match="confirmez l'envoi à 2 personnes"):
        check_confirmation(action="wave:1", recipients=[1, 2], text="Bonjour", token="")
    with pytest.raises(SendNotConfirmed, match="non reconnue"):
        check_confirmation(action="wave:1", recipients=[1, 2], text="Bonjour", token="forgé")


def test_a_confirmation_expires(monkeypatch):
    token = confirmation_token(action="a", recipients=[1, 2], text="t")
    monkeypatch.setattr(confirmation, "MAX_AGE", -1)
    with pytest.raises(SendNotConfirmed, match="expiré"):
        check_confirmation(action="a", recipients=[1, 2], text="t", token=token)
    assert isinstance(signing.loads(token, salt=confirmation.SALT), str)
