"""One-off needs posted by partners or the town, their shifts, invitations and sign-ups."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from villesolidaire.core.choices import ENGAGEMENT_DOMAINS
from villesolidaire.core.fields import optional_reference, token_field, user_reference
from villesolidaire.core.workflow import TransitionLog, Workflow, log_fields
from villesolidaire.partners.models import Organisation
from villesolidaire.territory.models import Located


class NeedStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    PUBLISHED = "published", "Publié"
    CLOSED = "closed", "Clos"
    CANCELLED = "cancelled", "Annulé"


NEED_WORKFLOW = Workflow(
    name="need",
    states=NeedStatus,
    transitions={
        NeedStatus.DRAFT: {NeedStatus.PUBLISHED, NeedStatus.CANCELLED},
        NeedStatus.PUBLISHED: {NeedStatus.CLOSED, NeedStatus.CANCELLED},
        # A closed need can be opened again (a place freed, a date added).
        NeedStatus.CLOSED: {NeedStatus.PUBLISHED, NeedStatus.CANCELLED},
        NeedStatus.CANCELLED: set(),
    },
    log="needs.NeedTransition",
)


class ApiDomain(models.TextChoices):
    """API Engagement `domain` enumeration (api/src/constants/domains.ts)."""

    ANIMAUX = "animaux", "Animaux"
    AUTRE = "autre", "Autre"
    BATIMENT = "batiment-industrie-logistique", "Bâtiment, industrie, logistique"
    BENEVOLAT_COMPETENCES = "benevolat-competences", "Bénévolat de compétences"
    CULTURE = "culture-loisirs", "Culture et loisirs"
    EDUCATION = "education", "Éducation"
    EMPLOI = "emploi", "Emploi"
    ENVIRONNEMENT = "environnement", "Environnement"
    GESTION = "gestion-finance-droit", "Gestion, finance, droit"
    HUMANITAIRE = "humanitaire", "Humanitaire"
    MEMOIRE = "memoire-et-citoyennete", "Mémoire et citoyenneté"
    PREVENTION = "prevention-protection", "Prévention et protection"
    RECHERCHE = "recherche", "Recherche"
    SANTE = "sante", "Santé"
    SERVICE_PUBLIC = "service-public-defense-securite", "Service public, défense, sécurité"
    SPORT = "sport", "Sport"
    SOLIDARITE = "solidarite-insertion", "Solidarité et insertion"
    VIVRE_ENSEMBLE = "vivre-ensemble", "Vivre ensemble"


class Remote(models.TextChoices):
    NO = "no", "Sur place"
    POSSIBLE = "possible", "À distance possible"
    FULL = "full", "Entièrement à distance"


# Our engagement domain → the closest API Engagement domain (the default when posting).
API_DOMAIN_FOR = {
    "solidarity": ApiDomain.SOLIDARITE,
    "eco": ApiDomain.ENVIRONNEMENT,
    "events": ApiDomain.VIVRE_ENSEMBLE,
    "democracy": ApiDomain.MEMOIRE,
}
# And back, for imported missions.
DOMAIN_FOR_API = {
    ApiDomain.ENVIRONNEMENT: "eco",
    ApiDomain.ANIMAUX: "eco",
    ApiDomain.VIVRE_ENSEMBLE: "events",
    ApiDomain.CULTURE: "events",
    ApiDomain.SPORT: "events",
    ApiDomain.MEMOIRE: "democracy",
    ApiDomain.SERVICE_PUBLIC: "democracy",
}


class NeedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=NeedStatus.PUBLISHED)

    def open_now(self, now=None):
        """Published needs with a shift still to come (what volunteers and the feed see)."""
        now = now or timezone.now()
        return self.published().filter(_has_shift_ending_after(now))

    def of_partner(self, user):
        """Needs of the organisations this partner account acts for."""
        return self.filter(organisation__in=Organisation.objects.of_user(user))

    def with_list_data(self, now=None):
        """List columns: `first_start` is the start of the first shift not yet over (past shifts
        offer nothing any more), `shift_count` counts every shift."""
        now = now or timezone.now()
        return self.select_related("organisation", "category", "quartier").annotate(
            first_start=models.Min("shifts__starts_at", filter=models.Q(shifts__ends_at__gt=now)),
            shift_count=models.Count("shifts", distinct=True),
        )


def _has_shift_ending_after(now):
    return models.Exists(Shift.objects.filter(need=models.OuterRef("pk"), ends_at__gt=now))


class Need(Located):
    # The name an imported feed gets when neither the coordinator nor the feed names it.
    UNNAMED_FEED = "flux"

    organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name="organisation",
        help_text="Vide : besoin posté par la commune elle-même.",
    )
    title = models.CharField("titre", max_length=150)
    description = models.TextField("description", max_length=5000)
    domain = models.CharField(
        "domaine d'engagement", max_length=20, choices=ENGAGEMENT_DOMAINS.choices, default="solidarity"
    )
    category = optional_reference("help_requests.HelpCategory", "catégorie d'aide", related_name="needs")
    skills = models.ManyToManyField(
        "volunteers.Skill", blank=True, related_name="needs", verbose_name="compétences souhaitées"
    )
    trainings = models.ManyToManyField(
        "trainings.TrainingModule", blank=True, related_name="needs", verbose_name="formations requises"
    )
    status = models.CharField(
        "statut", max_length=10, choices=NeedStatus.choices, default=NeedStatus.DRAFT, db_index=True
    )
    # API Engagement fields.
    api_domain = models.CharField(
        "domaine (API Engagement)", max_length=40, choices=ApiDomain.choices, default=ApiDomain.SOLIDARITE
    )
    remote = models.CharField("à distance", max_length=10, choices=Remote.choices, default=Remote.NO)
    schedule = models.CharField("rythme", max_length=200, blank=True, help_text="Par exemple : « une matinée ».")
    open_to_minors = models.BooleanField("ouvert aux mineur·es", default=False)
    reduced_mobility_accessible = models.BooleanField("accessible aux personnes à mobilité réduite", default=False)
    # Imported missions: applied for on the publisher's site.
    is_external = models.BooleanField("importé d'un flux", default=False)
    # Unique within its feed (`feed_source`): two publishers may both number their missions 1, 2…
    client_id = models.CharField("identifiant dans le flux (clientId)", max_length=200, null=True, blank=True)
    application_url = models.URLField("lien de candidature", max_length=500, blank=True)
    organisation_name = models.CharField("organisation (flux)", max_length=200, blank=True)
    organisation_rna = models.CharField("RNA (flux)", max_length=20, blank=True)
    organisation_siren = models.CharField("SIREN (flux)", max_length=14, blank=True)
    organisation_siret = models.CharField("SIRET (flux)", max_length=14, blank=True)
    # The description as the feed wrote it, sanitised to a safe subset of HTML (`description`
    # keeps its plain text for lists, search and messages).
    description_html = models.TextField("description (HTML du flux)", blank=True)
    # Which feed the mission came from (its <publisher>, or the name given at import): a mission
    # that is no longer in the next import of the same feed is withdrawn.
    feed_source = models.CharField("flux d'origine", max_length=120, blank=True)
    created_by = user_reference()
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("mis à jour le", default=timezone.now)
    published_at = models.DateTimeField("publié le", null=True, blank=True)
    # The crisis episode under way over its quartier when it was created; a coordinator may change it.
    episode = optional_reference("crises.Episode", "épisode de crise", related_name="needs")

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = "besoin ponctuel"
        verbose_name_plural = "besoins ponctuels"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["feed_source", "client_id"],
                condition=Q(client_id__isnull=False),
                name="need_client_id_unique_in_its_feed",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def poster_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        if self.is_external:  # a mission of a national platform, never the town's own
            named_feed = self.feed_source if self.feed_source != self.UNNAMED_FEED else ""
            return self.organisation_name or named_feed or "Une organisation extérieure"
        return self.organisation_name or "La commune"

    @property
    def domain_label(self) -> str:
        return dict(ENGAGEMENT_DOMAINS.choices).get(self.domain, self.domain)

    def transition(self, target: str, *, by, note: str = "") -> None:
        """Change `status` through NEED_WORKFLOW (locked, checked, logged); the first publication is dated."""
        now = timezone.now()
        published_at = now if target == NeedStatus.PUBLISHED and not self.published_at else self.published_at
        NEED_WORKFLOW.apply(self, target, by=by, note=note, at=now, updated_at=now, published_at=published_at)


class NeedTransition(TransitionLog):
    need, from_status, to_status = log_fields(Need)


class ShiftQuerySet(models.QuerySet):
    def upcoming(self, now=None):
        """Shifts not started yet: the ones a volunteer told now could still sign up for."""
        return self.filter(starts_at__gt=now or timezone.now())

    def with_places_held(self):
        """`places_held`: sign-ups holding a place (to confirm or confirmed), the waiting list aside."""
        return self.annotate(places_held=models.Count("signups", filter=Q(signups__status__in=PLACE_HOLDING)))


class Shift(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    places = models.PositiveSmallIntegerField("places")

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = "créneau"
        verbose_name_plural = "créneaux"
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="needs_shift_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="needs_shift_has_places"),
        ]
        indexes = [models.Index(fields=["starts_at"], name="needs_shift_start")]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        return f"{start:%d/%m/%Y %H:%M} – {timezone.localtime(self.ends_at):%H:%M}"

    @property
    def duration_hours(self) -> Decimal:
        return (Decimal((self.ends_at - self.starts_at).total_seconds()) / 3600).quantize(Decimal("0.01"))

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def is_full(self) -> bool:
        """Every place held; needs `with_places_held()`."""
        return self.places_held >= self.places


class NeedInvitation(models.Model):
    """A volunteer told about a need, once: the token is their no-login key to its sign-up page."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="invitations")
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.CASCADE, related_name="need_invitations")
    token_hash = token_field()
    sent_at = models.DateTimeField("prévenu·e le", default=timezone.now)

    class Meta:
        verbose_name = "volontaire prévenu·e"
        verbose_name_plural = "volontaires prévenu·es"
        # Never twice the same volunteer for the same need, whatever the race.
        constraints = [models.UniqueConstraint(fields=["need", "volunteer"], name="needs_invited_once")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} — {self.need_id}"


class SignupStatus(models.TextChoices):
    PENDING = "pending", "À confirmer"
    CONFIRMED = "confirmed", "Confirmée"
    WAITING = "waiting", "En liste d'attente"
    CANCELLED = "cancelled", "Annulée"


# Sign-ups holding one of the shift's places.
PLACE_HOLDING = (SignupStatus.PENDING, SignupStatus.CONFIRMED)

SIGNUP_WORKFLOW = Workflow(
    name="shift_signup",
    states=SignupStatus,
    transitions={
        SignupStatus.PENDING: {SignupStatus.CONFIRMED, SignupStatus.CANCELLED},
        SignupStatus.CONFIRMED: {SignupStatus.CANCELLED},
        SignupStatus.WAITING: {SignupStatus.PENDING, SignupStatus.CANCELLED},
        SignupStatus.CANCELLED: set(),
    },
    log="needs.ShiftSignupTransition",
)


class ShiftSignupQuerySet(models.QuerySet):
    def holding_place(self):
        return self.filter(status__in=PLACE_HOLDING)

    def attended(self):
        return self.filter(attended=True)


class ShiftSignup(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.CASCADE, related_name="shift_signups")
    status = models.CharField("statut", max_length=10, choices=SignupStatus.choices, db_index=True)
    token_hash = token_field()
    created_at = models.DateTimeField("inscrit·e le", default=timezone.now)
    confirmed_at = models.DateTimeField("confirmée le", null=True, blank=True)
    confirmed_by = user_reference()
    promoted_at = models.DateTimeField("sortie de la liste d'attente le", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    reminder_sent_at = models.DateTimeField("rappel envoyé le", null=True, blank=True)
    attended = models.BooleanField("présent·e", null=True, blank=True)
    hours = models.DecimalField("heures", max_digits=5, decimal_places=2, null=True, blank=True)
    attendance_recorded_at = models.DateTimeField("présence notée le", null=True, blank=True)
    attendance_recorded_by = user_reference()

    objects = ShiftSignupQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription à un créneau"
        verbose_name_plural = "inscriptions aux créneaux"
        # Waiting list order: first come, first served.
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"], condition=~Q(status="cancelled"), name="needs_one_live_signup_per_shift"
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=0), name="needs_signup_hours_positive"
            ),
        ]
        indexes = [models.Index(fields=["shift", "status"], name="needs_signup_shift_status")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} — {self.shift_id} ({self.get_status_display()})"


class ShiftSignupTransition(TransitionLog):
    signup, from_status, to_status = log_fields(ShiftSignup)

    class Meta(TransitionLog.Meta):
        verbose_name = "changement de statut d'une inscription"
        verbose_name_plural = "historique des inscriptions aux créneaux"


class NotificationStatus(models.TextChoices):
    AWAITING = "awaiting", "En attente de validation"
    APPROVED = "approved", "Validé"
    REFUSED = "refused", "Refusé"


NOTIFICATION_WORKFLOW = Workflow(
    name="need_notification",
    states=NotificationStatus,
    transitions={
        NotificationStatus.AWAITING: {NotificationStatus.APPROVED, NotificationStatus.REFUSED},
        NotificationStatus.APPROVED: set(),
        NotificationStatus.REFUSED: set(),
    },
    log="needs.NeedNotificationTransition",
)


class NeedNotificationQuerySet(models.QuerySet):
    def awaiting_approval(self):
        """Partners' sends above the town's threshold, waiting for a coordinator (operations view)."""
        return self.filter(status=NotificationStatus.AWAITING)


class NeedNotification(models.Model):
    """One confirmed « prévenir les volontaires » press: how many people were confirmed, and
    whether it left or waits for a coordinator (a partner's send above the town's threshold).
    The background task sends only an approved one, to at most `recipient_count` volunteers."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="notifications", verbose_name="besoin")
    recipient_count = models.PositiveIntegerField("volontaires à prévenir")
    status = models.CharField(
        "état", max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.AWAITING, db_index=True
    )
    requested_by = user_reference("demandé par")
    requested_at = models.DateTimeField("demandé le", default=timezone.now)
    decided_by = user_reference("décidé par")
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    refusal_reason = models.CharField("motif du refus", max_length=300, blank=True)
    sent_count = models.PositiveIntegerField("volontaires prévenu·es", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    objects = NeedNotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "envoi aux volontaires"
        verbose_name_plural = "envois aux volontaires"
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.need_id} — {self.recipient_count}"


class NeedNotificationTransition(TransitionLog):
    notification, from_status, to_status = log_fields(NeedNotification)
