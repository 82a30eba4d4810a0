from django import forms
from django.core.exceptions import ValidationError
from phonenumber_field.phonenumber import PhoneNumber

from villesolidaire.core.bitmask import FlagSetField
from villesolidaire.core.choices import REQUEST_CONSTRAINTS
from villesolidaire.core.fuzzy import name_score, query_tokens
from villesolidaire.core.validation import (
    birth_year_field,
    check_wished_dates,
    clean_person_name,
    clean_text_fields,
    date_field,
    honeypot_field,
    looks_like_phone,
    phone_e164,
    phone_field,
)
from villesolidaire.help_requests.enums import Channel, ClosureReason, Consent, Status, TimeWindow, Urgency
from villesolidaire.help_requests.models import HelpCategory, HelpRequest
from villesolidaire.residents.forms import PersonNameMixin
from villesolidaire.residents.models import Resident
from villesolidaire.territory.forms import AddressFieldsMixin

OTHER_CATEGORY = "autre"
CONSENT_REFUSED = (
    "La personne doit être d'accord pour être aidée : nous ne pouvons pas enregistrer une demande contre son avis. "
    "Parlez-lui-en d'abord, ou appelez le CCAS pour en discuter."
)
REQUEST_TEXT_FIELDS = ("category_other", "description", "constraints_notes", "reporter_name", "reporter_relation")


class CategoryField(forms.ModelChoiceField):
    widget = forms.RadioSelect

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Type d'aide")
        super().__init__(
            queryset=HelpCategory.objects.filter(is_active=True),
            empty_label=None,
            error_messages={
                "required": "Choisissez le type d'aide.",
                "invalid_choice": "Ce type d'aide n'existe pas.",
            },
            **kwargs,
        )


def check_other_category(form: forms.Form) -> None:
    category = form.cleaned_data.get("category")
    if category and category.slug == OTHER_CATEGORY and not form.cleaned_data.get("category_other"):
        form.add_error("category_other", "Précisez le type d'aide demandé.")


class HelpRequestForm(forms.ModelForm):
    """The request itself: shared by the hotline intake and the edit page."""

    category = CategoryField()
    wished_start = date_field("À partir du")
    wished_end = date_field("Jusqu'au")
    constraints = FlagSetField(REQUEST_CONSTRAINTS, label="Contraintes", required=False)
    reporter_phone = phone_field("Téléphone de la personne qui signale")

    class Meta:
        model = HelpRequest
        fields = [
            "category",
            "category_other",
            "description",
            "urgency",
            "wished_start",
            "wished_end",
            "time_window",
            "recurrence",
            "constraints",
            "constraints_notes",
            "involves_money",
            "estimated_amount",
            "channel",
            "reporter_name",
            "reporter_relation",
            "reporter_phone",
            "person_agrees",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "urgency": forms.RadioSelect,
            "estimated_amount": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
        }
        error_messages = {
            "description": {"required": "Décrivez la demande en quelques mots."},
            "estimated_amount": {
                "max_value": "Montant trop élevé : 5 000 € au maximum.",
                "min_value": "Le montant ne peut pas être négatif.",
                "invalid": "Montant invalide : tapez un nombre, par exemple 35,50.",
                "max_digits": "Montant trop élevé : 5 000 € au maximum.",
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].help_text = "Ce dont la personne a besoin, en quelques mots."
        self.fields["urgency"].choices = Urgency.choices
        self.fields["person_agrees"].widget = forms.RadioSelect(choices=Consent.choices)

    def clean_reporter_phone(self) -> str:
        number = self.cleaned_data["reporter_phone"]
        return number.as_e164 if number else ""

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, REQUEST_TEXT_FIELDS, multiline=("description",))
        check_other_category(self)
        check_wished_dates(self)
        if cleaned.get("person_agrees") == Consent.NO:
            self.add_error("person_agrees", CONSENT_REFUSED)
        if cleaned.get("channel") == Channel.THIRD_PARTY and not cleaned.get("reporter_name"):
            self.add_error("reporter_name", "Indiquez le nom de la personne qui signale.")
        return cleaned


NEW = "new"


class IntakeResidentForm(PersonNameMixin, AddressFieldsMixin, forms.Form):
    """Who the request is for: an existing file (radio) or a new person typed in a few fields."""

    resident = forms.CharField(required=False, widget=forms.HiddenInput)
    first_name = forms.CharField(
        label="Prénom", max_length=80, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    last_name = forms.CharField(
        label="Nom", max_length=80, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    birth_year = birth_year_field()
    any_phone = phone_field("Téléphone", help_text="Fixe ou mobile : un mobile recevra les SMS de suivi.")
    # Shown once a likely duplicate was named (see _check_duplicates): nothing is saved before.
    confirm_new = forms.BooleanField(
        label="Ce n'est pas la même personne : créer quand même une nouvelle fiche",
        required=False,
    )

    def __init__(self, *args, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.residents = residents
        self.duplicates: list[Resident] = []
        self.fields["address"].required = False

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("address", "address_complement", "city"))
        choice = cleaned.get("resident") or ""
        if choice and choice != NEW:
            cleaned["existing"] = self._existing(choice)
            self._check_not_someone_else(cleaned)
            return cleaned
        cleaned["existing"] = None
        if not (cleaned.get("last_name") or cleaned.get("any_phone")) and not self._new_person_errors():
            raise ValidationError(
                "Choisissez la fiche de la personne, ou pour une nouvelle personne "
                "indiquez au moins son nom ou son téléphone."
            )
        if not self._new_person_errors():
            self._check_duplicates(cleaned)
        return cleaned

    def _check_duplicates(self, cleaned: dict) -> None:
        """A new file for someone who already has one needs a confirmation naming that file."""
        self.duplicates = likely_duplicates(self.residents, cleaned)
        if self.duplicates and not cleaned.get("confirm_new"):
            raise ValidationError(
                f"Une fiche existe déjà pour {describe(self.duplicates[0])} : créer quand même une nouvelle fiche ? "
                "Choisissez cette fiche dans la liste, ou cochez « Ce n'est pas la même personne »."
            )

    def _check_not_someone_else(self, cleaned: dict) -> None:
        """A file is chosen but « Nouvelle personne » holds someone else (another name or number):
        refuse rather than attach the request to the chosen file and drop what was typed. What the
        search pre-filled (the same name, a typo of it, the file's own number) is not someone else."""
        resident = cleaned["existing"]
        typed_name = query_tokens(f"{cleaned.get('last_name') or ''} {cleaned.get('first_name') or ''}")
        other_name = bool(typed_name) and not name_score(typed_name, f"{resident.last_name} {resident.first_name}")
        phone = cleaned.get("any_phone")
        other_phone = bool(phone) and phone not in (resident.phone, resident.mobile)
        if other_name or other_phone:
            typed = " ".join(str(p) for p in (cleaned.get("first_name"), cleaned.get("last_name"), phone) if p)
            raise ValidationError(
                f"Vous avez choisi la fiche de {resident} mais rempli « Nouvelle personne » ({typed}). "
                "Pour créer cette nouvelle personne, choisissez « Nouvelle personne » ; sinon, videz ces champs."
            )

    def _new_person_errors(self) -> bool:
        return any(name in self.errors for name in ("last_name", "any_phone"))

    def _existing(self, choice: str) -> Resident | None:
        resident = self.residents.filter(pk=choice).first() if choice.isdigit() else None
        if resident is None:
            raise ValidationError("Cette fiche n'existe plus ou a été fusionnée : recherchez la personne à nouveau.")
        return resident

    @property
    def is_new_person(self) -> bool:
        return self.is_bound and self.data.get(self.add_prefix("resident"), "") in ("", NEW)

    def new_person_data(self) -> dict:
        names = ("first_name", "last_name", "birth_year", "any_phone", *self.address_field_names)
        return {name: self.cleaned_data.get(name) for name in names}


MAX_DUPLICATES = 3


def likely_duplicates(residents, data: dict) -> list[Resident]:
    """Files that are probably the person typed as new: the same phone number, or the same first
    and last name (forgivingly) with the same birth year or none recorded."""
    number = data.get("any_phone")
    if number:
        same_phone = list(residents.matching_phone(number).order_by("pk")[:MAX_DUPLICATES])
        if same_phone:
            return same_phone
    if data.get("last_name") and data.get("first_name"):
        typed = f"{data['last_name']} {data['first_name']}"
        return list(residents.matching_name(typed, data.get("birth_year"))[:MAX_DUPLICATES])
    return []


def describe(resident: Resident) -> str:
    """« Jeanne Martin (née en 1942, 06 12 34 56 78) »: enough to tell two files apart on the phone."""
    details = [f"né·e en {resident.birth_year}"] if resident.birth_year else []
    details += [number.as_national for number in (resident.mobile, resident.phone) if number]
    return f"{resident} ({', '.join(details)})" if details else str(resident)


def new_person_initial(query: str) -> dict:
    """Pre-fill "new person" from what was searched: a number goes to the phone (never to the
    name, even when it is no valid number), words to the name."""
    if looks_like_phone(query):
        e164 = phone_e164(query)
        return {"any_phone": PhoneNumber.from_string(e164)} if e164 else {}
    words = query.split()
    if not words:
        return {}
    return {"last_name": words[0], "first_name": " ".join(words[1:])}


class TransitionForm(forms.Form):
    """Change the request's status; the target comes from the button pressed."""

    target = forms.ChoiceField(choices=Status.choices, error_messages={"invalid_choice": "Action inconnue."})
    note = forms.CharField(
        label="Note (facultatif)", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    closure_reason = forms.ChoiceField(
        label="Motif de clôture",
        required=False,
        choices=[("", "— choisir pour clôturer —"), *ClosureReason.choices],
        help_text="Obligatoire pour clôturer la demande.",
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("note",), multiline=("note",))
        if cleaned.get("target") == Status.CLOSED and not cleaned.get("closure_reason"):
            self.add_error("closure_reason", "Choisissez un motif pour clôturer la demande.")
        return cleaned


class ForWhom:
    SELF = "self"
    OTHER = "other"
    CHOICES = [(SELF, "Pour moi"), (OTHER, "Pour une autre personne")]


class PublicRequestForm(PersonNameMixin, AddressFieldsMixin, forms.Form):
    """The public form, in plain words. Anyone may fill it: every field is checked."""

    for_whom = forms.ChoiceField(
        label="Cette demande est",
        choices=ForWhom.CHOICES,
        widget=forms.RadioSelect,
        initial=ForWhom.SELF,
        error_messages={"required": "Dites-nous si la demande est pour vous ou pour une autre personne."},
    )
    reporter_name = forms.CharField(
        label="Votre nom", max_length=120, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    reporter_relation = forms.CharField(
        label="Votre lien avec la personne",
        max_length=80,
        required=False,
        help_text="Par exemple : voisine, fils, ami.",
    )
    reporter_phone = phone_field("Votre téléphone")
    person_agrees = forms.ChoiceField(
        label="La personne est-elle d'accord pour être aidée ?",
        choices=Consent.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    first_name = forms.CharField(
        label="Prénom de la personne à aider",
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Nom de la personne à aider",
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    any_phone = phone_field(
        "Son téléphone", required=True, help_text="Pour la rappeler. Un mobile reçoit aussi les nouvelles par SMS."
    )
    category = CategoryField(label="De quelle aide s'agit-il ?")
    category_other = forms.CharField(label="Si « Autre », précisez", max_length=120, required=False)
    description = forms.CharField(
        label="Décrivez le besoin",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Par exemple : faire les courses une fois par semaine, aller à la pharmacie…",
        error_messages={"required": "Décrivez le besoin en quelques mots."},
    )
    urgency = forms.ChoiceField(
        label="Est-ce urgent ?", choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    time_window = forms.ChoiceField(
        label="Quel moment de la journée convient le mieux ?",
        choices=TimeWindow.choices,
        initial=TimeWindow.ANY,
        widget=forms.RadioSelect,
    )
    website = honeypot_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].label = "Adresse de la personne à aider"
        self.fields["any_phone"].error_messages["required"] = (
            "Indiquez un numéro de téléphone pour que nous puissions rappeler."
        )

    def clean_reporter_name(self) -> str:
        return clean_person_name(self.cleaned_data["reporter_name"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError(
                "Votre envoi n'a pas pu être traité. Appelez le numéro unique si besoin.", code="bot"
            )
        clean_text_fields(
            self,
            ("category_other", "description", "reporter_relation", "address", "address_complement", "city"),
            multiline=("description",),
        )
        check_other_category(self)
        if cleaned.get("for_whom") == ForWhom.OTHER:
            self._check_reporter(cleaned)
        return cleaned

    def _check_reporter(self, cleaned: dict) -> None:
        if not cleaned.get("reporter_name") and "reporter_name" not in self.errors:
            self.add_error("reporter_name", "Indiquez votre nom.")
        if not cleaned.get("reporter_relation") and "reporter_relation" not in self.errors:
            self.add_error("reporter_relation", "Indiquez votre lien avec la personne.")
        if not cleaned.get("person_agrees"):
            self.add_error("person_agrees", "Dites-nous si la personne est d'accord.")
        elif cleaned["person_agrees"] == Consent.NO:
            self.add_error("person_agrees", CONSENT_REFUSED)

    @property
    def for_someone_else(self) -> bool:
        return self.cleaned_data.get("for_whom") == ForWhom.OTHER

    def person_data(self) -> dict:
        names = ("first_name", "last_name", "any_phone", *self.address_field_names)
        return {name: self.cleaned_data.get(name) for name in names}

    def request_data(self) -> dict:
        data = {
            name: self.cleaned_data[name]
            for name in ("category", "category_other", "description", "urgency", "time_window")
        }
        if self.for_someone_else:
            data.update(
                reporter_name=self.cleaned_data["reporter_name"],
                reporter_relation=self.cleaned_data["reporter_relation"],
                reporter_phone=self.cleaned_data["reporter_phone"].as_e164
                if self.cleaned_data["reporter_phone"]
                else "",
                person_agrees=self.cleaned_data["person_agrees"],
            )
        return data
