"""What views read from the request and answer about a form, written once.

    form = ConsentForm(posted(request))  # bound on any POST, even one with no field filled in
    return render(request, "neighbours/consent_form.html", context, status=form_status(form))
    return redirect(safe_next(request, request.GET.get("suivant", ""), default=request.path))

`posted` gives the data a form binds to, `form_status` the status of a page that shows a form,
`safe_next` a return address that stays on this site, `by_link_token` the object a no-login
link opens and `link_expired_page` the page such a link shows once it no longer opens anything,
`client_ip` the address of the person (behind the trusted proxies of VS_TRUSTED_PROXIES).
"""

from functools import cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from django import forms
from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme

from villesolidaire.core.fields import token_digest


def posted(request: HttpRequest) -> QueryDict | None:
    """The POST data when the form was sent (even empty), else None (unbound form).

    `request.POST or None` leaves a form unbound when every box was left unticked; a form whose
    fields are all optional must still run, and show its errors, on such a POST."""
    return request.POST if request.method == "POST" else None


def form_status(form: forms.BaseForm) -> int:
    """400 for a page that shows a sent form again with its errors, 200 otherwise."""
    return 400 if form.is_bound and form.errors else 200


def safe_next(request: HttpRequest, target: str, *, default: str) -> str:
    """`target` when it stays on this site (same host, HTTPS if the request is), else `default`:
    a "next" address taken from a link must not send the person to another site."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def by_link_token(queryset: models.QuerySet, token: str) -> models.Model:
    """The object whose no-login link carries `token`, found by its digest (only the digest is
    stored); 404 for an unknown key. The clear key is set on it, for redirects to the same page."""
    obj = get_object_or_404(queryset, token_hash=token_digest(token[:64]))
    obj.token = token[:64]
    return obj


def link_expired_page(request: HttpRequest) -> HttpResponse:
    """410: the link worked once but has expired or been used; it shows nothing personal."""
    return render(request, "link_expired.html", status=410)


def client_ip(request: HttpRequest) -> str | None:
    """The address of the person behind `request`, for limits, login lock-out and the audit log.

    `X-Forwarded-For` is read only when the connection comes from a trusted proxy
    (VS_TRUSTED_PROXIES, addresses or networks): its hops are walked from the right, past the
    trusted proxies, and the first other address is the client's. Anyone can send the header,
    so from any other peer it is ignored and REMOTE_ADDR is the client. None when unknown."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None or not _trusted(peer):
        return str(peer) if peer else None
    client = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break  # garbage left of here was written by the client itself: keep the last proxy
        client = address
        if not _trusted(address):
            break
    return str(client)


def _address(value: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address) -> bool:
    return any(address in network for network in _trusted_networks(tuple(settings.VS_TRUSTED_PROXIES)))


@cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(proxy, strict=False) for proxy in proxies)
