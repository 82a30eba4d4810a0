import datetime

import django_filters
from django import forms
from django.utils import timezone

from villesolidaire.core.validation import (
    clean_person_name,
    clean_text,
    clean_text_fields,
    date_field,
    mobile_or_nothing,
    phone_field,
)
from villesolidaire.help_requests.enums import Consent, Urgency
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.neighbours.enums import ConsentMethod, NetworkKind, NetworkStatus
from villesolidaire.neighbours.models import MAX_COUNT, Network, StateRecord
from villesolidaire.neighbours.services import STATE_RECORD_FIELDS
from villesolidaire.territory.forms import AddressFieldsMixin
from villesolidaire.territory.models import Quartier
from villesolidaire.volunteers.models import Volunteer

# A consent or a visit is recorded within the year; older ones are surely a typing error.
MAX_DAYS_BEHIND = 366
MAX_ROW_ID = 2**63 - 1
INACTIVE_VOLUNTEER = "Ce·tte volontaire n'existe pas ou n'est pas actif·ve : choisissez un·e volontaire actif·ve."


def check_recent_date(form: forms.Form, name: str) -> None:
    """Refuse a date in the future or more than a year ago, with a message on the field."""
    value = form.cleaned_data.get(name)
    today = timezone.localdate()
    earliest = today - datetime.timedelta(days=MAX_DAYS_BEHIND)
    if value and value > today:
        form.add_error(name, "La date ne peut pas être dans le futur.")
    elif value and value < earliest:
        form.add_error(name, f"Date trop ancienne : choisissez une date après le {earliest:%d/%m/%Y}.")


class NetworkFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Nom du réseau",
        field_name="name",
        lookup_expr="icontains",
        max_length=80,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    quartier = django_filters.ModelChoiceFilter(
        label="Quartier", queryset=Quartier.objects.only("id", "name"), empty_label="Tous"
    )
    status = django_filters.ChoiceFilter(label="Statut", choices=NetworkStatus.choices, empty_label="Tous")
    kind = django_filters.ChoiceFilter(label="Type", choices=NetworkKind.choices, empty_label="Tous")

    class Meta:
        model = Network
        fields: list[str] = []


class NetworkForm(AddressFieldsMixin, forms.Form):
    name = forms.CharField(
        label="Nom du réseau", max_length=120, help_text="Par exemple : Résidence Les Tilleuls, bâtiment B."
    )
    kind = forms.ChoiceField(label="Type", choices=NetworkKind.choices, widget=forms.RadioSelect)
    quartier = forms.ModelChoiceField(
        label="Quartier",
        queryset=Quartier.objects.all(),
        required=False,
        empty_label="Déduit de l'adresse",
        help_text="Utile seulement si l'adresse n'est pas reconnue : sinon le quartier est déduit de l'adresse.",
    )

    field_order = ["name", "kind", "address", "address_complement", "postcode", "city", "quartier"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].help_text = "Adresse de l'immeuble, ou nom de la rue (ex. rue des Lilas)."

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("name", "address", "address_complement", "city"))
        return cleaned

    @classmethod
    def initial_for(cls, network: Network) -> dict:
        return {name: getattr(network, name) for name in cls.base_fields}

    def address_changed(self) -> bool:
        return any(name in self.changed_data for name in self.address_field_names)


class VolunteerSearchForm(forms.Form):
    q = forms.CharField(
        label="Nom du ou de la volontaire",
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text="Sans recherche, la liste propose les volontaires actif·ves du quartier du réseau.",
    )

    def clean_q(self) -> str:
        return " ".join(clean_text(self.cleaned_data["q"]).split())


class ReferentForm(forms.Form):
    """Radio buttons are drawn by the template from the search results; any active volunteer
    is accepted, so the choice survives a new search."""

    referent = forms.ModelChoiceField(
        label="Référent·e",
        queryset=Volunteer.objects.none(),
        error_messages={"required": "Choisissez le ou la référent·e.", "invalid_choice": INACTIVE_VOLUNTEER},
    )
    co_referent = forms.ModelChoiceField(
        label="Co-référent·e (facultatif)",
        queryset=Volunteer.objects.none(),
        required=False,
        error_messages={"invalid_choice": INACTIVE_VOLUNTEER},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("referent", "co_referent"):
            self.fields[name].queryset = Volunteer.objects.active()

    def clean(self) -> dict:
        cleaned = super().clean()
        referent, co_referent = cleaned.get("referent"), cleaned.get("co_referent")
        if referent and co_referent and referent.pk == co_referent.pk:
            self.add_error("co_referent", "Choisissez une autre personne que le ou la référent·e, ou aucune.")
        return cleaned


class NetworkStatusForm(forms.Form):
    target = forms.ChoiceField(label="Nouveau statut", choices=())
    reason = forms.CharField(label="Motif (facultatif)", max_length=300, required=False)

    def __init__(self, *args, network: Network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = network.allowed_transitions
        self.fields["target"].error_messages["invalid_choice"] = "Ce changement de statut n'est pas possible."

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"])


class ConsentFieldsMixin(forms.Form):
    consent_date = date_field("Date de l'accord")

    def check_consent_date(self, *, required: bool) -> None:
        if required and self.cleaned_data.get("consent_date") is None and "consent_date" not in self.errors:
            self.add_error("consent_date", "Indiquez la date à laquelle la personne a donné son accord.")
        check_recent_date(self, "consent_date")

    @property
    def consent_at(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("consent_date")
        if day is None:
            return None
        if day == timezone.localdate():
            return timezone.now()
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


class NeighbourForm(ConsentFieldsMixin, forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=80)
    last_name = forms.CharField(label="Nom", max_length=80)
    location = forms.CharField(
        label="Étage, porte ou numéro",
        max_length=60,
        required=False,
        help_text="Immeuble : étage et porte (ex. 3e gauche). Rue : numéro (ex. 12 bis).",
    )
    phone = phone_field("Téléphone fixe")
    mobile = phone_field("Téléphone mobile")
    resident_number = forms.IntegerField(
        label="N° de fiche habitant·e (facultatif)",
        required=False,
        min_value=1,
        max_value=MAX_ROW_ID,
        help_text="Si la personne a déjà une fiche au CCAS. Sinon, une fiche sera créée à sa première alerte.",
        error_messages={
            "invalid": "Tapez le numéro de la fiche (chiffres seulement).",
            "min_value": "Tapez le numéro de la fiche (chiffres seulement).",
            "max_value": "Aucune fiche habitant·e en cours ne porte ce numéro.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    consent_method = forms.ChoiceField(
        label="Accord pour être suivi·e par le ou la référent·e",
        choices=[("", "Pas encore recueilli")] + list(ConsentMethod.choices),
        required=False,
        widget=forms.RadioSelect,
        help_text="Sans accord, la personne n'est jamais visible du ou de la référent·e.",
    )

    field_order = [
        "first_name",
        "last_name",
        "location",
        "phone",
        "mobile",
        "resident_number",
        "consent_method",
        "consent_date",
    ]

    def __init__(self, *args, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.residents = residents
        self.fields["consent_date"].help_text = "Obligatoire si l'accord est recueilli. Format jj/mm/aaaa."

    def clean_first_name(self) -> str:
        return clean_person_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return clean_person_name(self.cleaned_data["last_name"])

    def clean_mobile(self):
        return mobile_or_nothing(self.cleaned_data["mobile"])

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("location",))
        number = cleaned.get("resident_number")
        cleaned["resident"] = None
        if number:
            cleaned["resident"] = self.residents.filter(pk=number).first()
            if cleaned["resident"] is None:
                self.add_error("resident_number", "Aucune fiche habitant·e en cours ne porte ce numéro.")
        if "consent_date" in self.fields:
            self.check_consent_date(required=bool(cleaned.get("consent_method")))
        return cleaned


class NeighbourEditForm(NeighbourForm):
    """The same person fields; consent has its own pages (and its history)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["consent_method"], self.fields["consent_date"]

    @classmethod
    def initial_for(cls, neighbour) -> dict:
        names = ("first_name", "last_name", "location", "phone", "mobile")
        return {**{name: getattr(neighbour, name) for name in names}, "resident_number": neighbour.resident_id}


class ConsentForm(ConsentFieldsMixin, forms.Form):
    method = forms.ChoiceField(
        label="Forme de l'accord",
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez comment la personne a donné son accord."},
    )
    note = forms.CharField(
        label="Précision (facultatif)",
        max_length=300,
        required=False,
        help_text="Par exemple : accord donné par téléphone à l'accueil du CCAS.",
    )

    field_order = ["method", "consent_date", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_date"].initial = timezone.localdate()

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("note",))
        self.check_consent_date(required=True)
        return cleaned


class WithdrawConsentForm(forms.Form):
    note = forms.CharField(
        label="Précision (facultatif)",
        max_length=300,
        required=False,
        help_text="Par exemple : la personne a déménagé, ou ne souhaite plus être suivie.",
    )

    def clean_note(self) -> str:
        return clean_text(self.cleaned_data["note"])


COUNT_ERRORS = {
    "invalid": "Tapez un nombre entier (ou laissez vide).",
    "min_value": "Le nombre ne peut pas être négatif.",
    "max_value": f"Nombre trop grand : {MAX_COUNT} au plus.",
}


class StateRecordForm(forms.ModelForm):
    visited_on = date_field("Date de la visite")

    class Meta:
        model = StateRecord
        fields = STATE_RECORD_FIELDS
        help_texts = {
            "place_notes": "Parties communes, accès, ascenseur, éclairage, propreté…",
            "existing_links": "Qui se connaît, qui s'entraide déjà (sans détail de santé).",
            "missing_links": "Les personnes que personne ne voit, les liens à créer.",
            "needs_spotted": "Courses, démarches, visites… Pour une personne précise qui a besoin d'aide, "
            "signalez plutôt une alerte.",
            "notes": "Pas de données de santé, pas de nom d'une personne qui n'a pas donné son accord.",
        }
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("place_notes", "existing_links", "missing_links", "needs_spotted", "notes")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].required = True
        self.fields["visited_on"].error_messages["required"] = "Indiquez la date de la visite."
        self.fields["visited_on"].initial = timezone.localdate()
        for name in ("households_count", "living_alone_count", "isolated_count"):
            field = self.fields[name]
            field.min_value = 0
            field.error_messages.update(COUNT_ERRORS)
            field.widget.attrs.update({"inputmode": "numeric", "min": 0, "max": MAX_COUNT})

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(
            self,
            ("place_notes", "existing_links", "missing_links", "needs_spotted", "notes"),
            multiline=("place_notes", "existing_links", "missing_links", "needs_spotted", "notes"),
        )
        check_recent_date(self, "visited_on")
        households, alone = cleaned.get("households_count"), cleaned.get("living_alone_count")
        if households is not None and alone is not None and alone > households:
            self.add_error("living_alone_count", "Il ne peut pas y avoir plus de personnes seules que de foyers.")
        return cleaned


class AlertForm(forms.Form):
    neighbour = forms.ModelChoiceField(
        label="Personne concernée",
        queryset=None,
        required=False,
        empty_label="Aucune personne en particulier (le lieu, les parties communes…)",
        error_messages={
            "invalid_choice": "Cette personne n'a pas (ou plus) donné son accord : choisissez-en une autre.",
        },
    )
    category = forms.ModelChoiceField(
        label="Type d'aide nécessaire",
        queryset=HelpCategory.objects.none(),
        required=False,
        empty_label="Je ne sais pas",
        help_text="Si vous ne savez pas, le CCAS précisera (la demande est classée « Autre »).",
        error_messages={"invalid_choice": "Ce type d'aide n'est plus proposé : choisissez-en un autre."},
    )
    text = forms.CharField(
        label="Que se passe-t-il ?",
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Les faits, simplement. En cas de danger immédiat, appelez le 15, le 17 ou le 18.",
        error_messages={"required": "Décrivez la situation en quelques mots."},
    )
    urgency = forms.ChoiceField(
        label="Urgence", choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    person_agrees = forms.ChoiceField(
        label="La personne est-elle d'accord pour que le CCAS la contacte ?",
        choices=Consent.choices,
        initial=Consent.YES,
        widget=forms.RadioSelect,
    )

    field_order = ["neighbour", "category", "urgency", "text", "person_agrees"]

    def __init__(self, *args, neighbours, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbour"].queryset = neighbours
        self.fields["category"].queryset = HelpCategory.objects.filter(is_active=True)

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("text",), multiline=("text",))
        if cleaned.get("neighbour") and not cleaned.get("category") and "category" not in self.errors:
            # A referent reporting "ne répond pas à la porte" need not guess: coordinators requalify.
            cleaned["category"] = HelpCategory.objects.filter(slug="autre", is_active=True).first()
            if cleaned["category"] is None:
                self.add_error("category", "Choisissez le type d'aide dont la personne a besoin.")
        return cleaned
