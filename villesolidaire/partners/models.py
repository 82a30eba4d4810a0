"""The directory of local partners: organisations, the people who act for them, their services."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from villesolidaire.territory.models import Located


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


class OrganisationQuerySet(models.QuerySet):
    def validated(self):
        return self.filter(status=OrganisationStatus.VALIDATED)

    def of_user(self, user):
        """Organisations this user acts for (a partner account)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(members__user=user)


class Organisation(Located):
    name = models.CharField("nom", max_length=150)
    type = models.CharField("type", max_length=20, choices=OrganisationType.choices)
    siret = models.CharField(
        "SIRET", max_length=14, blank=True,
        validators=[RegexValidator(r"^\d{14}$", "Le SIRET compte 14 chiffres.")],
    )
    rna = models.CharField(
        "numéro RNA", max_length=10, blank=True,
        validators=[RegexValidator(r"^W\d{9}$", "Le numéro RNA s'écrit W suivi de 9 chiffres.")],
    )
    description = models.TextField("présentation", max_length=10000, blank=True)
    phone = PhoneNumberField("téléphone", blank=True)
    email = models.EmailField("e-mail", blank=True)
    website = models.URLField("site web", blank=True)
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

    def __str__(self) -> str:
        return self.name


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
