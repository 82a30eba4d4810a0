"""The register's printed documents: acknowledgement (R121-6), information letter for
transmitted pre-registrations (L121-6-1 I al. 3), yearly re-confirmation letter, and the blank
paper registration form (R121-2 information included). Built with core.pdf."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from villesolidaire.core.pdf import Document
from villesolidaire.register.models import DisabilityBenefit, Ground, Origin, RegisterEntry
from villesolidaire.territory.models import Town

PURPOSE = (
    "Ce registre sert exclusivement à la mise en œuvre du plan d'alerte et d'urgence (canicule, grand froid, "
    "épidémie ou autre crise) : en cas de déclenchement, les services de la commune prennent contact avec les "
    "personnes inscrites pour leur apporter conseils et assistance (articles L121-6-1 et R121-2 du code de "
    "l'action sociale et des familles)."
)
RECIPIENTS = (
    "Destinataires : les seuls agents de la commune et du CCAS nommément désignés par le maire, tenus au secret "
    "professionnel ; en cas de déclenchement du plan d'alerte et d'urgence, le préfet, à sa demande, qui peut les "
    "transmettre aux services chargés des interventions à domicile (articles R121-8 et R121-9)."
)
RIGHTS = (
    "Vous pouvez à tout moment consulter les informations vous concernant et les faire rectifier, auprès du {service} "
    "(article R121-10). Vos données sont conservées jusqu'à votre demande de radiation ou votre décès "
    "(article R121-11). Vous pouvez aussi contacter le délégué à la protection des données{dpo} et adresser une "
    "réclamation à la CNIL (www.cnil.fr)."
)
VOLUNTARY = (
    "L'inscription est facultative. Vous pouvez demander à être radié·e du registre à tout moment, sur simple demande."
)


CLOSING = "Nous vous prions d'agréer, Madame, Monsieur, nos salutations distinguées."


def _rights(doc: Document) -> str:
    dpo = doc.town.dpo_contact if doc.town and doc.town.dpo_contact else ""
    return RIGHTS.format(service=doc.service_name, dpo=f" ({dpo})" if dpo else "")


def _purpose_recipients_rights(doc: Document) -> list[str]:
    """What every letter about the register tells: what it is for, who reads it, the person's rights."""
    return [PURPOSE, RECIPIENTS, _rights(doc)]


def _recipient(entry: RegisterEntry) -> list[str]:
    return [
        f"{entry.first_names} {entry.last_name.upper()}".strip(),
        entry.address,
        entry.address_complement,
        f"{entry.postcode} {entry.city}".strip(),
    ]


def _held(entry: RegisterEntry) -> list[str]:
    """What the register holds on the person, printed so they can check and correct it."""
    ground = entry.get_ground_display()
    if entry.disability_benefit:
        ground += f" ({entry.get_disability_benefit_display()})"
    town_line = f"{entry.postcode} {entry.city}".strip()
    address = ", ".join(p for p in (entry.address, entry.address_complement, town_line) if p)
    lines = [
        f"Nom et prénoms : {entry.last_name.upper()} {entry.first_names}",
        f"Date de naissance : {entry.birth_date:%d/%m/%Y}" if entry.birth_date else "Date de naissance : —",
        f"Qualité : {ground}",
        f"Adresse : {address}",
        f"Téléphone : {entry.phone or '—'}",
        f"Service intervenant à domicile : {entry.home_care_service or '—'}",
        "Personne à prévenir en cas d'urgence : "
        + (" — ".join(p for p in (entry.emergency_contact_name, entry.emergency_contact_phone) if p) or "—"),
        f"Date de la demande : {entry.request_date:%d/%m/%Y}",
    ]
    if entry.third_party_name:
        lines.append(f"Demande faite par : {entry.third_party_name} ({entry.third_party_capacity})")
    return lines


def acknowledgement_letters(entries: Iterable[RegisterEntry]) -> bytes:
    doc = Document(title="Accusé de réception — registre des personnes vulnérables", town=Town.current())
    for entry in entries:
        _acknowledgement(doc, entry)
    return doc.output_bytes()


def _acknowledgement(doc: Document, entry: RegisterEntry) -> None:
    by_third_party = entry.origin == Origin.THIRD_PARTY
    request = (
        f"Nous avons reçu le {entry.request_date:%d/%m/%Y} la demande d'inscription vous concernant, "
        f"faite par écrit par {entry.third_party_name} ({entry.third_party_capacity}), "
        "sur le registre nominatif des personnes âgées et des personnes handicapées de la commune."
        if by_third_party
        else f"Nous avons bien reçu le {entry.request_date:%d/%m/%Y} votre demande d'inscription sur le registre "
        "nominatif des personnes âgées et des personnes handicapées de la commune."
    )
    doc.letter(
        recipient=_recipient(entry),
        subject="Accusé de réception de votre demande d'inscription au registre des personnes vulnérables",
        paragraphs=[
            "Madame, Monsieur,",
            request,
            "Sauf opposition de votre part, la réception du présent accusé de réception vaut accord de votre part "
            "pour figurer sur ce registre (article R121-6 du code de l'action sociale et des familles).",
            "Vous pouvez à tout moment demander votre radiation du registre, sur simple demande auprès du "
            f"{doc.service_name}, par courrier, par téléphone ou sur place.",
            *_purpose_recipients_rights(doc),
            "Voici les informations enregistrées ; signalez-nous toute erreur :",
        ],
        bullets=_held(entry),
        closing=[CLOSING],
    )


def information_letters(entries: Iterable[RegisterEntry], *, sent_on: datetime.date | None = None) -> bytes:
    doc = Document(title="Information — pré-inscription au registre des personnes vulnérables", town=Town.current())
    sent_on = sent_on or timezone.localdate()
    days = settings.VS_REGISTER_OBJECTION_DAYS
    deadline = sent_on + datetime.timedelta(days=days)
    for entry in entries:
        source = (
            "le conseil départemental, qui vous verse l'allocation personnalisée d'autonomie (APA) "
            "ou la prestation de compensation du handicap (PCH) à domicile"
            if entry.origin == Origin.DEPARTEMENT
            else "la caisse d'assurance retraite et de la santé au travail (CARSAT), qui vous verse une aide liée à "
            "l'autonomie"
        )
        doc.letter(
            recipient=_recipient(entry),
            subject="Votre inscription au registre des personnes vulnérables : vous pouvez vous y opposer",
            paragraphs=[
                "Madame, Monsieur,",
                f"La loi (article L121-6-1 du code de l'action sociale et des familles) permet que {source} "
                "transmette au maire vos nom, date de naissance, adresse et téléphone afin que vous soyez "
                "inscrit·e sur le registre nominatif des personnes vulnérables de la commune.",
                f"Vous pouvez vous opposer à cette inscription dans un délai de {days} jours, soit jusqu'au "
                f"{deadline:%d/%m/%Y} : il suffit de nous le dire par courrier, par téléphone ou sur place. "
                "Sans opposition de votre part dans ce délai, vous serez inscrit·e sur le registre. Même inscrit·e, "
                "vous pourrez demander votre radiation à tout moment.",
                *_purpose_recipients_rights(doc),
                "Voici les informations que nous avons reçues ; signalez-nous toute erreur :",
            ],
            bullets=_held(entry),
            closing=[CLOSING],
            date=sent_on,
        )
    return doc.output_bytes()


def confirmation_letters(entries: Iterable[RegisterEntry]) -> bytes:
    doc = Document(title="Mise à jour annuelle — registre des personnes vulnérables", town=Town.current())
    for entry in entries:
        doc.letter(
            recipient=_recipient(entry),
            subject="Mise à jour de votre inscription au registre des personnes vulnérables avant l'été",
            paragraphs=[
                "Madame, Monsieur,",
                "Vous êtes inscrit·e sur le registre nominatif des personnes vulnérables de la commune. Avant l'été, "
                "nous vérifions que les informations qui nous permettront de vous joindre en cas d'alerte (canicule, "
                "grand froid…) sont toujours exactes.",
                "Merci de vérifier les informations ci-dessous et de nous signaler tout changement (nouveau numéro de "
                "téléphone, personne à prévenir, service à domicile, déménagement dans la commune). Si vous souhaitez "
                "rester inscrit·e et que rien n'a changé, vous pouvez simplement nous le confirmer par téléphone ou "
                "par courrier.",
                "Si vous ne souhaitez plus figurer sur le registre, dites-le-nous : vous serez radié·e. "
                "Un déménagement hors de la commune vaut demande de radiation (article R121-5).",
            ],
            bullets=_held(entry),
            closing=[
                PURPOSE,
                _rights(doc),
                CLOSING,
            ],
        )
    return doc.output_bytes()


def paper_form() -> bytes:
    """The blank registration form to print, fill in by hand and send back (no personal data)."""
    doc = Document(title="Formulaire d'inscription au registre des personnes vulnérables", town=Town.current())
    doc.add_page()
    doc.heading("Demande d'inscription au registre nominatif des personnes âgées et des personnes handicapées")
    doc.paragraph(PURPOSE)
    doc.paragraph(VOLUNTARY)
    doc.paragraph(
        "Peuvent être inscrites (article R121-3) les personnes résidant à leur domicile : âgées de 65 ans et plus ; "
        "de plus de 60 ans reconnues inaptes au travail ; adultes handicapées bénéficiant de l'AAH, de la PCH, de la "
        "carte mobilité inclusion, de la RQTH ou d'une pension d'invalidité. Aucun justificatif n'est demandé."
    )
    doc.heading("La demande est faite par", 11)
    doc.checkbox("la personne elle-même")
    doc.checkbox("son représentant légal")
    doc.checkbox("un tiers (famille, voisin, médecin, service d'aide à domicile…) : remplir aussi le cadre « Tiers »")
    doc.ln(2)
    doc.heading("La personne à inscrire", 11)
    doc.blank_line("Nom :")
    doc.blank_line("Prénoms :")
    doc.blank_line("Date de naissance (jj/mm/aaaa) :")
    doc.blank_line("Adresse :", lines=2)
    doc.blank_line("Code postal et commune :")
    doc.blank_line("Téléphone :")
    doc.heading("Qualité au titre de laquelle la personne s'inscrit", 11)
    for ground in Ground:
        doc.checkbox(ground.label)
    doc.paragraph("Pour une personne adulte handicapée, avantage ou pension perçu :", gap=0.5)
    for benefit in DisabilityBenefit:
        doc.checkbox(benefit.label)
    doc.ln(2)
    doc.heading("Le cas échéant", 11)
    doc.blank_line("Service intervenant à domicile (nom et téléphone) :", lines=2)
    doc.blank_line("Personne à prévenir en cas d'urgence (nom et téléphone) :", lines=2)
    doc.heading("Tiers faisant la demande (demande par écrit uniquement)", 11)
    doc.blank_line("Nom et prénom du tiers :")
    doc.blank_line("Qualité (lien avec la personne) :")
    doc.checkbox(
        "J'atteste que la personne concernée (ou son représentant légal) ne s'oppose pas à cette inscription."
    )
    doc.ln(3)
    doc.blank_line("Fait à :")
    doc.blank_line("Le :")
    doc.blank_line("Signature :", lines=2)
    doc.ln(3)
    doc.paragraph(RECIPIENTS)
    doc.paragraph(_rights(doc))
    doc.paragraph(
        f"Formulaire à renvoyer ou déposer au {doc.service_name} de {doc.town_name}. Un accusé de réception vous sera "
        "adressé sous 8 jours."
    )
    return doc.output_bytes()
