"""How drf-spectacular describes the API key (loaded by ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from villesolidaire.core.choices import ENGAGEMENT_DOMAINS, LANGUAGES

# Choice sets named once in the description (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
LANGUAGE_CHOICES = LANGUAGES.choices
DOMAIN_CHOICES = ENGAGEMENT_DOMAINS.choices


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
