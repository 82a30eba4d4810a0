"""Request ids, structured logs and Prometheus metrics (docs/operations.md, « Monitoring »).

`RequestMiddleware`, first of the middleware, gives every request an id (the `X-Request-ID` header
when well formed, a new one otherwise), echoes it in the response, writes one access line per
request on the `villesolidaire.request` logger (path without its query string, which may hold a
token) and counts the request for the metrics. `RequestIdFilter` puts the id on every log record
written while the request runs; `JsonFormatter` writes one JSON object per line.
"""

import hmac
import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Iterable
from contextvars import ContextVar

import sentry_sdk
from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from villesolidaire.core.http import client_ip
from villesolidaire.core.redaction import redact

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept when it looks like one (a UUID, a hex or base64url token): 8 to 128 safe characters.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,127}")
NO_REQUEST = "-"
request_id_var: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)

access_log = logging.getLogger("villesolidaire.request")

REQUESTS = Counter(
    "vs_http_requests", "HTTP requests answered, by method, view and status.", ["method", "view", "status"]
)
LATENCY = Histogram(
    "vs_http_request_duration_seconds",
    "Time taken to answer an HTTP request, by method and view.",
    ["method", "view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
UNRESOLVED = "<unresolved>"
# Load balancers and scrapers call these every few seconds: their access lines are for debugging only.
QUIET_VIEWS = {"core:health", "core:metrics"}


def request_id_from(header: str | None) -> str:
    """The caller's request id when well formed, a new random one otherwise."""
    if header and WELL_FORMED_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        # Kept until the response is closed: Django logs a 4xx/5xx answer after the middleware.
        request_id_var.set(request_id)
        sentry_sdk.set_tag("request_id", request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        response[REQUEST_ID_HEADER] = request_id
        self.record(request, response.status_code, elapsed)
        return response

    @staticmethod
    def record(request, status: int, elapsed: float) -> None:
        match = request.resolver_match
        view = match.view_name if match else UNRESOLVED
        REQUESTS.labels(request.method, view, str(status)).inc()
        LATENCY.labels(request.method, view).observe(elapsed)
        user = getattr(request, "user", None)
        path = redact(request.path)  # a structured field is not seen by the message filter: mask link keys here
        access_log.log(
            logging.DEBUG if view in QUIET_VIEWS else logging.INFO,
            "%s %s %s",
            request.method,
            path,
            status,
            extra={
                "method": request.method,
                "path": path,
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )


@receiver(request_finished, dispatch_uid="villesolidaire.request_id")
def forget_request_id(**kwargs) -> None:
    request_id_var.set(NO_REQUEST)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (NO_REQUEST outside a request: the worker, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, then the record's extras.

    Django's `request` extra is left out: its text holds the query string, where links carry tokens.
    """

    def __init__(self, **kwargs):
        super().__init__(
            fmt=["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            reserved_attrs=[*RESERVED_ATTRS, "request", "server_time"],
            **kwargs,
        )


# -- Metrics endpoint ---------------------------------------------------------------------------------------------


def metrics_allowed(request) -> bool:
    """A scraper is let in by its bearer token (VS_METRICS_TOKEN) or its address (VS_METRICS_ALLOWED_IPS)."""
    token = settings.VS_METRICS_TOKEN
    authorization = request.headers.get("Authorization", "")
    if token and authorization.startswith("Bearer "):
        if hmac.compare_digest(authorization.removeprefix("Bearer ").encode(), token.encode()):
            return True
    client = client_ip(request)  # behind the trusted proxies, the scraper's own address
    if client is None:
        return False
    address = ipaddress.ip_address(client)
    return any(address in ipaddress.ip_network(allowed, strict=False) for allowed in settings.VS_METRICS_ALLOWED_IPS)


class _Gauges:
    """A collector of values read at scrape time (queue depth, failed messages)."""

    def __init__(self, gauges: Iterable[tuple[str, str, float]]):
        self.gauges = list(gauges)

    def collect(self):
        for name, documentation, value in self.gauges:
            yield GaugeMetricFamily(name, documentation, value=value)


def exposition(gauges: Iterable[tuple[str, str, float]]) -> bytes:
    """The Prometheus text of the request metrics (every gunicorn worker's, in multiprocess mode) and `gauges`."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REGISTRY
    scraped = CollectorRegistry()
    scraped.register(_Gauges(gauges))
    return generate_latest(requests) + generate_latest(scraped)
