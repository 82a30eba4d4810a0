"""The htmx partial pattern, written once.

A page whose part htmx refreshes (hx-get on the same URL) answers htmx with the partial template
and everyone else (first visit, reload, no JavaScript, history restore) with the full page. The
response varies on HX-Request so that no cache serves one for the other.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def is_partial_request(request: HttpRequest) -> bool:
    """An htmx request that swaps part of the page (a history restore needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render_partial_or_page(
    request: HttpRequest, partial_template: str, page_template: str, context: dict, status: int = 200
) -> HttpResponse:
    template = partial_template if is_partial_request(request) else page_template
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
