"""The OpenAPI description validates and the reference page is served from local assets."""

import re

from django.core.management import call_command


def test_the_openapi_description_validates_without_warnings(tmp_path):
    target = tmp_path / "openapi.json"
    # --fail-on-warn: an endpoint drf-spectacular cannot describe fails the suite.
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(target))
    assert '"openapi": "3.0.3"' in target.read_text()


def test_the_description_is_served_and_names_the_key_scheme(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["cleApi"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["cleApi"]["description"],
    }
    assert {"/api/v1/help-requests/", "/api/v1/residents/", "/api/v1/services/"} <= set(schema["paths"])
    # The public directory is described as needing no key, the rest as needing one.
    assert "security" not in schema["paths"]["/api/v1/services/"]["get"] and "security" not in schema
    assert schema["paths"]["/api/v1/help-requests/"]["get"]["security"] == [{"cleApi": []}]


def test_the_reference_page_uses_local_assets_only(client):
    response = client.get("/api/v1/reference/")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert "<style" not in page and "<script>" not in page  # the site's CSP allows neither
    script = next(source for source in sources if "script" in source and "reference" in source)
    served = client.get(script)
    assert served.status_code == 200 and served["Content-Type"].startswith("application/javascript")


def test_the_description_speaks_french_to_its_readers(client):
    """The views' and serializers' docstrings are developer notes in English: not in the reference."""
    text = client.get("/api/v1/openapi.json").content.decode()
    for note in ("Lists and details", "provider-neutral report", "A related object named"):
        assert note not in text
    assert "Clé absente, inconnue, expirée ou révoquée." in text
