"""Limits per client: how often one address, or one e-mail or mobile, may use a public door
(decision 0010). Each limit is a rate of VS_LIMITS, such as "10/h"; counts live in the `limits`
cache, one fixed window per rate.

    wait = limits.hit(request, "public_form", recipients=limits.contacts(form, "email", "phone"))
    if wait:
        return limits.refuse_form(request, "volunteers/signup.html", {"form": form}, form=form, wait=wait)

`hit` counts one attempt against the client's address (limit `scope`) and against each recipient
(limit `scope_recipient`), and answers 0 when it may go on, else the seconds until it may. A form
over its limit is shown again with what the person typed, a French message, status 429 and
`Retry-After`: nothing typed is lost and nothing answers 500.
"""

import hashlib
import math
import re
import time
from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from villesolidaire.core.http import client_ip

RATE = re.compile(r"^(?P<count>\d+)/(?P<period>[smhd])$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
CACHE_ALIAS = "limits"


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/h" → (10, 3600): that many attempts per period."""
    match = RATE.match(rate.strip())
    if match is None:
        raise ValueError(f"A limit reads like 10/h (count/s, m, h or d), not {rate!r}.")
    return int(match["count"]), SECONDS[match["period"]]


def hit(request: HttpRequest, scope: str, *, recipients: Iterable[str] = ()) -> int:
    """Count one attempt: 0 when every limit still allows it, else the seconds to wait.

    The address is counted under `scope`, each non-empty recipient (an e-mail, a mobile) under
    `scope_recipient` when VS_LIMITS names that limit. Every counter is incremented, so a
    client over one limit keeps using up the others."""
    counters = [(scope, client_ip(request) or "inconnue")]
    if f"{scope}_recipient" in settings.VS_LIMITS:
        counters += [(f"{scope}_recipient", recipient.strip().lower()) for recipient in recipients if recipient]
    return max((_count(name, value) for name, value in counters), default=0)


def contacts(form: forms.BaseForm, *names: str) -> list[str]:
    """The e-mails and phone numbers typed in `form`'s fields `names`: the recipients to count."""
    return [str(form.cleaned_data[name]) for name in names if form.cleaned_data.get(name)]


def _count(name: str, value: str) -> int:
    limit, period = parse_rate(settings.VS_LIMITS[name])
    now = time.time()
    window = int(now // period)
    # Hashed: the cache holds no address, e-mail or phone number in clear.
    digest = hashlib.sha256(f"{name}:{value}".encode()).hexdigest()
    key = f"vs-limit:{name}:{digest}:{window}"
    cache = caches[CACHE_ALIAS]
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr: a new window begins
        cache.add(key, 1, timeout=period + 5)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((window + 1) * period - now))


def wait_text(seconds: int) -> str:
    """ "2 minutes", "1 heure", "30 secondes": a wait in French, rounded up."""
    if seconds >= 3600:
        amount, unit = math.ceil(seconds / 3600), "heure"
    elif seconds >= 60:
        amount, unit = math.ceil(seconds / 60), "minute"
    else:
        amount, unit = seconds, "seconde"
    return f"{amount} {unit}{'s' if amount > 1 else ''}"


def too_many(response: HttpResponse, wait: int) -> HttpResponse:
    """Turn `response` into a 429 that tells when to come back."""
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


def refuse_form(
    request: HttpRequest, template: str, context: dict, *, form: forms.BaseForm, wait: int
) -> HttpResponse:
    """The form's page again, with what was typed, a French message at the top and a 429."""
    form.add_error(
        None,
        "Trop d'envois depuis cette connexion ou pour ces coordonnées. Rien n'a été enregistré, mais "
        f"votre saisie est conservée ci-dessous : réessayez dans {wait_text(wait)}.",
    )
    return too_many(render(request, template, context), wait)
