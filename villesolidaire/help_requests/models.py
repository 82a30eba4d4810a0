from django.db import models
from django.utils import timezone

from villesolidaire.accounts.perms import is_operator, within_quartiers
from villesolidaire.core.caches import ReferenceData
from villesolidaire.core.choices import REQUEST_CONSTRAINTS
from villesolidaire.core.fields import amount_field, index_bit_field, optional_reference, user_reference
from villesolidaire.core.workflow import TransitionLog, log_fields
from villesolidaire.help_requests.enums import (
    WORKFLOW,
    Channel,
    ClosureReason,
    Consent,
    Recurrence,
    Status,
    TimeWindow,
    Urgency,
)


class HelpCategory(models.Model):
    """A kind of help (courses, démarches…). Managed in the admin; `bit` indexes matching."""

    name = models.CharField("nom", max_length=120, unique=True)
    slug = models.SlugField("code", max_length=60, unique=True)
    bit = index_bit_field(help_text="Numéro unique de 0 à 62 utilisé par l'index de mise en relation.")
    description = models.TextField("description", blank=True)
    order = models.PositiveSmallIntegerField("ordre d'affichage", default=100)
    is_active = models.BooleanField("proposée", default=True)
    involves_money = models.BooleanField("implique des avances d'argent", default=False)
    skills = models.ManyToManyField(
        "volunteers.Skill", blank=True, related_name="categories", verbose_name="compétences utiles"
    )

    class Meta:
        verbose_name = "catégorie d'aide"
        verbose_name_plural = "catégories d'aide"
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def mask(self) -> int:
        return 1 << self.bit


# The categories a new volunteer may choose, in display order, as each process remembers them
# (core.caches): the public sign-up checks its choices against them without a query.
offered_categories: ReferenceData[tuple[HelpCategory, ...]] = ReferenceData(
    lambda: tuple(HelpCategory.objects.filter(is_active=True)), changed_by=(HelpCategory,)
)


class HelpRequestQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=Status.CLOSED)

    def urgent_not_handled(self):
        """Urgent or very urgent, and nobody helping yet (the operations view counts these)."""
        return self.filter(
            urgency__in=(Urgency.CRITICAL, Urgency.HIGH),
            status__in=(Status.NEW, Status.QUALIFIED, Status.SEARCHING),
        )

    def with_list_data(self):
        return self.select_related("resident", "resident__quartier", "category")

    def visible_to(self, user):
        """Requests a user may open: the desk roles that handle requests, inside their quartiers if they
        are limited to some (territory.QuartierScope); nobody else."""
        return within_quartiers(self, user, "resident__quartier") if is_operator(user) else self.none()

    def by_priority(self):
        # Urgency codes sort alphabetically in urgency order (critical < high < normal), so this
        # ordering is served by the (urgency, -created_at) index; tests pin the enum order.
        return self.order_by("urgency", "-created_at", "-pk")


class HelpRequest(models.Model):
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.PROTECT, related_name="help_requests", verbose_name="habitant·e"
    )
    category = models.ForeignKey(
        HelpCategory, on_delete=models.PROTECT, related_name="help_requests", verbose_name="catégorie"
    )
    category_other = models.CharField("précision (autre)", max_length=120, blank=True)
    description = models.TextField("description", max_length=2000)
    urgency = models.CharField("urgence", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    wished_start = models.DateField("à partir du", null=True, blank=True)
    wished_end = models.DateField("jusqu'au", null=True, blank=True)
    time_window = models.CharField(
        "moment de la journée", max_length=4, choices=TimeWindow.choices, default=TimeWindow.ANY
    )
    recurrence = models.CharField("fréquence", max_length=12, choices=Recurrence.choices, default=Recurrence.ONCE)
    constraints = models.PositiveIntegerField("contraintes", default=0)
    constraints_notes = models.CharField("autres contraintes", max_length=300, blank=True)
    involves_money = models.BooleanField("achats à avancer", default=False)
    estimated_amount = amount_field("montant estimé (€)")
    channel = models.CharField("canal", max_length=12, choices=Channel.choices, default=Channel.HOTLINE)
    reporter_name = models.CharField("nom de la personne qui signale", max_length=120, blank=True)
    reporter_relation = models.CharField("lien avec la personne", max_length=80, blank=True)
    reporter_phone = models.CharField("téléphone de la personne qui signale", max_length=20, blank=True)
    person_agrees = models.CharField(
        "la personne est d'accord", max_length=8, choices=Consent.choices, default=Consent.YES
    )
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.NEW, db_index=True)
    closure_reason = models.CharField("motif de clôture", max_length=14, choices=ClosureReason.choices, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now, db_index=True)
    # The crisis episode the request was raised during: set on creation, a coordinator may change it.
    episode = optional_reference("crises.Episode", "épisode de crise", related_name="help_requests")
    created_by = user_reference("saisie par")
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'aide"
        verbose_name_plural = "demandes d'aide"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="request_status_created"),
            models.Index(fields=["urgency", "-created_at"], name="request_priority"),
            # The list's default (open requests, by_priority's order): the index holds the open
            # requests alone, in the page's order, so a page is read off it without a sort.
            models.Index(
                fields=["urgency", "-created_at", "-id"],
                condition=~models.Q(status=Status.CLOSED),
                name="request_open_priority",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(closure_reason=""), name="closed_request_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Demande n° {self.pk} — {self.category}"

    @property
    def constraint_labels(self) -> list[str]:
        return REQUEST_CONSTRAINTS.to_labels(self.constraints)

    @property
    def allowed_transitions(self) -> list[tuple[str, str]]:
        return WORKFLOW.allowed_choices(self.status)

    def transition(self, target: str, *, by, note: str = "", closure_reason: str = "") -> None:
        """Change `status` through WORKFLOW (locked, checked, logged); a closure keeps its reason."""
        WORKFLOW.apply(
            self,
            target,
            by=by,
            note=note,
            closure_reason=closure_reason if target == Status.CLOSED else "",
            updated_at=timezone.now(),  # auto_now: refreshed by the save, listed so that it is saved
        )


class HelpRequestTransition(TransitionLog):
    help_request, from_status, to_status = log_fields(HelpRequest)


class RequestCount(models.Model):
    """Help requests and the residents who made them, counted per local month, quartier of the
    resident and category, so that the bilan reads a few thousand rows whatever the number of
    requests (decision 0017).

    Residents are distinct people, which counts per month cannot sum: a resident helped in March
    and May counts once in the year. Each (resident, month) is kept with `since`, the previous
    month that resident asked for help (NULL: never before); over whole months from A to B, the
    distinct residents are then the rows of those months whose `since` is before A or NULL — a
    sum, exact for any range of whole months. `category` NULL: every category (the total, the
    quartiers, the months); a category: requests of that category, `since` read within it.

    On PostgreSQL statement triggers on the requests' table (and one on the residents' quartier,
    migration 0011) append the difference each write makes to its residents' rows, in the writing
    transaction; services.fold_request_counts (every 5 minutes, with the volunteers' counts) sums
    them into one row per key. SQLite has no such trigger: the bilan counts the requests there."""

    month = models.DateField("mois")
    quartier = models.ForeignKey(
        "territory.Quartier",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name="quartier",
    )
    category = models.ForeignKey(
        HelpCategory,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name="catégorie",
    )
    since = models.DateField("mois de la demande précédente", null=True)
    requests = models.IntegerField("demandes")
    residents = models.IntegerField("habitant·es")

    class Meta:
        verbose_name = "décompte de demandes"
        verbose_name_plural = "décomptes de demandes"
        indexes = [
            models.Index(
                fields=["month"],
                include=["quartier", "category", "since", "requests", "residents"],
                name="request_count_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.category_id} depuis {self.since}: {self.requests}/{self.residents}"
