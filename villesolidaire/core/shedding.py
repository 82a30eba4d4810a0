"""Load shedding without loss (decision 0011, docs/operations.md « Surges »).

Each web process works on at most VS_MAX_IN_FLIGHT requests at once. One more is answered at once
with 503, `Retry-After` and a small French page, before sessions, authentication or any database
access: refusing costs about a millisecond, so the requests already accepted keep their speed
instead of every request slowing down together. Nothing typed is lost: a refused form comes back
as hidden fields under a summary of what was typed and a « Renvoyer » button that posts it again
to the same address (with its CSRF token); passwords are never written back. Health probes,
metrics scrapes and static files are never refused. Every refusal is counted in
`vs_http_requests_shed_total` and logged (logger `villesolidaire.shedding`, no value typed), at
most one line a second per process with the number refused since the previous line: at hundreds
of refusals a second, a line each cost more than the refusals themselves (measured with py-spy
during the bench's surge: a sixth of the worker's time, much of it waiting for the log's lock).

The page is `shed.html`, rendered once per case without the request (no context processor, so
no query) and filled in by string replacement for each refusal (page_template); htmx requests
get the same 503 and app.js tells the person, their page untouched.
"""

import json
import logging
import random
import re
import threading
import time
from functools import cache
from html import escape  # the standard library's: Django's lazy-aware wrapper costs 3 times as much here

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_resolver, reverse
from prometheus_client import Counter, Gauge

from villesolidaire.core.redaction import redact

log = logging.getLogger("villesolidaire.shedding")

SHED = Counter(
    "vs_http_requests_shed",
    "Requests answered 503 at once because VS_MAX_IN_FLIGHT were already in flight in the process.",
    ["method"],
)
IN_FLIGHT = Gauge(
    "vs_http_requests_in_flight",
    "Requests being worked on (load shedding counts them), all processes added up.",
    multiprocess_mode="livesum",
)
# Never written back on the page: passwords, second-factor codes, secrets.
SECRET_FIELD = re.compile(r"pass|mot_?de_?passe|otp|secret|^token$|jeton", re.IGNORECASE)
CSRF_FIELD = "csrfmiddlewaretoken"
# Never shown in the summary (still sent back). A honeypot is empty when a person posts, and
# empty fields are not shown.
UNSHOWN_FIELDS = {CSRF_FIELD}


class InFlight:
    """Requests this process is working on; `enter` refuses one more past the limit."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def enter(self, limit: int) -> bool:
        with self._lock:
            if self.count >= limit:
                return False
            self.count += 1
        IN_FLIGHT.inc()
        return True

    def leave(self) -> None:
        with self._lock:
            self.count -= 1
        IN_FLIGHT.dec()


in_flight = InFlight()


class RefusalLog:
    """At most one WARNING line per `every` seconds in this process, counting the refusals it
    stands for (`shed`); the first refusal after a quiet spell is logged at once."""

    def __init__(self, every: float = 1.0) -> None:
        self.every = every
        self.unlogged = 0
        self.last_line_at = float("-inf")
        self._lock = threading.Lock()

    def note(self, request: HttpRequest, *, limit: int, wait: int) -> None:
        with self._lock:
            self.unlogged += 1
            now = time.monotonic()
            if now - self.last_line_at < self.every:
                return
            count, self.unlogged, self.last_line_at = self.unlogged, 0, now
        log.warning(
            "Requests shed: %s since the previous line, %s requests already in flight",
            count,
            limit,
            extra={
                "method": request.method,
                "path": redact(request.path),
                "limit": limit,
                "retry_after": wait,
                "shed": count,
            },
        )


refusal_log = RefusalLog()


@cache
def exempt_prefixes(static_url: str) -> tuple[str, ...]:
    """Paths never refused: the health endpoint (a load balancer must see the truth), the metrics
    (a surge is when they matter) and the static files (the refusal page needs its style sheet)."""
    prefixes = [static_url] if static_url else []
    for name in ("core:health", "core:metrics"):
        try:
            prefixes.append(reverse(name))
        except NoReverseMatch:  # a test URLconf without them
            pass
    return tuple(prefixes)


def retry_after() -> int:
    """VS_SHED_RETRY_AFTER plus up to half as much again, so that refused people do not all come
    back in the same second."""
    base = settings.VS_SHED_RETRY_AFTER
    return base + random.randint(0, base // 2)


class LoadSheddingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.VS_MAX_IN_FLIGHT
        if request.path_info.startswith(exempt_prefixes(settings.STATIC_URL or "")):
            return self.get_response(request)
        if settings.VS_SHED_EVERY_REQUEST:
            return shed(request, limit)
        if limit <= 0:
            return self.get_response(request)
        if not in_flight.enter(limit):
            return shed(request, limit)
        try:
            return self.get_response(request)
        finally:
            in_flight.leave()


def posted_fields(request: HttpRequest) -> tuple[list[tuple[str, str]] | None, bool, bool]:
    """What a refused POST carried: its (name, value) pairs without secrets, whether a secret was
    left out and whether files were attached. None when the body cannot be read."""
    try:
        data, files = request.POST, request.FILES
    except (SuspiciousOperation, BadRequest, MultiPartParserError, UnreadablePostError):
        return None, False, False
    kept, secret_left_out = [], False
    for name, values in data.lists():
        if SECRET_FIELD.search(name) and name != CSRF_FIELD:
            secret_left_out = True
            continue
        kept += [(name, value) for value in values]
    return kept, secret_left_out, bool(files)


def summary(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields a person filled in, one line per field under its French label, several values
    joined."""
    labels = field_labels()
    lines: dict[str, list[str]] = {}
    for name, value in fields:
        if name not in UNSHOWN_FIELDS and value.strip():
            lines.setdefault(labels.get(name, name), []).append(value)
    return [(label, ", ".join(values)) for label, values in lines.items()]


@cache
def field_labels() -> dict[str, str]:
    """The label of each form field name, read from the form classes (no database): the summary
    says « Prénom », not first_name. Where forms disagree on a name's label the first one read
    wins; honeypots are skipped (a person leaves them empty)."""
    get_resolver().url_patterns  # noqa: B018 -- imports the views, hence every form, even on a first request
    labels: dict[str, str] = {}
    for form_class in _subclasses(BaseForm):
        for name, field in getattr(form_class, "base_fields", {}).items():
            if field.label and not getattr(field, "is_honeypot", False):
                labels.setdefault(name, str(field.label))
    return labels


def _subclasses(cls: type) -> list[type]:
    found = []
    for subclass in cls.__subclasses__():
        found += [subclass, *_subclasses(subclass)]
    return found


# What page_template leaves in place of the values of one refusal (no character that escaping changes).
MARKS = {name: f"@@vs-shed-{name}@@" for name in ("wait", "action", "summary", "fields")}


@cache
def page_template(is_post: bool, kept: bool, secret_left_out: bool, files_left_out: bool) -> str:
    """shed.html rendered once per case, with MARKS in place of the values: a refusal then costs a
    few string replacements instead of a template rendering (0.5 of the 0.6 ms a refused POST
    took). Rendered without the request: no context processor, so no database."""
    context = {
        "wait": MARKS["wait"],
        "action": MARKS["action"],
        "is_post": is_post,
        "kept": kept,
        "summary_html": MARKS["summary"],
        "hidden_fields_html": MARKS["fields"],
        "secret_left_out": secret_left_out,
        "files_left_out": files_left_out,
    }
    return render_to_string("shed.html", context)


def summary_html(lines: list[tuple[str, str]]) -> str:
    if not lines:
        return ""
    items = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in lines)
    return f'<h2>Ce que vous avez saisi</h2>\n        <dl class="shed-summary">{items}</dl>'


def hidden_fields_html(fields: list[tuple[str, str]]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">\n        ' for name, value in fields
    )


# The API's clients read JSON: they get the API's error shape, not the page for people.
API_PREFIX = "/api/"


def shed(request: HttpRequest, limit: int) -> HttpResponse:
    wait = retry_after()
    if request.path.startswith(API_PREFIX):
        SHED.labels(request.method).inc()
        refusal_log.note(request, limit=limit, wait=wait)
        detail = f"Service très demandé : rien n'a été enregistré, réessayez dans {wait} secondes."
        return _refusal(json.dumps({"detail": detail, "errors": []}, ensure_ascii=False), wait, "application/json")
    fields, secret_left_out, files_left_out = (None, False, False)
    if request.method == "POST":
        fields, secret_left_out, files_left_out = posted_fields(request)
    SHED.labels(request.method).inc()
    refusal_log.note(request, limit=limit, wait=wait)
    page = (
        page_template(request.method == "POST", fields is not None, secret_left_out, files_left_out)
        .replace(MARKS["wait"], str(wait))
        .replace(MARKS["action"], escape(request.get_full_path()))
        .replace(MARKS["summary"], summary_html(summary(fields) if fields else []))
        .replace(MARKS["fields"], hidden_fields_html(fields or []))
    )
    return _refusal(page, wait, "text/html; charset=utf-8")


def _refusal(content: str, wait: int, content_type: str) -> HttpResponse:
    response = HttpResponse(content, status=503, content_type=content_type)
    response["Retry-After"] = str(wait)
    response["Cache-Control"] = "no-store"
    # Django logs every 5xx answer as an ERROR on `django.request` (and Sentry turns ERROR lines
    # into events): a refusal is deliberate and already logged above, once, at WARNING.
    response._has_been_logged = True
    return response
