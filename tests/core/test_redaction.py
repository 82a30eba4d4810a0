"""No key of a no-login link in the logs (issue 10)."""

import datetime
import logging

from gunicorn.config import Config

from config.gunicorn_logging import RedactingLogger
from villesolidaire.core.redaction import MASK, RedactLinkKeys, redact

KEY = "Abc_def-0123456789abcdefghijklmn"


def test_redact_drops_query_strings_and_masks_link_keys():
    assert redact(f"GET /mon-espace/?jeton={KEY} HTTP/1.1") == "GET /mon-espace/ HTTP/1.1"
    for path in ("/reponse/", "/besoins/invitation/", "/besoins/inscription/", "/formations/invitation/"):
        assert redact(f"Not Found: {path}{KEY}/") == f"Not Found: {path}{MASK}/"
    assert KEY not in redact(f"/partenaires/mot-de-passe/MQ/{KEY}/")
    assert redact("/gestion/demandes/12/") == "/gestion/demandes/12/"


def test_log_records_lose_their_keys():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/reponse/{KEY}/",), None
    )
    assert RedactLinkKeys().filter(record) and KEY not in record.getMessage()


def test_gunicorn_access_log_has_no_query_string_nor_key():
    class Response:
        status, sent, headers = "200 OK", 10, []

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/reponse/{KEY}/?reponse=accepter",
        "PATH_INFO": f"/reponse/{KEY}/",
        "QUERY_STRING": "reponse=accepter",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://ville.example/mon-espace/?jeton={KEY}",
    }
    atoms = RedactingLogger(Config()).atoms(Response(), {}, environ, datetime.timedelta(seconds=1))
    assert all(KEY not in str(value) for value in atoms.values())
    assert atoms["U"] == f"/reponse/{MASK}/"
