from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from villesolidaire.accounts.perms import within_quartiers
from villesolidaire.core.caches import ReferenceData
from villesolidaire.core.choices import AVAILABILITY, ENGAGEMENT_DOMAINS, LANGUAGES, MOBILITY
from villesolidaire.core.fields import birth_year_field, index_bit_field, optional_reference
from villesolidaire.core.text import fold
from villesolidaire.core.workflow import TransitionLog, log_fields
from villesolidaire.territory.models import Located
from villesolidaire.volunteers.enums import Status


class Skill(models.Model):
    """A skill from the managed list; `bit` indexes it in the matching index."""

    name = models.CharField("nom", max_length=120, unique=True)
    bit = index_bit_field()
    is_active = models.BooleanField("proposée", default=True)

    class Meta:
        verbose_name = "compétence"
        verbose_name_plural = "compétences"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def mask(self) -> int:
        return 1 << self.bit


# The skills a new volunteer may tick, in display order, as each process remembers them (core.caches).
offered_skills: ReferenceData[tuple[Skill, ...]] = ReferenceData(
    lambda: tuple(Skill.objects.filter(is_active=True)), changed_by=(Skill,)
)


class RecruitmentCallQuerySet(models.QuerySet):
    def open_now(self):
        now = timezone.now()
        return self.filter(opens_at__lte=now).filter(models.Q(closes_at__isnull=True) | models.Q(closes_at__gt=now))


class RecruitmentCall(models.Model):
    """An appeal for volunteers with a closing date (Rennes closed after three weeks)."""

    title = models.CharField("titre", max_length=150)
    description = models.TextField("texte d'appel", blank=True)
    opens_at = models.DateTimeField("ouverture", default=timezone.now)
    closes_at = models.DateTimeField("clôture", null=True, blank=True)

    objects = RecruitmentCallQuerySet.as_manager()

    class Meta:
        verbose_name = "appel à volontaires"
        verbose_name_plural = "appels à volontaires"
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.opens_at <= now and (self.closes_at is None or self.closes_at > now)


# Every call, newest opening first, as each process remembers them (core.caches): a town has a
# handful, and each public sign-up asks which one is open.
remembered_calls: ReferenceData[tuple[RecruitmentCall, ...]] = ReferenceData(
    lambda: tuple(RecruitmentCall.objects.all()), changed_by=(RecruitmentCall,)
)


def open_recruitment_call() -> RecruitmentCall | None:
    """`RecruitmentCall.objects.open_now().first()` without a query. Shared by the process's
    threads: read it, never change it."""
    return next((call for call in remembered_calls.get() if call.is_open), None)


class VolunteerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Volunteers a coordinator may open: all, or those living in their quartiers when they are
        limited to some (territory.QuartierScope). The views' role guard decides the rest."""
        return within_quartiers(self, user)

    def with_list_data(self):
        return self.select_related("quartier").prefetch_related("skills", "categories")

    def active(self):
        return self.filter(status=Status.ACTIVE)

    def not_withdrawn(self):
        return self.exclude(status=Status.WITHDRAWN)

    def with_contact(self, *, email: str = "", phone: str = ""):
        """Volunteers reachable at this e-mail (any case) or this E.164 mobile number."""
        condition = models.Q(pk__in=[])
        if email:
            # Stored lower-case, so an exact match on the lowered input can use the index.
            condition |= models.Q(email=email.strip().lower())
        if phone:
            condition |= models.Q(phone=phone)
        return self.filter(condition)

    def search_name(self, text: str):
        """Every word typed must appear in the first or last name, whatever its accents and case:
        « helene » finds « Hélène » and « HÉLÈNE » finds « Helene ». The typed words are folded as
        the stored `search_name` column is (core.text.fold), so one LIKE '%word%' per word, which
        PostgreSQL answers from a trigram index (volunteers 0011)."""
        queryset = self
        for word in fold(text).split()[:5]:
            queryset = queryset.filter(search_name__contains=word)
        return queryset

    def available_in(self, mask: int):
        """At least one of the weekly slots in `mask` (see core.choices.AVAILABILITY)."""
        return self.alias(slots_in_mask=models.F("availability").bitand(mask)).exclude(slots_in_mask=0)


class Volunteer(Located):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer")
    first_name = models.CharField("prénom", max_length=80)
    last_name = models.CharField("nom", max_length=80)
    # The name without accents, lower-case, for the name search (VolunteerQuerySet.search_name);
    # written by save() (code that writes names in bulk calls fill_search_name() first).
    search_name = models.CharField(max_length=170, default="", editable=False)
    email = models.EmailField("e-mail", blank=True, db_index=True)
    phone = PhoneNumberField("téléphone mobile", blank=True)
    birth_year = birth_year_field()
    skills = models.ManyToManyField(Skill, blank=True, related_name="volunteers", verbose_name="compétences")
    skills_other = models.CharField("autres compétences", max_length=300, blank=True)
    languages = models.PositiveIntegerField("langues parlées", default=LANGUAGES.bit_of("fr"))
    availability = models.PositiveIntegerField("disponibilités", default=0)
    mobility = models.PositiveSmallIntegerField("déplacements", default=0)
    max_distance_km = models.PositiveSmallIntegerField(
        "distance maximale (km)", default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    categories = models.ManyToManyField(
        "help_requests.HelpCategory", blank=True, related_name="volunteers", verbose_name="missions acceptées"
    )
    # HelpCategory.bit of each accepted category, written with the links by the volunteers'
    # services (services.categories_mask_of, refresh_categories_masks): the bilan counts volunteers
    # per category from this one column instead of joining every link row of the period.
    categories_mask = models.BigIntegerField("catégories acceptées (masque)", default=0, editable=False)
    domains = models.PositiveSmallIntegerField("domaines d'engagement", default=0)
    status = models.CharField(
        "statut", max_length=12, choices=Status.choices, default=Status.REGISTERED, db_index=True
    )
    recruitment_call = optional_reference(RecruitmentCall, "appel", related_name="volunteers")
    gdpr_notice_accepted_at = models.DateTimeField("information RGPD lue le", null=True, blank=True)
    charter_accepted_at = models.DateTimeField("charte acceptée le", null=True, blank=True)
    consent_share_with_partners = models.BooleanField(
        "accepte d'être contacté·e par les associations partenaires", default=False
    )
    created_at = models.DateTimeField("inscrit·e le", default=timezone.now)
    validated_at = models.DateTimeField("validé·e le", null=True, blank=True)
    anonymised_at = models.DateTimeField("anonymisé·e le", null=True, blank=True)
    # Set when told that a long inactivity will end in anonymisation; cleared by any activity since.
    inactivity_notice_at = models.DateTimeField("prévenu·e de l'anonymisation le", null=True, blank=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = "volontaire"
        verbose_name_plural = "volontaires"
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            # One account per mobile: the sign-up form checks first, the database settles races.
            models.UniqueConstraint(fields=["phone"], condition=~models.Q(phone=""), name="volunteer_unique_mobile"),
        ]
        indexes = [
            # Sign-up date, with the columns the bilan groups a period's volunteers by: on
            # PostgreSQL its GROUP BYs read this narrow index alone (index-only scans), not the wide
            # rows. SQLite has no INCLUDE and makes it a plain index on the date (models.W040).
            models.Index(
                fields=["created_at"],
                include=["id", "quartier", "status", "categories_mask", "domains", "recruitment_call"],
                name="volunteer_signup_facts",
            ),
            # The coordinators' list (views.volunteer_list) in its order (Meta.ordering), whole or
            # filtered on a status or a quartier: PostgreSQL reads the page's 50 rows off the index
            # and stops, instead of sorting every volunteer (tests/volunteers/test_list_plans.py).
            models.Index(fields=["last_name", "first_name", "id"], name="volunteer_list_order"),
            models.Index(fields=["status", "last_name", "first_name", "id"], name="volunteer_list_by_status"),
            models.Index(fields=["quartier", "last_name", "first_name", "id"], name="volunteer_list_by_quartier"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def fill_search_name(self) -> None:
        self.search_name = fold(f"{self.last_name} {self.first_name}")

    def save(self, *args, **kwargs):
        self.fill_search_name()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @property
    def language_labels(self) -> list[str]:
        return LANGUAGES.to_labels(self.languages)

    @property
    def availability_labels(self) -> list[str]:
        return AVAILABILITY.to_labels(self.availability)

    @property
    def mobility_labels(self) -> list[str]:
        return MOBILITY.to_labels(self.mobility)

    @property
    def domain_labels(self) -> list[str]:
        return ENGAGEMENT_DOMAINS.to_labels(self.domains)


class VolunteerStatusChange(TransitionLog):
    volunteer, from_status, to_status = log_fields(Volunteer, related_name="status_changes")

    class Meta(TransitionLog.Meta):
        indexes = [
            # core.workflow.status_as_of reads, per volunteer changed since a moment, their first
            # change at or after it: this index answers it without a sort or a table read (the
            # bilan asks it for thousands of volunteers of a past year).
            models.Index(fields=["volunteer", "at", "id"], include=["from_status"], name="volunteer_status_as_of"),
        ]


class VolunteerCount(models.Model):
    """Volunteers counted per local sign-up month, quartier and status (`category_bit` NULL), and
    per category they accept (`category_bit`: HelpCategory.bit), so that the bilan reads a few
    thousand rows whatever the number of volunteers (decision 0015).

    On PostgreSQL a trigger on the volunteers' table (migration 0009) appends a +1 row for a new
    or changed volunteer's new key and a -1 row for its old one, in the writing transaction,
    whatever writes (services, admin, bulk updates, anonymisation): appended rows, never one
    counter updated by every sign-up, so a sign-up surge does not queue on one row.
    services.fold_volunteer_counts (every 5 minutes) sums them into one row per key. SQLite has no
    such trigger: the bilan counts the volunteers themselves there (reporting.selectors)."""

    month = models.DateField("mois d'inscription")
    quartier = models.ForeignKey(
        "territory.Quartier",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name="quartier",
    )
    status = models.CharField("statut", max_length=12, choices=Status.choices)
    category_bit = models.SmallIntegerField("catégorie acceptée (bit)", null=True)
    n = models.IntegerField("nombre")

    class Meta:
        verbose_name = "décompte de volontaires"
        verbose_name_plural = "décomptes de volontaires"
        indexes = [
            models.Index(
                fields=["month"], include=["quartier", "status", "category_bit", "n"], name="volunteer_count_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.status} {self.category_bit}: {self.n}"
