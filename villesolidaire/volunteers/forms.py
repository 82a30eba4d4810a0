import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.formfields import PhoneNumberField

from villesolidaire.accounts.models import User
from villesolidaire.core.bitmask import FlagSetField
from villesolidaire.core.choices import (
    AVAILABILITY,
    DAYS,
    ENGAGEMENT_DOMAINS,
    LANGUAGES,
    MOBILITY,
    PERIODS,
    availability_mask_for,
)
from villesolidaire.core.validation import (
    clean_person_name,
    clean_text,
    clean_text_fields,
    phone_field,
    range_errors,
    require_mobile,
)
from villesolidaire.help_requests.models import HelpCategory, offered_categories
from villesolidaire.territory.forms import AddressFieldsMixin
from villesolidaire.territory.models import Quartier
from villesolidaire.volunteers.enums import WORKFLOW, Status
from villesolidaire.volunteers.models import Skill, Volunteer, offered_skills

PHONE_INVALID = "Numéro de téléphone invalide. Exemple : 06 12 34 56 78 ou +33 6 12 34 56 78."
EMAIL_ERRORS = {"invalid": "Adresse e-mail invalide. Exemple : prenom.nom@exemple.fr."}


def birth_years() -> tuple[int, int]:
    """The years of birth a volunteer may give: aged 12 to 110 this year."""
    this_year = timezone.localdate().year
    return this_year - 110, this_year - 12


def mobile_field(**kwargs) -> PhoneNumberField:
    return phone_field(
        "Téléphone mobile",
        invalid=PHONE_INVALID,
        help_text="Pour recevoir les propositions de mission par SMS. Exemple : 06 12 34 56 78.",
        **kwargs,
    )


class RememberedChoicesField(forms.ModelMultipleChoiceField):
    """Checks the ids posted against `remembered`, objects a process keeps (core.caches), when the
    form sets it: the same answers and messages as the queryset's check, without its query. The
    choices still render from the queryset. Cleans to a list in the remembered order."""

    remembered: tuple | None = None

    def _check_values(self, value):
        if self.remembered is None:
            return super()._check_values(value)
        key = self.to_field_name or "pk"
        try:
            value = frozenset(value)
        except TypeError:
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list") from None
        for pk in value:
            self.validate_no_null_characters(pk)
            try:
                self.queryset.filter(**{key: pk})  # builds the lookup only: a malformed id fails here
            except (ValueError, TypeError):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                ) from None
        # As Django compares them: the text of each object's key with the text posted.
        posted = {str(pk) for pk in value}
        chosen = [obj for obj in self.remembered if str(getattr(obj, key)) in posted]
        found = {str(getattr(obj, key)) for obj in chosen}
        for pk in value:
            if str(pk) not in found:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return chosen


class VolunteerProfileForm(AddressFieldsMixin, forms.ModelForm):
    """Identity, contact, address and what the volunteer offers. Shared by sign-up and the
    volunteer space; `save(commit=False)` gives an unsaved Volunteer for the services."""

    email = forms.EmailField(
        label="Adresse e-mail",
        required=False,
        max_length=254,
        error_messages=EMAIL_ERRORS,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Au moins une adresse e-mail ou un numéro de mobile.",
    )
    phone = mobile_field()
    languages = FlagSetField(LANGUAGES, label="Langues parlées", required=False)
    availability = FlagSetField(
        AVAILABILITY,
        label="Disponibilités habituelles",
        required=False,
        help_text="Cochez les moments de la semaine où vous êtes généralement disponible.",
    )
    mobility = FlagSetField(MOBILITY, label="Comment vous déplacez-vous ?", required=False)
    domains = FlagSetField(ENGAGEMENT_DOMAINS, label="Domaines d'engagement", required=False)
    skills = RememberedChoicesField(
        Skill.objects.none(), label="Compétences", required=False, widget=forms.CheckboxSelectMultiple
    )
    categories = RememberedChoicesField(
        HelpCategory.objects.none(),
        label="Missions que vous acceptez",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins un type de mission."},
    )

    class Meta:
        model = Volunteer
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "birth_year",
            "address",
            "address_complement",
            "postcode",
            "city",
            "skills",
            "skills_other",
            "languages",
            "availability",
            "mobility",
            "max_distance_km",
            "categories",
            "domains",
            "consent_share_with_partners",
        ]
        labels = {
            "max_distance_km": "Distance maximale depuis chez vous (en km)",
            "consent_share_with_partners": (
                "J'accepte d'être contacté·e par les associations partenaires de la commune."
            ),
        }
        help_texts = {
            "skills_other": "Ce que vous savez faire et qui n'est pas dans la liste (300 caractères au plus).",
            "birth_year": "Facultatif. Exemple : 1985.",
            "consent_share_with_partners": "Facultatif. Vous pouvez changer d'avis à tout moment depuis votre espace.",
        }
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "bday-year"}),
            "max_distance_km": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].queryset = self._offered(Skill.objects.all(), "skills")
        self.fields["categories"].queryset = self._offered(HelpCategory.objects.all(), "categories")
        if not self.instance.pk:
            # A new volunteer is offered the active items only: those the process remembers.
            self.fields["skills"].remembered = offered_skills.get()
            self.fields["categories"].remembered = offered_categories.get()
        self.fields["address"].required = False
        hint = self.fields["address"].help_text
        self.fields[
            "address"
        ].help_text = f"Facultatif mais utile : on vous propose des missions près de chez vous. {hint}"
        if not self.instance.pk:
            self.initial.setdefault("languages", LANGUAGES.bit_of("fr"))
        self.fields["max_distance_km"].widget.attrs.update({"min": 1, "max": 50})
        # Out of range, each says the accepted range in the same words (core.validation.out_of_range).
        self.fields["max_distance_km"].error_messages.update(range_errors("une distance", 1, 50, " km"))
        self.fields["birth_year"].error_messages.update(range_errors("une année", *birth_years()))

    def _offered(self, queryset, relation: str):
        """Active choices, plus those the volunteer already has (an item withdrawn from the
        list must not silently disappear from their profile when they edit it)."""
        condition = Q(is_active=True)
        if self.instance.pk:
            condition |= Q(pk__in=getattr(self.instance, relation).values("pk"))
        return queryset.filter(condition)

    # Availability is shown as a table: one row per day, one checkbox per period.
    @property
    def availability_rows(self) -> list[tuple[str, list]]:
        boxes = list(self["availability"])
        width = len(PERIODS)
        return [(day_label, boxes[i * width : (i + 1) * width]) for i, (_code, day_label) in enumerate(DAYS)]

    @property
    def period_labels(self) -> list[str]:
        return [label for _code, label, _start, _end in PERIODS]

    @property
    def address_changed(self) -> bool:
        return any(name in self.changed_data for name in self.address_field_names)

    def clean_first_name(self) -> str:
        return clean_person_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return clean_person_name(self.cleaned_data["last_name"])

    # The signed-in volunteer is told when their new contact belongs to another account; the
    # public sign-up is not (SignupForm: its answer must not tell who is registered).
    refuse_taken_contacts = True

    def clean_email(self) -> str:
        email = clean_text(self.cleaned_data["email"]).lower()
        if email and self.refuse_taken_contacts and self._email_taken(email):
            raise ValidationError(
                "Un compte volontaire existe déjà avec cette adresse e-mail. "
                "Pour y accéder, demandez un lien de connexion depuis « Espace volontaire ».",
                code="duplicate",
            )
        return email

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        require_mobile(phone)
        if phone and self.refuse_taken_contacts and self._phone_taken(phone):
            raise ValidationError(
                "Un compte volontaire existe déjà avec ce numéro de mobile. "
                "Pour y accéder, demandez un lien de connexion depuis « Espace volontaire ».",
                code="duplicate",
            )
        return phone

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        earliest, latest = birth_years()
        if year is not None and not earliest <= year <= latest:
            raise ValidationError(self.fields["birth_year"].error_messages["min_value"], code="range")
        return year

    def clean_availability(self) -> int:
        mask = self.cleaned_data["availability"]
        if not mask:
            raise ValidationError("Cochez au moins un moment de disponibilité.", code="required")
        return mask

    def clean(self):
        cleaned = super().clean()
        clean_text_fields(self, ("skills_other", "address", "address_complement", "city"))
        if not cleaned.get("email") and not cleaned.get("phone") and not self._contact_error():
            raise ValidationError(
                "Indiquez au moins une adresse e-mail ou un numéro de mobile pour que nous puissions vous joindre.",
                code="no_contact",
            )
        return cleaned

    def _contact_error(self) -> bool:
        # A contact that was typed but refused already has its own message.
        return "email" in self.errors or "phone" in self.errors

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        # The mobile is checked by its form field (core.validation's rule, which accepts the demo's
        # fiction numbers that the model field's stricter validator refuses) and, when taken
        # contacts are refused, by clean_phone; the database constraint settles a race.
        exclusions.add("phone")
        return exclusions

    def _phone_taken(self, phone) -> bool:
        return Volunteer.objects.filter(phone=phone).exclude(pk=self.instance.pk).exists()

    def _email_taken(self, email: str) -> bool:
        # E-mails are stored lower-case (clean_email, UserManager): exact lookups use the indexes.
        volunteers = Volunteer.objects.filter(email=email).exclude(pk=self.instance.pk)
        users = User.objects.filter(email=email)
        if self.instance.pk:
            users = users.exclude(pk=self.instance.user_id)
        return volunteers.exists() or users.exists()


class SignupForm(VolunteerProfileForm):
    # A known contact is handled by services.volunteer_sign_up, which answers as for a new one.
    refuse_taken_contacts = False

    gdpr_acknowledged = forms.BooleanField(
        label="J'ai lu l'information sur l'utilisation de mes données personnelles.",
        error_messages={"required": "Confirmez avoir lu l'information sur vos données personnelles."},
    )
    charter_accepted = forms.BooleanField(
        label="J'accepte la charte des volontaires.",
        error_messages={"required": "L'acceptation de la charte est nécessaire pour devenir volontaire."},
    )


class MagicLinkRequestForm(forms.Form):
    contact = forms.CharField(
        label="Votre adresse e-mail ou votre numéro de mobile",
        max_length=254,
        help_text="Celle ou celui donné lors de votre inscription.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        error_messages={"required": "Indiquez votre adresse e-mail ou votre numéro de mobile."},
    )

    def clean_contact(self) -> str:
        value = clean_text(self.cleaned_data["contact"])
        if "@" in value:
            email = forms.EmailField(error_messages=EMAIL_ERRORS).clean(value).lower()
            self.cleaned_data["email"] = email
            return email
        # The sign-up's own field: every number it accepts signs in (demo fiction numbers included).
        number = mobile_field().clean(value)
        self.cleaned_data["phone"] = number.as_e164
        return number.as_e164

    @property
    def email(self) -> str:
        return self.cleaned_data.get("email", "")

    @property
    def phone(self) -> str:
        return self.cleaned_data.get("phone", "")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Motif (facultatif)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ce motif est conservé, sans votre nom.",
    )
    confirm = forms.BooleanField(
        label=(
            "Je confirme mon désistement : mes données personnelles seront effacées "
            "et je ne pourrai plus me connecter."
        ),
        error_messages={"required": "Cochez la case pour confirmer votre désistement."},
    )

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"], multiline=True)


# Coordinator actions: form value → (target status, label shown on the button/radio).
STATUS_ACTIONS = {
    "validate": (Status.ACTIVE, "Valider (inscrit·e → actif·ve)"),
    "reactivate": (Status.ACTIVE, "Réactiver"),
    "pause": (Status.PAUSED, "Mettre en pause"),
    "reserve": (Status.RESERVE, "Mettre en réserve"),
    "withdraw": (Status.WITHDRAWN, "Désister (les données personnelles seront anonymisées, irréversible)"),
}


def actions_for(status: str) -> list[str]:
    """The coordinator actions the workflow allows from `status`."""
    actions = []
    for action, (target, _label) in STATUS_ACTIONS.items():
        if not WORKFLOW.can(status, target):
            continue
        if target == Status.ACTIVE and (action == "validate") != (status == Status.REGISTERED):
            continue
        actions.append(action)
    return actions


class StatusChangeForm(forms.Form):
    action = forms.ChoiceField(
        label="Nouveau statut",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez une action.",
            "invalid_choice": "Cette action n'est pas possible pour ce statut.",
        },
    )
    reason = forms.CharField(
        label="Motif (facultatif)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Le motif ne peut pas dépasser 500 caractères."},
    )
    confirm_withdrawal = forms.BooleanField(
        label="Je confirme le désistement et l'anonymisation des données de ce·tte volontaire.", required=False
    )

    def __init__(self, *args, volunteer: Volunteer, **kwargs):
        super().__init__(*args, **kwargs)
        actions = actions_for(volunteer.status)
        self.fields["action"].choices = [(action, STATUS_ACTIONS[action][1]) for action in actions]

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"], multiline=True)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "withdraw" and not cleaned.get("confirm_withdrawal"):
            self.add_error("confirm_withdrawal", "Cochez la case pour confirmer le désistement.")
        return cleaned

    @property
    def target_status(self) -> str:
        return STATUS_ACTIONS[self.cleaned_data["action"]][0]


class VolunteerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Nom ou prénom", method="filter_name")
    status = django_filters.ChoiceFilter(label="Statut", choices=Status.choices, empty_label="Tous")
    quartier = django_filters.ModelChoiceFilter(label="Quartier", queryset=Quartier.objects.all(), empty_label="Tous")
    skill = django_filters.ModelChoiceFilter(
        label="Compétence", field_name="skills", queryset=Skill.objects.all(), empty_label="Toutes"
    )
    category = django_filters.ModelChoiceFilter(
        label="Mission acceptée", field_name="categories", queryset=HelpCategory.objects.all(), empty_label="Toutes"
    )
    day = django_filters.ChoiceFilter(
        label="Disponible le",
        choices=[(str(i), label) for i, (_code, label) in enumerate(DAYS)],
        method="filter_nothing",
        empty_label="Tous les jours",
    )
    period = django_filters.ChoiceFilter(
        label="Moment",
        choices=[(code, label) for code, label, _s, _e in PERIODS],
        method="filter_nothing",
        empty_label="Tous les moments",
    )

    class Meta:
        model = Volunteer
        fields: list[str] = []

    def filter_name(self, queryset, _name, value):
        return queryset.search_name(value[:100])

    def filter_nothing(self, queryset, _name, _value):
        # Day and period combine into one availability mask in filter_queryset.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        day, period = self.form.cleaned_data.get("day"), self.form.cleaned_data.get("period")
        if day or period:
            mask = availability_mask_for([int(day)] if day else None, [period] if period else None)
            queryset = queryset.available_in(mask)
        return queryset


class BulkActionForm(forms.Form):
    """The action chosen under the coordinators' list, for the ticked volunteers or all those
    the filter matches (`tous`)."""

    ACTIONS = [("validate", "Valider (inscrit·es → actif·ves)"), ("pause", "Mettre en pause")]
    action = forms.ChoiceField(
        label="Action pour la sélection",
        choices=ACTIONS,
        error_messages={"required": "Choisissez une action.", "invalid_choice": "Action non reconnue."},
    )
    reason = forms.CharField(
        label="Motif (facultatif, inscrit dans l'historique)",
        required=False,
        max_length=300,
        error_messages={"max_length": "Le motif ne peut pas dépasser 300 caractères."},
    )

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"])


def bulk_selection(data, limit: int, visible):
    """The volunteers a bulk action is for, among `visible` (what the person may see), at most
    `limit` + 1 (so that « too many » shows): every one the list's filter matches when `tous` is
    ticked, else the ticked ones."""
    if data.get("tous"):
        filterset = VolunteerFilter(data, queryset=visible)
        queryset = filterset.qs if filterset.is_valid() else visible.none()
    else:
        ids = [value for value in data.getlist("volunteers") if value.isdigit()][: limit + 1]
        queryset = visible.filter(pk__in=ids)
    return list(queryset.select_related("user").order_by("last_name", "first_name", "pk")[: limit + 1])


def filter_params(data) -> list[tuple[str, str]]:
    """The list's filter values in `data`, to carry them through a bulk action and back."""
    return [(name, data.get(name)) for name in VolunteerFilter.base_filters if data.get(name)]
