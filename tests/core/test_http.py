import pytest
from django import forms
from django.test import RequestFactory

from villesolidaire.core.http import form_status, posted, safe_next


def test_posted_binds_any_post_even_empty():
    assert posted(RequestFactory().get("/?a=1")) is None
    empty = RequestFactory().post("/")
    assert posted(empty) is not None  # bound: an all-optional form still runs its checks
    assert posted(RequestFactory().post("/", {"note": "x"}))["note"] == "x"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/mon-espace/", "/mon-espace/"),
        ("", "/"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_safe_next_keeps_only_addresses_on_this_site(target, expected):
    assert safe_next(RequestFactory().get("/"), target, default="/") == expected


def test_safe_next_refuses_plain_http_from_an_https_request():
    request = RequestFactory().get("/", secure=True)
    assert safe_next(request, "http://testserver/gestion/", default="/") == "/"
    assert safe_next(request, "https://testserver/gestion/", default="/") == "https://testserver/gestion/"


class NameForm(forms.Form):
    name = forms.CharField()


def test_form_status_is_400_only_for_a_sent_form_with_errors():
    assert form_status(NameForm()) == 200
    assert form_status(NameForm({"name": "Odette"})) == 200
    assert form_status(NameForm({})) == 400
