"""The paper call sheet (A4 PDF): what a caller needs to work without the network."""

from django.utils import timezone

from villesolidaire.campaigns.enums import CALL_OUTCOMES
from villesolidaire.campaigns.models import CallSheet
from villesolidaire.core.pdf import Document
from villesolidaire.core.text import french_phone

OUTCOME_BOXES = [label for _code, label in CALL_OUTCOMES]


def call_sheet_pdf(*, sheet: CallSheet, lines, questions, town) -> bytes:
    """One block per person (identity, numbers, who to call if nobody answers, boxes to tick)."""
    created = timezone.localtime(sheet.created_at)
    title = f"Feuille d'appels n° {sheet.pk}"
    doc = Document(title=title, town=town)
    doc.add_page()
    doc.heading(f"{title} — {sheet.campaign.title}")
    held = timezone.localtime(sheet.held_until)
    doc.paragraph(
        f"Préparée le {created:%d/%m/%Y à %H:%M} pour {sheet.caller.get_full_name() if sheet.caller else '—'}. "
        f"Personnes réservées jusqu'au {held:%d/%m/%Y à %H:%M} : saisissez les résultats avant cette heure. "
        "Document confidentiel (registre des personnes vulnérables) : ne le laissez pas traîner, "
        "rapportez-le au CCAS ou détruisez-le une fois les résultats saisis."
    )
    if questions:
        doc.paragraph("Questions à poser si la personne est jointe :", bold=True, gap=1)
        doc.bullets([question.label for question in questions])
    for line in lines:
        _person_block(doc, line)
    return doc.output_bytes()


def _person_block(doc: Document, line) -> None:
    entry = line.target.entry
    if doc.get_y() > 230:  # keep a person's block on one page
        doc.add_page()
    doc.ln(2)
    doc.line(doc.l_margin, doc.get_y(), doc.w - doc.r_margin, doc.get_y())
    doc.ln(1)
    if entry is None:
        doc.paragraph(f"{line.position}. Inscription retirée du registre : ne pas appeler.", bold=True)
        return
    age = entry.age_on(timezone.localdate())
    quartier = line.target.quartier.name if line.target.quartier else ""
    identity = " — ".join(
        part
        for part in (f"{line.position}. {entry.last_name.upper()} {entry.first_names}", age and f"{age} ans", quartier)
        if part
    )
    doc.paragraph(identity, bold=True, gap=0.5)
    address = ", ".join(
        p for p in (entry.address, entry.address_complement, f"{entry.postcode} {entry.city}".strip()) if p
    )
    doc.paragraph(f"Adresse : {address or '—'}", gap=0.5)
    doc.paragraph(f"Téléphone : {french_phone(entry.phone)[0] or 'aucun numéro'}", bold=True, gap=0.5)
    contact = " ".join(p for p in (entry.emergency_contact_name, french_phone(entry.emergency_contact_phone)[0]) if p)
    doc.paragraph(f"Si pas de réponse — personne à prévenir : {contact or 'aucune'}", gap=0.5)
    if entry.home_care_service:
        doc.paragraph(f"Service à domicile : {entry.home_care_service}", gap=0.5)
    doc.checkbox_row(OUTCOME_BOXES)
    doc.blank_line("Heure de l'appel : ........  Remarques :")
