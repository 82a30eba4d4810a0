"""Picks the town from the request's host name, before anything reads the database (decision 0014)."""

from django.http import HttpRequest
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from villesolidaire.hosting.models import TenantState


class TownMiddleware(TenantMainMiddleware):
    """django-tenants' host-name routing; an unknown host or a suspended town gets a plain page.

    The public schema (the host console) answers only on the host's own domains, recorded as
    domains of the `public` tenant by `manage.py host_setup`.
    """

    def process_request(self, request: HttpRequest):
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        if getattr(tenant, "state", TenantState.ACTIVE) == TenantState.SUSPENDED:
            return render(request, "hosting/suspended.html", {"tenant_name": tenant.name}, status=503)
        return None

    def no_tenant_found(self, request: HttpRequest, hostname: str):
        return render(request, "hosting/unknown_host.html", status=404)
