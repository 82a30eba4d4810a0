import json
import logging

import pytest

from tests.fake_server import closed_port_url
from villesolidaire.notifications.sms import (
    BrevoSmsBackend,
    ConsoleSmsBackend,
    FileSmsBackend,
    SmsError,
    SmsPermanentError,
    fits_one_sms,
    gsm7_length,
    is_gsm7,
    sms_parts,
    to_gsm7,
    warn_if_long,
)


def test_to_gsm7_keeps_the_accents_gsm7_has():
    assert (
        to_gsm7("Votre bénévole passera à 14h, où ? Déjà prévu, voilà.")
        == "Votre bénévole passera à 14h, où ? Déjà prévu, voilà."
    )
    assert is_gsm7(to_gsm7("é è à ù ì ò É Ç"))


def test_to_gsm7_replaces_french_typography_and_other_accents():
    text = "L’équipe « Solidarité » : ça marche — être forêt, Noël, cœur, île, août…\u00a0!"
    converted = to_gsm7(text)
    assert converted == 'L\'équipe "Solidarité" : ca marche - etre foret, Noel, coeur, ile, aout... !'
    assert is_gsm7(converted)


def test_to_gsm7_never_leaves_characters_outside_gsm7():
    converted = to_gsm7("Merci 👍 Ελλάδα ñandú ã ő 中文 \u200b\x00fin")
    assert is_gsm7(converted)
    assert converted.endswith("fin")
    assert "ñ" in converted  # Spanish ñ is in GSM-7


def test_length_counts_extension_characters_twice():
    assert gsm7_length("10 €") == 5
    assert gsm7_length("[a]") == 5


def test_sms_parts_for_gsm7_and_unicode():
    assert sms_parts("a" * 160) == 1
    assert sms_parts("a" * 161) == 2
    assert sms_parts("a" * 306) == 2
    assert sms_parts("a" * 307) == 3
    assert sms_parts("€" * 80) == 1
    assert sms_parts("€" * 81) == 2
    assert sms_parts("中" * 70) == 1
    assert sms_parts("中" * 71) == 2
    assert fits_one_sms("ê" * 160)  # becomes "e": still one SMS


def test_warn_if_long_logs_and_returns_the_part_count(caplog):
    with caplog.at_level(logging.WARNING, logger="villesolidaire.notifications.sms"):
        assert warn_if_long("court", kind="test") == 1
        assert not caplog.records
        assert warn_if_long("x" * 200, kind="proposition") == 2
    assert "proposition" in caplog.text
    assert "2 concatenated parts" in caplog.text


def test_file_backend_appends_json_lines(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    backend = FileSmsBackend()
    first = backend.send("+33612345678", "Bonjour, votre demande est prise en compte.")
    backend.send("+33698765432", "Deuxième message")
    lines = (tmp_path / "sms" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["to"] for line in lines] == ["+33612345678", "+33698765432"]
    assert json.loads(lines[1])["body"] == "Deuxième message"
    assert first.startswith("file-")


def test_console_backend_prints_the_sms(capsys):
    provider_id = ConsoleSmsBackend().send("+33612345678", "Votre volontaire arrive à 10h.")
    out = capsys.readouterr().out
    assert "SMS à +33612345678" in out
    assert "Votre volontaire arrive à 10h." in out
    assert provider_id.startswith("console-")


class TestBrevo:
    def test_request_shape_and_headers(self, fake_server):
        server = fake_server([(201, {"messageId": 1511882900176220})])
        backend = BrevoSmsBackend(api_key="cle-secrete", base_url=server.url + "/v3/", sender="MAIRIE-DE-BOURG")
        provider_id = backend.send("+33612345678", "Votre demande est prise en compte.")
        assert provider_id == "1511882900176220"
        (request,) = server.requests
        assert request.method == "POST"
        assert request.path == "/v3/transactionalSMS/send"
        assert request.headers["api-key"] == "cle-secrete"
        assert request.headers["content-type"] == "application/json"
        assert request.json() == {
            "sender": "MAIRIE-DE-B",  # Brevo allows 11 alphanumeric characters
            "recipient": "33612345678",
            "content": "Votre demande est prise en compte.",
            "type": "transactional",
            "unicodeEnabled": False,
        }

    def test_unicode_flag_when_text_is_not_gsm7(self, fake_server):
        server = fake_server([(201, {"messageId": 7})])
        BrevoSmsBackend(api_key="k", base_url=server.url).send("+33612345678", "Merci 🙏")
        assert server.requests[0].json()["unicodeEnabled"] is True

    def test_server_error_is_temporary(self, fake_server):
        server = fake_server([(500, {"message": "Internal error"})])
        with pytest.raises(SmsError) as caught:
            BrevoSmsBackend(api_key="k", base_url=server.url).send("+33612345678", "Bonjour")
        assert not isinstance(caught.value, SmsPermanentError)
        assert "HTTP 500" in str(caught.value)

    def test_rate_limit_is_temporary(self, fake_server):
        server = fake_server([(429, {"message": "Too many requests"})])
        with pytest.raises(SmsError) as caught:
            BrevoSmsBackend(api_key="k", base_url=server.url).send("+33612345678", "Bonjour")
        assert not isinstance(caught.value, SmsPermanentError)

    def test_bad_request_is_permanent(self, fake_server):
        server = fake_server([(400, {"code": "invalid_parameter", "message": "Invalid phone number"})])
        with pytest.raises(SmsPermanentError, match="Invalid phone number"):
            BrevoSmsBackend(api_key="k", base_url=server.url).send("+33", "Bonjour")

    def test_connection_refused(self):
        with pytest.raises(SmsError, match="Brevo injoignable"):
            BrevoSmsBackend(api_key="k", base_url=closed_port_url(), timeout=2).send("+33612345678", "Bonjour")

    def test_missing_api_key_is_reported(self, settings):
        settings.BREVO_API_KEY = ""
        with pytest.raises(SmsError, match="VS_BREVO_API_KEY"):
            BrevoSmsBackend(base_url="http://127.0.0.1:9").send("+33612345678", "Bonjour")

    def test_accepted_without_id_counts_as_sent(self, fake_server):
        server = fake_server([(201, b"not json")])
        assert BrevoSmsBackend(api_key="k", base_url=server.url).send("+33612345678", "Bonjour") == ""
