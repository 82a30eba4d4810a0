from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from villesolidaire.accounts.perms import is_operator, within_quartiers
from villesolidaire.core import fuzzy
from villesolidaire.core.choices import LANGUAGES
from villesolidaire.core.fields import birth_year_field, user_reference
from villesolidaire.core.text import fold
from villesolidaire.core.validation import looks_like_phone, phone_e164
from villesolidaire.territory.models import Located


class PreferredChannel(models.TextChoices):
    SMS = "sms", "SMS"
    CALL = "call", "Appel téléphonique"
    EMAIL = "email", "E-mail"


# help_requests.enums.Status.CLOSED: help_requests sits above residents, which reads its
# requests through the reverse relation only.
CLOSED_REQUEST = "closed"

# A name search ranks at most this many files (a 3-letter start of a frequent name).
MAX_NAME_CANDIDATES = 200


class ResidentQuerySet(models.QuerySet):
    def active(self):
        """Files still in use: a merged duplicate points to the file it was merged into."""
        return self.filter(merged_into__isnull=True)

    def matching_phone(self, phone):
        return self.filter(models.Q(phone=phone) | models.Q(mobile=phone))

    def matching_name(self, name: str, birth_year: int | None = None):
        """Files whose name matches, forgivingly (a word's start, one typo, a sound-alike), best first.

        Every typed word must be found, in any order: "Jeanne Martin" finds "martin jeanne". The
        folded name and its search keys (core.fuzzy) propose candidates; they are ranked in Python.
        """
        words = fuzzy.query_tokens(name)
        if not words:
            return self.none()
        rows = self
        if birth_year:
            rows = rows.filter(models.Q(birth_year=birth_year) | models.Q(birth_year__isnull=True))
        candidates = rows.filter(*[self._word_condition(word) for word in words])
        candidates = candidates.order_by("pk").values_list("pk", "search_name")[:MAX_NAME_CANDIDATES]
        ranked = fuzzy.best_matches(name, candidates, lambda row: row[1])
        return fuzzy.in_rank_order(self, [pk for pk, _name in ranked])

    @staticmethod
    def _word_condition(word: str) -> models.Q:
        condition = models.Q(search_name__contains=word)
        for key in fuzzy.query_keys(word):
            condition |= models.Q(search_keys__contains=f" {key} ")
        return condition

    def with_open_requests(self):
        """`open_requests`: each file's help requests not closed. A subquery per row of the page,
        not a join grouped over every file, so that a list page is read off its index in order and
        stops at the page (a GROUP BY would count and sort every file first)."""
        requests = self.model._meta.get_field("help_requests").related_model  # an upper app (layering)
        open_requests = (
            requests.objects.filter(resident=models.OuterRef("pk"))
            .exclude(status=CLOSED_REQUEST)
            .order_by()
            .values("resident")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(open_requests=Coalesce(models.Subquery(open_requests), 0))

    def visible_to(self, user):
        """Files a user may open: every desk role that answers residents, inside their quartiers if they
        are limited to some (territory.QuartierScope); nobody else."""
        return within_quartiers(self, user) if is_operator(user) else self.none()

    def search(self, text: str, birth_year: int | None = None):
        """Active files matching a typed phone number (however written), else a name (+ optional
        birth year). Phone results come by name; name results best first."""
        if looks_like_phone(text):
            e164 = phone_e164(text)
            rows = self.active().matching_phone(e164) if e164 else self.none()
            return rows.order_by("last_name", "first_name", "pk")
        return self.active().matching_name(text, birth_year)


class Resident(Located):
    """One person who receives help: one file, whichever way they came in."""

    first_name = models.CharField("prénom", max_length=80)
    last_name = models.CharField("nom", max_length=80)
    birth_year = birth_year_field()
    phone = PhoneNumberField("téléphone fixe", blank=True, db_index=True)
    mobile = PhoneNumberField("téléphone mobile", blank=True, db_index=True)
    email = models.EmailField("e-mail", blank=True)
    preferred_channel = models.CharField(
        "canal préféré", max_length=8, choices=PreferredChannel.choices, default=PreferredChannel.CALL
    )
    language = models.CharField("langue parlée", max_length=4, choices=LANGUAGES.choices, default="fr")
    notes = models.TextField("notes", max_length=2000, blank=True)
    # Folded "last first" name for accent-insensitive search and de-duplication.
    search_name = models.CharField(max_length=170, db_index=True, editable=False)
    # The forgiving search's keys of that name (core.fuzzy.index_text: words less one letter,
    # prefixes, French phonetic keys), space-separated.
    search_keys = models.TextField(blank=True, default="", editable=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        verbose_name="fusionné dans",
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    created_by = user_reference()

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = "habitant·e"
        verbose_name_plural = "habitant·es"
        ordering = ["last_name", "first_name"]
        indexes = [
            # The staff list (views.resident_list): files not merged into another, by name.
            models.Index(
                fields=["last_name", "first_name", "id"],
                condition=models.Q(merged_into__isnull=True),
                name="resident_list_order",
            ),
        ]

    def __str__(self) -> str:
        # The hotline may open a file with only a phone number; the name comes later.
        return f"{self.first_name} {self.last_name}".strip() or f"Personne n° {self.pk or '?'}"

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def save(self, *args, **kwargs):
        self.search_name = fold(f"{self.last_name} {self.first_name}")
        self.search_keys = fuzzy.index_text(self.search_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name", "search_keys"}
        super().save(*args, **kwargs)

    @property
    def sms_number(self):
        """The number to text, or None: only a mobile receives SMS."""
        return self.mobile or None


class ResidentContact(models.Model):
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField("nom", max_length=120)
    relation = models.CharField("lien", max_length=80, blank=True)
    phone = PhoneNumberField("téléphone", blank=True)

    class Meta:
        verbose_name = "proche à contacter"
        verbose_name_plural = "proches à contacter"

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})" if self.relation else self.name
