"""How drf-spectacular describes the API key (loaded by ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from villesolidaire.core.choices import ENGAGEMENT_DOMAINS, LANGUAGES

# Choice sets named once in the description (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
LANGUAGE_CHOICES = LANGUAGES.choices
DOMAIN_CHOICES = ENGAGEMENT_DOMAINS.choices


class ApiAutoSchema(AutoSchema):
    """Operations described by their French summary (and `extend_schema(description=…)` where one
    is given), never by the views' docstrings: those are notes in English for the developers."""

    def get_description(self):
        return ""

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        schema.pop("description", None)  # the serializer's docstring, likewise
        return schema


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "villesolidaire.api.authentication.ApiKeyAuthentication"
    name = "cleApi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Clé d'application créée par un·e administrateur·rice (« Clés d'API »), "
            "de la forme vs_xxxxxxxxxx_… : `Authorization: Bearer vs_…`.",
        }


# Every error the API may answer, on every operation, with the one body `errors.exception_handler`
# writes. Checked by the schemathesis run (tests/api/test_schemathesis.py): an answer the
# description does not list is a failure there.
ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail", "errors"],
    "properties": {
        "detail": {"type": "string", "description": "Ce qui ne va pas, en français."},
        "errors": {
            "type": "array",
            "description": "Pour des valeurs invalides (400) : chaque champ, par son chemin, et son message.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
ERRORS = {
    "400": "Valeurs invalides : `errors` donne chaque champ (ou paramètre) et son message.",
    "401": "Clé absente, inconnue, expirée ou révoquée.",
    "403": "La clé n'a pas le droit (portée ou rôle) de faire cela.",
    "404": "Introuvable : l'objet n'existe pas ou la clé n'a pas le droit de le lire ; ou page après la dernière.",
    "405": "Méthode non permise sur cette adresse.",
    "429": "Trop d'appels pour cette clé : réessayer après `Retry-After` secondes.",
    "503": "Service surchargé : réessayer après `Retry-After` secondes.",
}


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook: the error answers and their body on each operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Erreur"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Erreur"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                answer = responses.setdefault(code, {"description": description})
                answer.setdefault("content", body)
    return result
