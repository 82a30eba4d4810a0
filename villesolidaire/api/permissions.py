"""Scopes: each view names the kind of object it serves (`api_kind`); reading needs the kind's read
or write scope, anything else its write scope. What the key's role may see is the querysets' business,
as on the pages."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from villesolidaire.api.models import ApiKey
from villesolidaire.api.scopes import READ, WRITE, allows


def key_of(request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class KeyHasScope(BasePermission):
    message = "Cette clé n'a pas le droit d'accéder à ces données (voir ses droits dans « Clés d'API »)."

    def has_permission(self, request, view) -> bool:
        if getattr(view, "public_read", False) and request.method in SAFE_METHODS:
            return True
        key = key_of(request)
        if key is None:
            return False
        kind = getattr(view, "api_kind", None)
        if kind is None:
            return False
        return allows(key.scopes, kind, READ if request.method in SAFE_METHODS else WRITE)
