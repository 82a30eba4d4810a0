"""Picks the town from the request's host name, before anything reads the database (decision 0014)."""

import copy

from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponseNotFound
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_tenant_domain_model

from villesolidaire.hosting import caches
from villesolidaire.hosting.models import TenantState


class TownMiddleware(TenantMainMiddleware):
    """django-tenants' host-name routing; an unknown host or a suspended town gets a plain page.

    The public schema (the host console) answers only on the host's own domains, recorded as
    domains of the `public` tenant by `manage.py host_setup`.

    A single-town installation spends no query finding its town, and neither does a steady-state
    request here: the host name's town is remembered by this process for a short while
    (`hosting.caches`), and a connection already on that town keeps its search path instead of
    setting it again (`TENANT_LIMIT_SET_CALLS`).
    """

    def process_request(self, request: HttpRequest):
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            connection.set_schema_to_public()
            return HttpResponseNotFound()

        looked_up = []

        def look_up():
            looked_up.append(hostname)
            # The towns and their domains live in public, where the connection must be to read them.
            connection.set_schema_to_public()
            return self.get_tenant(get_tenant_domain_model(), hostname)

        # Read before anything may change it: the search path this connection's session holds now.
        held_search_path = connection.search_path_set_schemas
        held_schema, held_public = connection.schema_name, connection.include_public_schema
        try:
            tenant = caches.hosts.get_or_load(hostname, look_up)
        except get_tenant_domain_model().DoesNotExist:
            return self.no_tenant_found(request, hostname)

        # A copy per request: what one request sets on it (`domain_url`) stays its own.
        tenant = copy.copy(tenant)
        tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(tenant)
        if not looked_up and held_schema == tenant.schema_name and held_public:
            # No query ran since: the session's search path is still this town's, set it again for nothing.
            connection.search_path_set_schemas = held_search_path
        self.setup_url_routing(request)

        if getattr(tenant, "state", TenantState.ACTIVE) == TenantState.SUSPENDED:
            return render(request, "hosting/suspended.html", {"tenant_name": tenant.name}, status=503)
        return None

    def no_tenant_found(self, request: HttpRequest, hostname: str):
        return render(request, "hosting/unknown_host.html", status=404)
