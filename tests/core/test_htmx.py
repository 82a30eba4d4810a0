from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from villesolidaire.core.htmx import is_partial_request, render_partial_or_page

PARTIAL, PAGE = "components/form_errors.html", "core/accessibility.html"


def htmx_request(**headers):
    request = RequestFactory().get("/", headers=headers)
    request.htmx = HtmxDetails(request)
    return request


def test_only_an_htmx_swap_is_partial():
    assert is_partial_request(htmx_request(HX_Request="true"))
    assert not is_partial_request(htmx_request())
    assert not is_partial_request(htmx_request(HX_Request="true", HX_History_Restore_Request="true"))
    assert not is_partial_request(RequestFactory().get("/"))  # no middleware: never partial


def test_the_partial_for_htmx_and_the_page_otherwise_varying_on_hx_request(rf):
    partial = render_partial_or_page(htmx_request(HX_Request="true"), PARTIAL, PAGE, {})
    page = render_partial_or_page(htmx_request(), PARTIAL, PAGE, {}, status=400)
    assert b"<html" not in partial.content and b"<html" in page.content
    assert page.status_code == 400
    assert "HX-Request" in partial["Vary"] and "HX-Request" in page["Vary"]
