"""The register of vulnerable people (registre nominatif, CASF L121-6-1, R121-2 to R121-12).

`RegisterEntry` holds exactly the R121-4 fields plus what the procedure itself needs (origin,
status, acknowledgement, objection, yearly confirmation). Identifying fields are encrypted at
rest (core.crypto); blind indexes allow exact search by phone and by name. Anything beyond
R121-4 lives in `RegisterExtras`, only with a recorded consent, and is never exported to the
préfet. Every read and write goes to the audit log (audit.services.record).
"""

from datetime import date, timedelta

from django.db import models
from django.utils import timezone

from villesolidaire.accounts.enums import Role
from villesolidaire.core import fuzzy
from villesolidaire.core.crypto import EncryptedDateField, EncryptedTextField, blind_index, search_key
from villesolidaire.core.fields import optional_reference, user_reference
from villesolidaire.core.validation import is_mobile, parse_phone, phone_e164
from villesolidaire.core.workflow import TransitionLog, Workflow, log_fields

ACKNOWLEDGEMENT_DELAY_DAYS = 8  # R121-6 al. 3


class Ground(models.TextChoices):
    """R121-3: the three qualities under which a person may be registered (R121-4 1° c)."""

    AGE_65 = "age_65", "Personne âgée de 65 ans et plus"
    AGE_60_UNFIT = "age_60_unfit", "Personne de plus de 60 ans reconnue inapte au travail"
    DISABLED_ADULT = "disabled_adult", "Personne adulte handicapée"


class DisabilityBenefit(models.TextChoices):
    """The benefit that makes an adult eligible under R121-3 3° (CNIL's reading)."""

    AAH = "aah", "Allocation aux adultes handicapés (AAH)"
    PCH = "pch", "Prestation de compensation du handicap (PCH)"
    CMI = "cmi", "Carte mobilité inclusion (CMI)"
    RQTH = "rqth", "Reconnaissance de la qualité de travailleur handicapé (RQTH)"
    INVALIDITY = "invalidity", "Pension d'invalidité"


class Origin(models.TextChoices):
    SELF = "self", "La personne elle-même"
    LEGAL_REP = "legal_rep", "Son représentant légal"
    THIRD_PARTY = "third_party", "Un tiers, par écrit"
    DEPARTEMENT = "departement", "Transmission du département (APA / PCH)"
    CARSAT = "carsat", "Transmission de la CARSAT"


# Transmitted lists are pre-registrations: the person is informed and may object (L121-6-1 I al. 3).
TRANSMITTED_ORIGINS = frozenset({Origin.DEPARTEMENT, Origin.CARSAT})


class EntryStatus(models.TextChoices):
    RECEIVED = "received", "Demande reçue"
    REGISTERED = "registered", "Inscrit·e"
    REMOVED = "removed", "Radié·e"


class RemovalReason(models.TextChoices):
    REQUEST = "request", "À sa demande"
    DEATH = "death", "Décès"
    MOVED_OUT = "moved_out", "Déménagement hors de la commune"
    OBJECTION = "objection", "Opposition à l'inscription"
    DUPLICATE = "duplicate", "Doublon d'une autre inscription"


ENTRY_WORKFLOW = Workflow(
    name="register_entry",
    states=EntryStatus,
    transitions={
        EntryStatus.RECEIVED: {EntryStatus.REGISTERED, EntryStatus.REMOVED},
        EntryStatus.REGISTERED: {EntryStatus.REMOVED},
        EntryStatus.REMOVED: set(),
    },
    log="register.RegisterEntryTransition",
)

# R121-4 fields, in the order of the article: the only ones the préfet export may contain.
R121_4_FIELDS = (
    "last_name",
    "first_names",
    "birth_date",
    "ground",
    "disability_benefit",
    "address",
    "address_complement",
    "postcode",
    "city",
    "phone",
    "home_care_service",
    "emergency_contact_name",
    "emergency_contact_phone",
    "request_date",
    "third_party_name",
    "third_party_capacity",
)

# Emptied when an entry is removed (R121-11: kept until death or removal request); the row
# stays as a trace that the removal happened, with its date and reason.
PERSONAL_FIELDS = (
    "last_name",
    "first_names",
    "birth_date",
    "address",
    "address_complement",
    "phone",
    "home_care_service",
    "emergency_contact_name",
    "emergency_contact_phone",
    "third_party_name",
    "third_party_capacity",
    "notes",
)


FRENCH_MOBILE_PREFIXES = ("+336", "+337")


# A name search decrypts and ranks at most this many entries (a 3-letter prefix of a frequent name).
MAX_NAME_CANDIDATES = 300


class RegisterEntryQuerySet(models.QuerySet):
    def current(self):
        """Entries to call in a crisis: received (not yet acknowledged) or registered."""
        return self.exclude(status=EntryStatus.REMOVED)

    def matching_phone(self, phone):
        """Entries whose phone (or emergency contact's phone) is this number, however typed."""
        e164 = phone_e164(str(phone or ""))
        if not e164:
            return self.none()
        digest = blind_index(e164)
        return self.filter(models.Q(phone_index=digest) | models.Q(emergency_phone_index=digest))

    def matching_name(self, last_name: str, first_names: str = ""):
        rows = self.filter(last_name_index=blind_index(last_name))
        if first_names.strip():
            rows = rows.filter(full_name_index=blind_index(f"{last_name} {first_names}"))
        return rows

    def search_name(self, text: str):
        """Entries whose name matches a typed name, forgivingly, best first (docs/decisions/0012).

        The search keys propose candidates (every typed word must have one of its keys); only
        those few rows are decrypted and ranked (core.fuzzy.best_matches).
        """
        candidates = self.name_candidates(text)
        ranked = fuzzy.best_matches(text, candidates, lambda entry: entry.full_name)
        return fuzzy.in_rank_order(self, [entry.pk for entry in ranked])

    def name_candidates(self, text: str) -> list["RegisterEntry"]:
        words = fuzzy.query_tokens(text)
        if not words:
            return []
        # One index-only read of the keys per typed word, intersected here: a plan that databases
        # (and PostgreSQL's planner, whatever its statistics) cannot turn into a scan of the register.
        pks: set[int] | None = None
        for word in sorted(words, key=len, reverse=True):
            keys = [search_key(key) for key in fuzzy.query_keys(word)]
            found = set(RegisterSearchKey.objects.filter(key__in=keys).values_list("entry_id", flat=True))
            pks = found if pks is None else pks & found
            if not pks:
                return []
        rows = self.filter(pk__in=sorted(pks)[: MAX_NAME_CANDIDATES * 4])
        rows = rows.select_related(None).only("pk", "last_name", "first_names").order_by("pk")
        return list(rows[:MAX_NAME_CANDIDATES])

    def acknowledgement_due(self):
        return self.filter(status=EntryStatus.RECEIVED, acknowledged_at__isnull=True).order_by(
            "acknowledgement_due_on", "pk"
        )

    def confirmation_due(self, before: date):
        """Registered entries not confirmed since `before` (yearly re-confirmation before summer)."""
        return self.filter(status=EntryStatus.REGISTERED).filter(
            models.Q(confirmed_on__isnull=True) | models.Q(confirmed_on__lt=before)
        )


class RegisterEntry(models.Model):
    # R121-4 1° a–g. Encrypted at rest; `*_index` columns are blind indexes for exact search.
    last_name = EncryptedTextField("nom")
    first_names = EncryptedTextField("prénoms")
    # Null only once the entry is removed and its personal data erased.
    birth_date = EncryptedDateField("date de naissance", null=True)
    # Not identifying on its own; kept in clear so campaigns can filter by age in SQL.
    birth_year = models.PositiveSmallIntegerField("année de naissance", null=True, db_index=True)
    ground = models.CharField(
        "qualité au titre de laquelle la personne est inscrite", max_length=20, choices=Ground.choices
    )
    disability_benefit = models.CharField(
        "avantage ou pension",
        max_length=12,
        choices=DisabilityBenefit.choices,
        blank=True,
        help_text="Seulement pour une personne adulte handicapée. Aucun justificatif n'est demandé.",
    )
    address = EncryptedTextField("adresse")
    address_complement = EncryptedTextField("complément d'adresse", blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    quartier = optional_reference("territory.Quartier", "quartier")
    is_located = models.BooleanField("adresse localisée", default=False)
    phone = EncryptedTextField("téléphone", blank=True, help_text="Au format international (+33…).")
    # Mobile numbers can receive the SMS wave; computed from `phone` when saved.
    has_mobile = models.BooleanField("téléphone mobile", default=False)
    home_care_service = EncryptedTextField("service intervenant à domicile (nom et coordonnées)", blank=True)
    emergency_contact_name = EncryptedTextField("personne à prévenir en cas d'urgence", blank=True)
    emergency_contact_phone = EncryptedTextField("téléphone de la personne à prévenir", blank=True)

    # R121-4 2° a–b
    request_date = models.DateField("date de la demande", default=timezone.localdate)
    third_party_name = EncryptedTextField("nom du tiers ayant fait la demande", blank=True)
    third_party_capacity = EncryptedTextField("qualité du tiers (lien avec la personne)", blank=True)

    # The procedure (R121-5, R121-6, L121-6-1).
    origin = models.CharField("origine de la demande", max_length=12, choices=Origin.choices, default=Origin.SELF)
    status = models.CharField(
        "état", max_length=12, choices=EntryStatus.choices, default=EntryStatus.RECEIVED, db_index=True
    )
    removal_reason = models.CharField("motif de radiation", max_length=12, choices=RemovalReason.choices, blank=True)
    removed_on = models.DateField("radié·e le", null=True, blank=True)
    acknowledgement_due_on = models.DateField("accusé de réception à envoyer avant le", db_index=True)
    acknowledged_at = models.DateTimeField("accusé de réception envoyé le", null=True, blank=True)
    # For transmitted lists: the information letter sent, and the objection if the person objects.
    informed_at = models.DateTimeField("lettre d'information envoyée le", null=True, blank=True)
    objection_on = models.DateField("opposition reçue le", null=True, blank=True)
    confirmed_on = models.DateField("inscription confirmée le", null=True, blank=True)
    notes = EncryptedTextField(
        "remarques de gestion",
        blank=True,
        help_text="Uniquement pour la gestion de l'inscription : aucune donnée de santé.",
    )

    # Link to the resident file (help requests), only with the person's consent.
    resident = models.OneToOneField(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="register_entry",
        verbose_name="fiche habitant·e liée",
    )
    resident_link_consent_on = models.DateField("accord pour lier la fiche habitant·e le", null=True, blank=True)

    # A public submission that looks like an entry already held (same name and birth date, or
    # same phone): kept, flagged for the officer, never revealed to the sender.
    possible_duplicate_of = optional_reference("self", "doublon possible de")
    import_batch = optional_reference("register.RegisterImport", "import", related_name="entries")

    # Blind indexes (core.crypto.blind_index): exact, case- and accent-insensitive search.
    last_name_index = models.CharField(max_length=64, db_index=True, editable=False)
    full_name_index = models.CharField(max_length=64, db_index=True, editable=False)
    phone_index = models.CharField(max_length=64, db_index=True, blank=True, editable=False)
    emergency_phone_index = models.CharField(max_length=64, db_index=True, blank=True, editable=False)

    created_at = models.DateTimeField("créée le", auto_now_add=True)
    created_by = user_reference("saisie par")
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = RegisterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription au registre"
        verbose_name_plural = "inscriptions au registre"
        ordering = ("pk",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(removal_reason="") | models.Q(status=EntryStatus.REMOVED),
                name="register_removal_reason_only_when_removed",
            ),
            models.CheckConstraint(
                condition=models.Q(disability_benefit="") | models.Q(ground=Ground.DISABLED_ADULT),
                name="register_benefit_only_for_disabled_adult",
            ),
        ]

    def __str__(self) -> str:
        if self.status == EntryStatus.REMOVED and not self.last_name:
            return f"Inscription n° {self.pk} (radiée)"
        return f"{self.last_name.upper()} {self.first_names}"

    def save(self, *args, **kwargs):
        self.refresh_indexes()
        if not self.acknowledgement_due_on:
            self.acknowledgement_due_on = self.request_date + timedelta(days=ACKNOWLEDGEMENT_DELAY_DAYS)
        if self.birth_date:
            self.birth_year = self.birth_date.year
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"last_name", "first_names"} & set(update_fields):
            RegisterSearchKey.rebuild([self])

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_names}".strip()

    def refresh_indexes(self) -> None:
        self.last_name_index = blind_index(self.last_name)
        self.full_name_index = blind_index(f"{self.last_name} {self.first_names}") if self.last_name else ""
        e164 = phone_e164(self.phone)
        self.phone_index = blind_index(e164)
        self.has_mobile = is_mobile(parse_phone(e164)) or e164.startswith(FRENCH_MOBILE_PREFIXES)
        self.emergency_phone_index = blind_index(phone_e164(self.emergency_contact_phone))

    def age_on(self, day: date) -> int | None:
        if not self.birth_date:
            return None
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def is_pre_registration(self) -> bool:
        return self.origin in TRANSMITTED_ORIGINS and self.status == EntryStatus.RECEIVED

    @property
    def is_removed(self) -> bool:
        return self.status == EntryStatus.REMOVED


class RegisterSearchKey(models.Model):
    """One key of an entry's name for the forgiving name search: a keyed hash (core.crypto.search_key)
    of a word, a word less one letter, a prefix or a phonetic key (core.fuzzy.index_keys), never the
    text itself. Rebuilt when the name changes, by `rebuild_register_search_keys`, and by
    `reencrypt_data` when the keys rotate (docs/decisions/0012)."""

    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="search_keys")
    key = models.CharField(max_length=16)

    class Meta:
        verbose_name = "clé de recherche par nom"
        verbose_name_plural = "clés de recherche par nom"
        indexes = [models.Index(fields=["key", "entry"], name="register_search_key_idx")]

    def __str__(self) -> str:
        return f"Clé de recherche de l'inscription n° {self.entry_id}"

    @classmethod
    def keys_of(cls, entry: RegisterEntry) -> set[str]:
        return {search_key(key) for key in fuzzy.index_keys(entry.full_name)} if entry.last_name else set()

    @classmethod
    def rebuild(cls, entries: list[RegisterEntry]) -> None:
        """Replace the search keys of these entries (saved ones) with those of their current names."""
        cls.objects.filter(entry__in=[entry.pk for entry in entries]).delete()
        cls.objects.bulk_create(
            [cls(entry_id=entry.pk, key=key) for entry in entries for key in sorted(cls.keys_of(entry))],
            batch_size=2000,
        )


class RegisterEntryTransition(TransitionLog):
    """State history of an entry: who moved it, when, from where to where, and why."""

    entry, from_status, to_status = log_fields(RegisterEntry)


class RegisterExtras(models.Model):
    """Information beyond R121-4, held only with the person's recorded consent, kept apart.

    Never part of the préfet export. Deleted when consent is withdrawn or the entry removed.
    """

    entry = models.OneToOneField(RegisterEntry, on_delete=models.CASCADE, related_name="extras")
    consent_on = models.DateField("accord de la personne recueilli le")
    consent_recorded_by = user_reference("accord recueilli par")
    lives_alone = models.BooleanField("vit seul·e", default=False)
    needs_fan = models.BooleanField("a besoin d'un ventilateur", default=False)
    has_remote_alarm = models.BooleanField("dispose d'une téléassistance", default=False)
    door_code = EncryptedTextField("code d'accès à l'immeuble", blank=True)
    health_notes = EncryptedTextField(
        "informations de santé utiles en cas d'alerte",
        blank=True,
        help_text="Seulement ce que la personne a accepté de confier et qui sert à l'aider en cas d'alerte.",
    )
    absences = EncryptedTextField("absences prévues (dates)", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "informations complémentaires (avec accord)"
        verbose_name_plural = "informations complémentaires (avec accord)"

    def __str__(self) -> str:
        # No personal data: the entry's number only.
        return f"Informations complémentaires de l'inscription n° {self.entry_id}"

    @property
    def is_isolated(self) -> bool:
        """The priority tier of the campaigns (Paris's "catégorie 1")."""
        return self.lives_alone


class RegisterImport(models.Model):
    """One list transmitted by the département (APA/PCH) or the CARSAT and imported."""

    origin = models.CharField(
        "origine",
        max_length=12,
        choices=[(Origin.DEPARTEMENT.value, Origin.DEPARTEMENT.label), (Origin.CARSAT.value, Origin.CARSAT.label)],
    )
    file_name = models.CharField("fichier", max_length=200, blank=True)
    imported_at = models.DateTimeField("importé le", auto_now_add=True)
    imported_by = user_reference("importé par")
    row_count = models.PositiveIntegerField("pré-inscriptions créées", default=0)
    skipped_count = models.PositiveIntegerField("doublons ignorés", default=0)

    class Meta:
        verbose_name = "import d'une liste transmise"
        verbose_name_plural = "imports de listes transmises"
        ordering = ("-imported_at", "-pk")

    def __str__(self) -> str:
        return f"Import n° {self.pk} ({self.get_origin_display()}, {self.row_count} pré-inscriptions)"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV (tableur, séparateur point-virgule)"
    XLSX = "xlsx", "Excel (XLSX)"


class PrefectTransmission(models.Model):
    """A transmission of the register to the préfet (R121-8): on request, when the plan is triggered."""

    episode = models.ForeignKey("crises.Episode", on_delete=models.PROTECT, related_name="+", verbose_name="épisode")
    requested_by = models.CharField("demandé par (préfecture)", max_length=200)
    reason = models.CharField("motif de la demande", max_length=500)
    exported_by = user_reference("exporté par")
    exported_at = models.DateTimeField("exporté le", auto_now_add=True)
    format = models.CharField("format", max_length=4, choices=ExportFormat.choices)
    row_count = models.PositiveIntegerField("nombre d'inscriptions")

    class Meta:
        verbose_name = "transmission au préfet"
        verbose_name_plural = "transmissions au préfet"
        ordering = ("-exported_at", "-pk")

    def __str__(self) -> str:
        return f"Transmission du {self.exported_at:%d/%m/%Y %H:%M} ({self.row_count} inscriptions)"


# ----------------------------------------------------------------------------------------------
# Who may touch the register (R121-7): the register roles are granted and removed by two people.


class DesignationKind(models.TextChoices):
    GRANT = "grant", "Attribution du rôle"
    REVOKE = "revoke", "Retrait du rôle"


class DesignationStatus(models.TextChoices):
    PROPOSED = "proposed", "En attente d'approbation"
    APPROVED = "approved", "Approuvée"
    REFUSED = "refused", "Refusée"


DESIGNATION_WORKFLOW = Workflow(
    name="role_designation",
    states=DesignationStatus,
    transitions={
        DesignationStatus.PROPOSED: {DesignationStatus.APPROVED, DesignationStatus.REFUSED},
        DesignationStatus.APPROVED: set(),
        DesignationStatus.REFUSED: set(),
    },
    log="register.RoleDesignationTransition",
)


class RoleDesignation(models.Model):
    """Granting or removing a register role (officer or caller), as the mayor decided it.

    Proposed by one staff member, approved by another; neither may be the person concerned, so
    nobody — an administrator included — holds a register role by their own action. The role
    itself (accounts.RoleGrant) changes only on approval (register.designations).
    """

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="role_designations", verbose_name="personne"
    )
    role = models.CharField(
        "rôle",
        max_length=32,
        choices=[(Role.REGISTER_OFFICER.value, Role.REGISTER_OFFICER.label), (Role.CALLER.value, Role.CALLER.label)],
    )
    kind = models.CharField("demande", max_length=8, choices=DesignationKind.choices, default=DesignationKind.GRANT)
    status = models.CharField(
        "état", max_length=12, choices=DesignationStatus.choices, default=DesignationStatus.PROPOSED, db_index=True
    )
    # The mayor's decision (R121-7: people named by the mayor): who, when, which act.
    designated_by = models.CharField(
        "décidé par",
        max_length=200,
        help_text="Le ou la maire, ou l'adjoint·e qui a reçu délégation (nom et qualité).",
    )
    decision_reference = models.CharField("décision", max_length=120, help_text="Par exemple « arrêté n° 2026-114 ».")
    decision_date = models.DateField("date de la décision")
    proposed_by = user_reference("proposée par")
    proposed_at = models.DateTimeField("proposée le", default=timezone.now)
    decided_by = user_reference("approuvée ou refusée par")
    decided_at = models.DateTimeField("approuvée ou refusée le", null=True, blank=True)

    class Meta:
        verbose_name = "désignation à un rôle du registre"
        verbose_name_plural = "désignations aux rôles du registre"
        ordering = ("-proposed_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(status="proposed"),
                name="one_pending_designation_per_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} « {self.get_role_display()} » à {self.user}"


class RoleDesignationTransition(TransitionLog):
    designation, from_status, to_status = log_fields(RoleDesignation)
