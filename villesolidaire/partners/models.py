"""The directory of local partners: organisations, the people who act for them, their services.

What the public map shows is always validated by a coordinator: a new organisation waits in
"pending"; once validated, its partner's edits (to the entry or to a service, or a new service)
are held as `PendingChange` rows until a coordinator approves or rejects them.
"""

from django.conf import settings
from django.core.validators import MinLengthValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from villesolidaire.core.fields import user_reference
from villesolidaire.core.workflow import TransitionLog, Workflow, log_fields
from villesolidaire.partners import vocabulary
from villesolidaire.partners.opening_hours import validate_opening_hours
from villesolidaire.territory.models import Located

NAME_NOT_ENDING_WITH_DOT = RegexValidator(
    r"(?:etc\.|[^.])\s*$", "Le nom ne doit pas se terminer par un point (règle du référentiel data·inclusion)."
)
# The schema's links are http(s) addresses only (pydantic's HttpUrl): no ftp:// as Django allows.
WEB_ADDRESS = URLValidator(
    schemes=["http", "https"], message="Adresse web invalide : elle doit commencer par https:// (ou http://)."
)


def data_source_field():
    """The data·inclusion `source` of an imported record ("dora", "soliguide"…), kept as its producer
    wrote it; empty for records created here, whose source is the town's (`opendata.data_source`)."""
    return models.CharField("source data·inclusion", max_length=100, blank=True)


def source_url_field():
    """The `lien_source` of an imported record: its page on its producer's site. Empty for records
    created here (and for our own pages read back): the export links to our public page."""
    return models.URLField("page chez le producteur", max_length=500, blank=True, validators=[WEB_ADDRESS])


class OrganisationType(models.TextChoices):
    ASSOCIATION = "association", "Association"
    MUNICIPAL_SERVICE = "municipal_service", "Service municipal"
    CCAS = "ccas", "CCAS"
    SHOP = "shop", "Commerce"
    SOCIAL_LANDLORD = "social_landlord", "Bailleur social"
    COMPANY = "company", "Entreprise"
    RESIDENTS_GROUP = "residents_group", "Collectif d'habitant·es"


class OrganisationStatus(models.TextChoices):
    PENDING = "pending", "En attente de validation"
    VALIDATED = "validated", "Validée"
    SUSPENDED = "suspended", "Suspendue"


ORGANISATION_WORKFLOW = Workflow(
    name="organisation",
    states=OrganisationStatus,
    transitions={
        OrganisationStatus.PENDING: {OrganisationStatus.VALIDATED, OrganisationStatus.SUSPENDED},
        OrganisationStatus.VALIDATED: {OrganisationStatus.SUSPENDED},
        OrganisationStatus.SUSPENDED: {OrganisationStatus.VALIDATED},
    },
    log="partners.OrganisationTransition",
)


class OrganisationQuerySet(models.QuerySet):
    def validated(self):
        return self.filter(status=OrganisationStatus.VALIDATED)

    def of_user(self, user):
        """Organisations this user acts for (a partner account)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(members__user=user)


class Organisation(Located):
    name = models.CharField("nom", max_length=150, validators=[MinLengthValidator(3), NAME_NOT_ENDING_WITH_DOT])
    type = models.CharField("type", max_length=20, choices=OrganisationType.choices)
    siret = models.CharField(
        "SIRET",
        max_length=14,
        blank=True,
        validators=[RegexValidator(r"^\d{14}$", "Le SIRET compte 14 chiffres.")],
    )
    rna = models.CharField(
        "numéro RNA",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^W\d{9}$", "Le numéro RNA s'écrit W suivi de 9 chiffres.")],
    )
    description = models.TextField("présentation", max_length=10000, blank=True)
    phone = PhoneNumberField("téléphone", blank=True)
    email = models.EmailField("e-mail", blank=True)
    website = models.URLField("site web", blank=True)
    opening_hours = models.CharField(
        "horaires d'accueil",
        max_length=255,
        blank=True,
        validators=[validate_opening_hours],
        help_text="Format OpenStreetMap, par exemple : Mo-Fr 08:30-12:30,14:00-17:00; Sa 09:00-12:00; PH off",
    )
    accessibility_url = models.URLField(
        "accessibilité du lieu",
        max_length=500,
        blank=True,
        validators=[WEB_ADDRESS],
        help_text="Adresse de la fiche du lieu sur Acceslibre (acceslibre.beta.gouv.fr).",
    )
    # The data·inclusion id ("<source>--<local id>") of an imported entry; empty for entries
    # created here, whose id is derived from the primary key.
    data_id = models.CharField("identifiant data·inclusion", max_length=150, blank=True)
    data_source = data_source_field()
    source_url = source_url_field()
    status = models.CharField(
        "statut", max_length=12, choices=OrganisationStatus.choices, default=OrganisationStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    updated_at = models.DateTimeField("mise à jour le", default=timezone.now)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "organisation partenaire"
        verbose_name_plural = "organisations partenaires"
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["data_id"],
                condition=~Q(data_id=""),
                name="partners_organisation_data_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.status == OrganisationStatus.VALIDATED


class OrganisationTransition(TransitionLog):
    """One status change of an organisation: who, when, why."""

    organisation, from_status, to_status = log_fields(Organisation)

    class Meta(TransitionLog.Meta):
        verbose_name = "changement de statut d'une organisation"
        verbose_name_plural = "historique des statuts des organisations"


class OrganisationContact(models.Model):
    """A person the CCAS can call at the organisation. Never shown on the public map."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField("nom et prénom", max_length=150)
    function = models.CharField("fonction", max_length=120, blank=True)
    phone = PhoneNumberField("téléphone", blank=True)
    email = models.EmailField("e-mail", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "contact d'une organisation"
        verbose_name_plural = "contacts des organisations"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(models.QuerySet):
    def public(self):
        """What the public map shows: active services of validated organisations."""
        return self.filter(is_active=True, organisation__status=OrganisationStatus.VALIDATED)

    def of_user(self, user):
        return self.filter(organisation__in=Organisation.objects.of_user(user))

    def with_thematique(self, value: str):
        # Lists are stored as JSON text; the quotes delimit one value exactly ("sante" does not
        # match "sante--acces-aux-soins"). Works the same on SQLite and PostgreSQL.
        return self.filter(thematiques__icontains=f'"{value}"')

    def with_public(self, value: str):
        return self.filter(publics__icontains=f'"{value}"')

    def in_quartier(self, quartier):
        """Services placed in the quartier: their own address, else their organisation's."""
        return self.filter(Q(quartier=quartier) | Q(address="", organisation__quartier=quartier))


class Service(Located):
    """What an organisation offers (data·inclusion `Service`). The address is optional: when it
    is blank, the service is at its organisation's address."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="services")
    name = models.CharField("nom", max_length=150, validators=[MinLengthValidator(3), NAME_NOT_ENDING_WITH_DOT])
    description = models.TextField("description", max_length=10000, validators=[MinLengthValidator(5)])
    type = models.CharField("type de service", max_length=20, choices=vocabulary.TYPE_SERVICE_CHOICES, blank=True)
    thematiques = models.JSONField("thématiques", default=list, blank=True)
    publics = models.JSONField("publics", default=list, blank=True)
    publics_precisions = models.CharField("précisions sur les publics", max_length=500, blank=True)
    access_conditions = models.CharField("conditions d'accès", max_length=500, blank=True)
    modes_accueil = models.JSONField("modes d'accueil", default=list, blank=True)
    modes_mobilisation = models.JSONField("comment en bénéficier", default=list, blank=True)
    # data·inclusion `mobilisable_par`: "usagers", "professionnels" (vocabulary.MOBILISABLE_PAR_CHOICES).
    mobilisable_par = models.JSONField("qui peut le demander", default=list, blank=True)
    mobilisation_url = models.URLField("lien pour en bénéficier", max_length=500, blank=True, validators=[WEB_ADDRESS])
    mobilisation_precisions = models.CharField("précisions pour en bénéficier", max_length=500, blank=True)
    # data·inclusion `zone_eligibilite`: INSEE codes of communes, departments, EPCI (SIREN), countries,
    # or "france". Empty for a service created here means the town's commune.
    eligibility_zone = models.JSONField("zone d'éligibilité", default=list, blank=True)
    frais = models.CharField("frais", max_length=10, choices=vocabulary.FRAIS_CHOICES, blank=True)
    frais_precisions = models.CharField("précisions sur les frais", max_length=300, blank=True)
    opening_hours = models.CharField(
        "horaires",
        max_length=255,
        blank=True,
        validators=[validate_opening_hours],
        help_text="Format OpenStreetMap, par exemple : Mo-Fr 08:30-12:30; PH off",
    )
    contact_name = models.CharField("nom du contact", max_length=150, blank=True)
    phone = PhoneNumberField("téléphone", blank=True)
    email = models.EmailField("e-mail", blank=True)
    is_active = models.BooleanField("proposé actuellement", default=True)
    data_id = models.CharField("identifiant data·inclusion", max_length=150, blank=True)
    data_source = data_source_field()
    source_url = source_url_field()
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("mis à jour le", default=timezone.now)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = "service"
        verbose_name_plural = "services"
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["data_id"], condition=~Q(data_id=""), name="partners_service_data_id"),
        ]
        indexes = [models.Index(fields=["organisation", "is_active"], name="partners_service_org_active")]

    def __str__(self) -> str:
        return self.name

    @property
    def place(self) -> Located:
        """Where the service happens: its own address, else its organisation's."""
        return self if self.address else self.organisation

    @property
    def thematique_labels(self) -> list[str]:
        return [vocabulary.thematique_label(value) for value in self.thematiques or []]

    @property
    def public_labels(self) -> list[str]:
        return [vocabulary.PUBLIC_LABELS.get(value, value) for value in self.publics or []]

    @property
    def mobilisable_par_labels(self) -> list[str]:
        return [vocabulary.MOBILISABLE_PAR_LABELS.get(value, value) for value in self.mobilisable_par or []]


class ChangeKind(models.TextChoices):
    ORGANISATION = "organisation", "Modification de la fiche"
    SERVICE_UPDATE = "service_update", "Modification d'un service"
    SERVICE_CREATE = "service_create", "Nouveau service"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "À examiner"
    APPROVED = "approved", "Acceptée"
    REJECTED = "rejected", "Refusée"


CHANGE_WORKFLOW = Workflow(
    name="partner_change",
    states=ChangeStatus,
    transitions={ChangeStatus.PENDING: {ChangeStatus.APPROVED, ChangeStatus.REJECTED}},
    log="partners.PendingChangeTransition",
)


class PendingChangeQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ChangeStatus.PENDING)


class PendingChange(models.Model):
    """Field values a partner proposed for a validated entry, waiting for a coordinator.

    `proposed` holds the form's values (JSON-ready). At most one pending change per target:
    a second edit replaces the values of the first (constraint on `target_key`).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="changes")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True, related_name="changes")
    kind = models.CharField("nature", max_length=20, choices=ChangeKind.choices)
    # "organisation", "service:<pk>" or "new:<random>": what the change is about.
    target_key = models.CharField(max_length=60)
    proposed = models.JSONField("valeurs proposées", default=dict)
    status = models.CharField("statut", max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    submitted_by = user_reference("proposée par", blank=False)
    submitted_at = models.DateTimeField("proposée le", default=timezone.now)
    decided_by = user_reference("examinée par")
    decided_at = models.DateTimeField("examinée le", null=True, blank=True)
    decision_reason = models.CharField("motif", max_length=500, blank=True)

    objects = PendingChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "modification à valider"
        verbose_name_plural = "modifications à valider"
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "target_key"],
                condition=Q(status="pending"),
                name="partners_one_pending_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.organisation}"


class PendingChangeTransition(TransitionLog):
    change, from_status, to_status = log_fields(PendingChange)

    class Meta(TransitionLog.Meta):
        verbose_name = "changement de statut d'une modification"
        verbose_name_plural = "historique des modifications à valider"


class OrganisationMember(models.Model):
    """A partner account acting for an organisation (a user with the partner role)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_memberships")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "membre d'une organisation"
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="partners_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation}"


# Relays to partners: a request referred, a support handed over ----------------------------------
# help_requests and missions sit below partners in the layers, so the link to the organisation
# lives here, next to the organisation; the lower app's own workflow records the move itself.


class ReferralQuerySet(models.QuerySet):
    def to_validated(self):
        return self.filter(organisation__status=OrganisationStatus.VALIDATED)


class Referral(models.Model):
    """A help request closed « Orientée vers un partenaire », naming the organisation."""

    help_request = models.OneToOneField(
        "help_requests.HelpRequest", on_delete=models.PROTECT, related_name="referral", verbose_name="demande"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals", verbose_name="organisation"
    )
    note = models.CharField("précisions", max_length=300, blank=True)
    referred_by = user_reference("orientée par")
    referred_at = models.DateTimeField("orientée le", default=timezone.now, db_index=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation vers un partenaire"
        verbose_name_plural = "orientations vers des partenaires"
        ordering = ["-referred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.help_request_id} → {self.organisation_id}"


class Handover(models.Model):
    """A support handed over to an association when the town's dispositif closes (Rennes)."""

    support = models.OneToOneField(
        "missions.Support", on_delete=models.PROTECT, related_name="handover", verbose_name="soutien"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="handovers", verbose_name="association"
    )
    note = models.CharField("précisions", max_length=300, blank=True)
    handed_over_by = user_reference("transmis par")
    handed_over_at = models.DateTimeField("transmis le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "soutien transmis à une association"
        verbose_name_plural = "soutiens transmis à des associations"
        ordering = ["-handed_over_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.support_id} → {self.organisation_id}"
