import datetime

from django.test import override_settings
from django.urls import reverse

from tests.factories.register import RegisterEntryFactory
from tests.pdf import pdf_text
from villesolidaire.register import documents
from villesolidaire.register.models import Origin


def _collapse(text: str) -> str:
    return " ".join(text.split())


def test_acknowledgement_letter_has_the_r121_6_wording_and_prints_any_name(town):
    entry = RegisterEntryFactory(
        last_name="Łukasiewicz-Œuvray",
        first_names="Zoë Ådèle",
        origin=Origin.THIRD_PARTY,
        third_party_name="Marc Dupré",
        third_party_capacity="voisin",
    )
    text = _collapse(pdf_text(documents.acknowledgement_letters([entry])))
    assert "Mairie de Bourg-Solidaire" in text and "CCAS de Bourg" in text
    assert "ŁUKASIEWICZ-ŒUVRAY" in text and "Zoë Ådèle" in text
    assert "Sauf opposition de votre part, la réception du présent accusé de réception vaut accord" in text
    assert "radiation du registre" in text and "à tout moment" in text
    assert "exclusivement à la mise en œuvre du plan d'alerte et d'urgence" in text
    assert "Destinataires" in text and "préfet" in text
    assert "rectifier" in text and "CNIL" in text
    assert "Marc Dupré (voisin)" in text


@override_settings(VS_REGISTER_OBJECTION_DAYS=45)
def test_information_letter_gives_the_objection_delay(town):
    entry = RegisterEntryFactory(origin=Origin.DEPARTEMENT, received=True)
    text = _collapse(pdf_text(documents.information_letters([entry], sent_on=datetime.date(2026, 5, 1))))
    assert "dans un délai de 45 jours, soit jusqu'au 15/06/2026" in text
    assert "conseil départemental" in text and "APA" in text


def test_confirmation_letters_one_page_per_person(town):
    entries = RegisterEntryFactory.create_batch(3)
    content = documents.confirmation_letters(entries)
    text = _collapse(pdf_text(content))
    for entry in entries:
        assert entry.last_name.upper() in text
    assert "Mise à jour de votre inscription" in text


def test_paper_form_is_public_and_holds_no_personal_data(client, town):
    entry = RegisterEntryFactory(last_name="Zygmuntowicz")
    response = client.get(reverse("register:paper_form"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _collapse(pdf_text(response.content))
    assert "Demande d'inscription au registre nominatif" in text
    assert "Personne âgée de 65 ans et plus" in text and "Pension d'invalidité" in text
    assert "ne s'oppose pas" in text
    assert entry.last_name.upper() not in text.upper()


def test_documents_without_a_configured_town_still_print():
    entry = RegisterEntryFactory()
    assert "Mairie" in pdf_text(documents.acknowledgement_letters([entry]))
