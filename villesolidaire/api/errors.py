"""Every error as `{"detail": "…", "errors": [{"field": "resident.phone", "message": "…"}]}`, in
French; the site's own errors (a Django ValidationError from a service) become 400s, never 500s."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

INVALID = "Certaines valeurs sont invalides."
NOT_FOUND = "Introuvable : cet objet n'existe pas, ou cette clé n'a pas le droit de le lire."
UNKNOWN_ADDRESS = "Adresse inconnue de l'API : voir /api/v1/reference/."
MISSING_SLASH = "Adresse incomplète : il manque la « / » finale ({address})."
UNREADABLE = "Corps de requête illisible : un objet JSON est attendu."
# Messages REST framework's French catalogue leaves in English.
UNTRANSLATED = {"No data provided": "Aucune donnée reçue : un objet JSON est attendu."}


def flatten(errors, path: str = "") -> list[dict]:
    """DRF's nested error structure as a flat list of (field path, message)."""
    if isinstance(errors, dict):
        found = []
        for name, value in errors.items():
            inner = path if name in ("non_field_errors", "__all__") else f"{path}.{name}" if path else str(name)
            found += flatten(value, inner)
        return found
    if isinstance(errors, list):
        if all(not isinstance(item, dict | list) for item in errors):
            return [{"field": path, "message": UNTRANSLATED.get(str(item), str(item))} for item in errors]
        found = []
        for index, item in enumerate(errors):
            found += flatten(item, f"{path}.{index}" if path else str(index))
        return found
    return [{"field": path, "message": UNTRANSLATED.get(str(errors), str(errors))}]


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):  # Django's message names the model, in English
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, exceptions.ParseError):  # the parser's message is English, with its internals
        exc = exceptions.ParseError(UNREADABLE)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": INVALID, "errors": flatten(response.data)}
    else:
        data = response.data
        detail = data.get("detail", "") if isinstance(data, dict) else data
        response.data = {"detail": str(detail), "errors": []}
    return response
