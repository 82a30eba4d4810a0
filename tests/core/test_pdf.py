"""core.pdf: branded A4 documents read back with pypdf (text, pages, metadata, French glyphs)."""

import datetime
import io

import pytest
from pypdf import PdfReader

from tests.factories import TownFactory
from tests.pdf import pdf_text
from villesolidaire.core.pdf import Document, pdf_response
from villesolidaire.territory.models import Town

MAY_DAY = datetime.date(2026, 5, 1)


@pytest.fixture
def town():
    return TownFactory(
        name="Saint-Étienne-lès-Œufs",
        service_name="CCAS de Saint-Étienne",
        hotline_phone="01 99 00 00 00",
        contact_email="ccas@example.org",
    )


def _letter(doc: Document, name: str = "Mme Françoise LEFÈVRE", **kwargs) -> None:
    doc.letter(
        recipient=[name, "12 rue de l'Église", "", "99001 Bourg-Solidaire"],
        subject="Accusé de réception",
        paragraphs=["Madame, Monsieur,", "Nous avons bien reçu votre demande d'inscription au registre."],
        date=MAY_DAY,
        **kwargs,
    )


def _reader(doc: Document) -> PdfReader:
    return PdfReader(io.BytesIO(doc.output_bytes()))


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_a_letter_prints_the_town_the_recipient_and_the_body(town):
    doc = Document(title="Accusé de réception — registre", town=town)
    _letter(
        doc, bullets=["Pièce jointe : formulaire"], closing=["Veuillez agréer, Madame, Monsieur, nos salutations."]
    )
    reader = _reader(doc)
    assert len(reader.pages) == 1
    text = _flat(pdf_text(doc.output_bytes()))
    for expected in (
        "Mairie de Saint-Étienne-lès-Œufs",
        "CCAS de Saint-Étienne",
        "Téléphone : 01 99 00 00 00 · ccas@example.org",
        "Mme Françoise LEFÈVRE",
        "12 rue de l'Église",
        "Saint-Étienne-lès-Œufs, le 01/05/2026",
        "Objet : Accusé de réception",
        "Nous avons bien reçu votre demande d'inscription au registre.",
        "• Pièce jointe : formulaire",
        "Veuillez agréer, Madame, Monsieur, nos salutations.",
        "Pour le maire de Saint-Étienne-lès-Œufs, CCAS de Saint-Étienne",
        "Accusé de réception — registre — page 1",
    ):
        assert expected in text, expected


def test_metadata_names_the_document_and_its_sender(town):
    doc = Document(title="Mise à jour annuelle", town=town)
    _letter(doc)
    metadata = _reader(doc).metadata
    assert metadata.title == "Mise à jour annuelle"
    assert metadata.author == "CCAS de Saint-Étienne — Saint-Étienne-lès-Œufs"
    assert metadata.creator == "Ville Solidaire"
    assert doc.output_bytes().startswith(b"%PDF")


def test_one_page_per_letter_and_long_letters_break_onto_numbered_pages(town):
    doc = Document(title="Lettres", town=town)
    for name in ("M. Jean DUPONT", "Mme Anna KOWALSKA", "Mme Zoë NGUYEN"):
        _letter(doc, name=name)
    assert len(_reader(doc).pages) == 3
    pages = [_flat(page.extract_text()) for page in _reader(doc).pages]
    assert ["DUPONT" in pages[0], "KOWALSKA" in pages[1], "NGUYEN" in pages[2]] == [True, True, True]

    long = Document(title="Longue", town=town)
    long.letter(recipient=["M. Long"], subject="Long", paragraphs=["Une ligne de texte assez longue."] * 120)
    pages = [_flat(page.extract_text()) for page in _reader(long).pages]
    assert len(pages) > 1
    assert [f"Longue — page {number}" in page for number, page in enumerate(pages, 1)] == [True] * len(pages)


def test_every_french_letter_and_name_prints(town):
    names = "Œuvre cœur Ægir LŁUKASZ Łódź ÇA ça À Â É È Ê Ë Î Ï Ô Ù Û Ü Ÿ « guillemets » l’apostrophe 12 €"
    doc = Document(title="Glyphes", town=town)
    doc.add_page()
    doc.paragraph(names)
    assert names in _flat(pdf_text(doc.output_bytes()))


def test_a_letter_the_font_lacks_prints_as_its_base_letter_never_dropped(town):
    doc = Document(title="Noms", town=town)
    doc.add_page()
    assert doc.normalize_text("Nguyễn").startswith("Nguy") and doc.normalize_text("Nguyễn")[4] == "e"
    assert doc.normalize_text("Ơn") == "On"
    assert doc.normalize_text("中") == "?"
    assert doc.normalize_text("Élodie\tŒ\n") == "Élodie\tŒ\n"
    doc.paragraph("Mme NGUYỄN Thị Ơn")
    text = _flat(pdf_text(doc.output_bytes()))
    assert "NGUY" in text and "Th" in text and "On" in text


def test_without_a_town_the_document_speaks_for_the_mairie():
    assert Town.current() is None
    doc = Document(title="Sans commune", town=Town.current())
    _letter(doc)
    assert (doc.town_name, doc.service_name, doc.sender) == ("la commune", "CCAS", "Mairie")
    text = _flat(pdf_text(doc.output_bytes()))
    assert "Mairie CCAS" in text and "la commune, le 01/05/2026" in text and "Téléphone" not in text
    assert _reader(doc).metadata.author == "Mairie"


def test_the_town_given_brands_the_document(town):
    # Core knows no town: callers pass Town.current() (register.documents does).
    doc = Document(title="Par défaut", town=Town.current())
    assert doc.town == town and doc.town_name == town.name


def test_paper_form_blocks_print_labels_and_space_to_write(town):
    doc = Document(title="Formulaire papier", town=town)
    doc.add_page()
    doc.heading("Demande d'inscription")
    doc.blank_line("Nom :", lines=2)
    doc.checkbox("Je vis seul·e")
    text = _flat(pdf_text(doc.output_bytes()))
    assert "Demande d'inscription" in text and "Nom : ....." in text and "Je vis seul·e" in text


@pytest.mark.parametrize(("inline", "disposition"), [(False, "attachment"), (True, "inline")])
def test_pdf_response_is_a_named_uncached_download(inline, disposition):
    response = pdf_response(b"%PDF-1.4 test", "lettre-été.pdf", inline=inline)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'{disposition}; filename="lettre-été.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert response.content == b"%PDF-1.4 test"
