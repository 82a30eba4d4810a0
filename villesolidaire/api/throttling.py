"""Rate limits: per key (its own `rate_per_minute`), per address for calls without a key; counted
on the « limits » cache, shared between servers when it is Redis (VS_LIMITS_CACHE_URL)."""

from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from villesolidaire.api.permissions import key_of
from villesolidaire.core.http import client_ip


class PerKeyThrottle(SimpleRateThrottle):
    scope = "anonymous"

    def __init__(self):
        super().__init__()
        self.cache = caches["limits"]

    def allow_request(self, request, view) -> bool:
        key = key_of(request)
        if key is not None:
            self.rate = f"{key.rate_per_minute}/min"
            self.num_requests, self.duration = key.rate_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        key = key_of(request)
        if key is not None:
            return f"api-rate-key-{key.pk}"
        return f"api-rate-address-{client_ip(request._request) or 'unknown'}"
