"""What views read from the request and answer about a form, written once.

    form = ConsentForm(posted(request))  # bound on any POST, even one with no field filled in
    return render(request, "neighbours/consent_form.html", context, status=form_status(form))
    return redirect(safe_next(request, request.GET.get("suivant", ""), default=request.path))

`posted` gives the data a form binds to, `form_status` the status of a page that shows a form,
`safe_next` a return address that stays on this site.
"""

from django import forms
from django.http import HttpRequest, QueryDict
from django.utils.http import url_has_allowed_host_and_scheme


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
