import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.campaigns.enums import (
    CALL_OUTCOMES,
    REACHED_OUTCOMES,
    UNREACHABLE_OUTCOMES,
    Action,
    Advice,
    EscalationKind,
    EscalationResult,
    QuestionKind,
)
from villesolidaire.campaigns.models import Questionnaire
from villesolidaire.core.validation import (
    clean_text,
    clean_text_fields,
    date_field,
    out_of_range,
    text_field,
    within_date_bounds,
)
from villesolidaire.crises.models import Episode, EpisodeKind, EpisodeLevel
from villesolidaire.help_requests.enums import Urgency
from villesolidaire.help_requests.forms import CategoryField, check_other_category
from villesolidaire.register.models import Ground
from villesolidaire.territory.models import Quartier
from villesolidaire.volunteers.models import Volunteer

REQUIRED = "Ce champ est obligatoire."


def _date(label: str, *, required: bool = True, **kwargs) -> forms.DateField:
    return date_field(label, required=required, error_messages={"required": REQUIRED}, **kwargs)


def within_a_year(value: datetime.date | None) -> None:
    """An episode's start and end: within a year of today, both with the same French message.
    Stricter than core's `within_date_bounds`, so the midnight computed after the end cannot
    overflow either."""
    today = timezone.localdate()
    if value is not None and abs((value - today).days) > 366:
        earliest, latest = today - datetime.timedelta(days=366), today + datetime.timedelta(days=366)
        raise ValidationError(
            out_of_range("une date", f"le {earliest:%d/%m/%Y}", f"le {latest:%d/%m/%Y}"), code="out_of_bounds"
        )


def _quartiers_field(help_text: str) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label="Quartiers",
        queryset=Quartier.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
        error_messages={
            "invalid_choice": "Ce quartier n'existe pas.",
            "invalid_pk_value": "Ce quartier n'existe pas.",
        },
    )


def _int(label: str, *, min_value: int, max_value: int, required: bool = True, initial=None, help_text: str = ""):
    return forms.IntegerField(
        label=label,
        min_value=min_value,
        max_value=max_value,
        required=required,
        initial=initial,
        help_text=help_text,
        error_messages={
            "required": REQUIRED,
            "invalid": "Tapez un nombre entier.",
            "min_value": f"Le minimum est {min_value}.",
            "max_value": f"Le maximum est {max_value}.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class EpisodeForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type d'épisode",
        choices=EpisodeKind.choices,
        error_messages={"required": REQUIRED, "invalid_choice": "Choisissez un type dans la liste."},
    )
    level = forms.ChoiceField(
        label="Niveau de vigilance",
        choices=EpisodeLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le niveau.", "invalid_choice": "Choisissez un niveau dans la liste."},
    )
    title = text_field("Intitulé", max_length=120, help_text="Facultatif, par exemple « Canicule de juillet ».")
    starts_on = _date("Début", validators=[within_a_year])
    # An episode's end is computed with (the midnight after it): within_a_year keeps it in bounds.
    ends_on = _date("Fin", required=False, validators=[within_a_year])
    quartiers = _quartiers_field("Aucun quartier coché : toute la commune.")
    notes = text_field("Remarques", max_length=2000, rows=3)

    def clean(self):
        cleaned = super().clean()
        clean_text_fields(self, ("title", "notes"), multiline=("notes",))
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "La fin de l'épisode ne peut pas précéder son début.")
        return cleaned

    def episode_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("kind", "level", "title", "starts_on", "ends_on", "notes")}

    @classmethod
    def initial_for(cls, episode: Episode) -> dict:
        return {
            "kind": episode.kind,
            "level": episode.level,
            "title": episode.title,
            "starts_on": episode.starts_on,
            "ends_on": episode.ends_on,
            "notes": episode.notes,
            "quartiers": list(episode.quartiers.all()),
        }


class EpisodeCloseForm(forms.Form):
    ends_on = _date("Dernier jour de l'épisode", required=False, validators=[within_date_bounds])
    note = text_field("Motif", max_length=300)

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])


class CampaignForm(forms.Form):
    title = text_field(
        "Intitulé", max_length=120, help_text="Facultatif : par défaut « Appels — » suivi de l'épisode."
    )
    quartiers = _quartiers_field("Aucun quartier coché : ceux de l'épisode (ou toute la commune).")
    isolated_only = forms.BooleanField(
        label="Seulement les personnes isolées",
        required=False,
        help_text="Personnes vivant seules, connues seulement quand elles ont donné leur accord.",
    )
    min_age = _int(
        "Âge minimum",
        min_value=18,
        max_value=110,
        required=False,
        help_text="Calculé sur l'année de naissance. Laisser vide pour tous les âges.",
    )
    grounds = forms.MultipleChoiceField(
        label="Qualités d'inscription",
        choices=Ground.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Aucune cochée : toutes.",
        error_messages={"invalid_choice": "Qualité inconnue."},
    )
    include_linked_residents = forms.BooleanField(
        label="Ajouter les personnes suivies par le CCAS qui ont accepté le lien avec leur dossier",
        required=False,
        help_text=(
            "Inscrites au registre et ayant donné leur accord pour lier leur fiche habitant·e, hors filtres ci-dessus."
        ),
    )
    reached_recheck_hours = _int("Rappeler une personne jointe après (heures)", min_value=1, max_value=168, initial=48)
    retry_minutes = _int(
        "Nouvel essai après un appel sans réponse (minutes)", min_value=5, max_value=1440, initial=120
    )
    max_failed_attempts = _int("Essais sans réponse avant escalade", min_value=1, max_value=10, initial=4)
    failure_window_hours = _int(
        "Délai maximal sans réponse avant escalade (heures)", min_value=1, max_value=168, initial=48
    )
    questionnaire = forms.ModelChoiceField(
        label="Questionnaire",
        queryset=Questionnaire.objects.all(),
        empty_label=None,
        error_messages={"required": REQUIRED, "invalid_choice": "Ce questionnaire n'existe pas."},
    )
    sms_wave = forms.BooleanField(
        label="Prévoir une vague de SMS « Répondez 1 si tout va bien »",
        required=False,
        help_text="Envoyée aux personnes qui ont un mobile ; sans réponse, elles restent dans la file d'appels.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = Questionnaire.default()
        if default:
            self.fields["questionnaire"].initial = default.pk

    def clean_title(self):
        return clean_text(self.cleaned_data["title"])


class AccreditationForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail du compte",
        help_text="Le compte doit exister (agent·e ou volontaire) ; il lui faudra un mot "
        "de passe et une double authentification.",
        error_messages={"required": REQUIRED, "invalid": "Adresse e-mail invalide."},
    )
    training_on = _date("Formation aux appels suivie le")
    undertaking_signed_on = _date("Engagement de confidentialité signé le")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise ValidationError("Aucun compte actif avec cette adresse. Créez d'abord le compte.")
        self.user = user
        return email

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        for name in ("training_on", "undertaking_signed_on"):
            value = cleaned.get(name)
            if value and value > today:
                self.add_error(name, "Cette date ne peut pas être dans le futur.")
            elif value and (today - value).days > 3660:
                self.add_error(name, "Date trop ancienne : vérifiez l'année.")
        return cleaned


ADVICE_HELP = "Cochez ce que vous avez rappelé à la personne."


class AttemptForm(forms.Form):
    """The caller's form: outcome, questionnaire, advice, actions, and a help request if needed."""

    outcome = forms.ChoiceField(
        label="Résultat de l'appel",
        choices=CALL_OUTCOMES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez le résultat de l'appel.",
            "invalid_choice": "Choisissez un résultat dans la liste.",
        },
    )
    advice = forms.MultipleChoiceField(
        label="Conseils donnés",
        choices=Advice.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=ADVICE_HELP,
        error_messages={"invalid_choice": "Conseil inconnu."},
    )
    actions = forms.MultipleChoiceField(
        label="Actions décidées",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[c for c in Action.choices if c[0] != Action.HELP_REQUEST],
        error_messages={"invalid_choice": "Action inconnue."},
    )
    notes = text_field(
        "Remarques", max_length=1000, rows=2, help_text="Seulement ce qui sert au suivi ; pas de diagnostic."
    )
    create_help_request = forms.BooleanField(
        label="Créer une demande d'aide (la personne est d'accord)", required=False
    )
    category = CategoryField(required=False, label="Type d'aide")
    category_other = forms.CharField(label="Précision (autre)", required=False, max_length=120)
    description = text_field("Besoin exprimé", max_length=1500, rows=2)
    urgency = forms.ChoiceField(
        label="Urgence",
        choices=Urgency.choices,
        initial=Urgency.HIGH,
        required=False,
        error_messages={"invalid_choice": "Urgence inconnue."},
    )
    link_resident = forms.BooleanField(
        label="La personne accepte que son inscription au registre soit liée à son dossier d'aide",
        required=False,
    )
    next_call = forms.BooleanField(
        label="Ouvrir l'appel suivant dès l'enregistrement",
        required=False,
        help_text="Décochez pour faire une pause après cet appel.",
    )

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q_{question.code}"] = _question_field(question)

    @property
    def question_fields(self):
        return [self[f"q_{q.code}"] for q in self.questions]

    def clean(self):
        cleaned = super().clean()
        clean_text_fields(self, ("notes", "description", "category_other"), multiline=("notes", "description"))
        for question in self.questions:
            if question.kind == QuestionKind.TEXT and f"q_{question.code}" in cleaned:
                clean_text_fields(self, (f"q_{question.code}",))
        if cleaned.get("create_help_request"):
            if cleaned.get("outcome") and cleaned["outcome"] not in REACHED_OUTCOMES:
                self.add_error("create_help_request", "Une demande d'aide ne se crée que si la personne a été jointe.")
            if not cleaned.get("category"):
                self.add_error("category", "Choisissez le type d'aide.")
            if not cleaned.get("description"):
                self.add_error("description", "Décrivez le besoin.")
            if self.is_bound and "category" in cleaned:
                check_other_category(self)
        return cleaned

    def answers(self) -> dict:
        result = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q_{question.code}")
            if value in (None, ""):
                continue
            result[question.code] = value == "yes" if question.kind == QuestionKind.YES_NO else value
        return result


def _question_field(question) -> forms.Field:
    common = {"label": question.label, "required": False, "help_text": question.help_text}
    if question.kind == QuestionKind.YES_NO:
        return forms.ChoiceField(
            choices=[("yes", "Oui"), ("no", "Non")],
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": "Répondez oui ou non."},
            **common,
        )
    if question.kind == QuestionKind.NUMBER:
        return forms.IntegerField(
            min_value=0,
            max_value=1000,
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            error_messages={
                "invalid": "Tapez un nombre entier.",
                "min_value": "0 au minimum.",
                "max_value": "1 000 au maximum.",
            },
            **common,
        )
    if question.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(
            choices=[("", "—")] + [(c, c) for c in question.choice_list],
            error_messages={"invalid_choice": "Choisissez une réponse dans la liste."},
            **common,
        )
    return text_field(max_length=300, **common)


class EscalationForm(forms.Form):
    result = forms.ChoiceField(
        label="Résultat de cette étape",
        choices=EscalationResult.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez le résultat.",
            "invalid_choice": "Choisissez un résultat dans la liste.",
        },
    )
    notes = text_field("Compte rendu", max_length=1000, rows=2)
    volunteer_email = forms.EmailField(
        label="Visite faite par le ou la volontaire (e-mail)",
        required=False,
        error_messages={"invalid": "Adresse e-mail invalide."},
    )
    agent_email = forms.EmailField(
        label="ou par l'agent·e (e-mail)", required=False, error_messages={"invalid": "Adresse e-mail invalide."}
    )

    def __init__(self, *args, kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != EscalationKind.HOME_VISIT:
            del self.fields["volunteer_email"]
            del self.fields["agent_email"]

    def clean(self):
        cleaned = super().clean()
        clean_text_fields(self, ("notes",), multiline=("notes",))
        self.volunteer = self.agent = None
        if self.kind == EscalationKind.HOME_VISIT:
            volunteer_email, agent_email = cleaned.get("volunteer_email"), cleaned.get("agent_email")
            if volunteer_email and agent_email:
                self.add_error("agent_email", "Indiquez soit un·e volontaire, soit un·e agent·e, pas les deux.")
            elif volunteer_email:
                self.volunteer = Volunteer.objects.filter(email__iexact=volunteer_email).first()
                if self.volunteer is None:
                    self.add_error("volunteer_email", "Aucun·e volontaire avec cette adresse.")
            elif agent_email:
                self.agent = User.objects.filter(email__iexact=agent_email, is_active=True).first()
                if self.agent is None or not self.agent.is_staff_member:
                    self.agent = None
                    self.add_error("agent_email", "Aucun·e agent·e avec cette adresse.")
            elif cleaned.get("result"):
                self.add_error("volunteer_email", "Indiquez qui a fait la visite (volontaire ou agent·e).")
        return cleaned


class EmergencyContactCallForm(forms.Form):
    """The person does not answer: the caller calls the person to notify and records both calls."""

    outcome = forms.ChoiceField(
        label="Appel de la personne inscrite",
        choices=[(code, label) for code, label in CALL_OUTCOMES if code in UNREACHABLE_OUTCOMES],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Indiquez ce qui s'est passé quand vous avez appelé la personne.",
            "invalid_choice": "Choisissez un résultat dans la liste.",
        },
    )
    result = forms.ChoiceField(
        label="Appel de la personne à prévenir",
        choices=EscalationResult.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Indiquez ce que la personne à prévenir vous a dit.",
            "invalid_choice": "Choisissez un résultat dans la liste.",
        },
    )
    notes = text_field(
        "Ce que la personne à prévenir a dit", max_length=1000, rows=2, help_text="Seulement ce qui sert au suivi."
    )

    def clean(self):
        cleaned = super().clean()
        clean_text_fields(self, ("notes",), multiline=("notes",))
        return cleaned


SHEET_HOURS = [(n, f"{n} heures") for n in (2, 4, 6, 8, 12)]


class CallSheetForm(forms.Form):
    size = forms.IntegerField(
        label="Nombre de personnes sur la feuille",
        min_value=1,
        max_value=40,
        initial=15,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Choisissez le nombre de personnes (de 1 à 40).",
            "invalid": "Choisissez le nombre de personnes (de 1 à 40).",
            "min_value": "Choisissez le nombre de personnes (de 1 à 40).",
            "max_value": "Choisissez le nombre de personnes (de 1 à 40).",
        },
    )
    hours = forms.TypedChoiceField(
        label="Personnes réservées pour vous pendant",
        choices=SHEET_HOURS,
        coerce=int,
        initial=6,
        help_text="Passé ce délai, les personnes que vous n'avez pas saisies reviennent dans la file partagée.",
        error_messages={"invalid_choice": "Choisissez une durée dans la liste.", "required": "Choisissez une durée."},
    )


NOT_CALLED = ""


class SheetResultsForm(forms.Form):
    """The results written on a paper sheet: per line, the outcome, the time and a remark."""

    called_on = date_field("Jour des appels", required=True)
    close = forms.BooleanField(
        label="Rendre à la file les personnes non appelées et clore la feuille",
        required=False,
        initial=True,
    )

    def __init__(self, *args, sheet, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.open_lines = [line for line in lines if line.attempt_id is None]
        self.fields["called_on"].initial = timezone.localdate()
        for line in self.open_lines:
            self.fields[f"outcome_{line.pk}"] = forms.ChoiceField(
                label=f"Ligne {line.position} : résultat",
                choices=[(NOT_CALLED, "— Pas appelée —"), *CALL_OUTCOMES],
                required=False,
                error_messages={"invalid_choice": "Choisissez un résultat dans la liste."},
            )
            self.fields[f"time_{line.pk}"] = forms.TimeField(
                label=f"Ligne {line.position} : heure",
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                error_messages={"invalid": "Heure invalide : tapez par exemple 14:30."},
            )
            self.fields[f"notes_{line.pk}"] = text_field(f"Ligne {line.position} : remarques", max_length=1000)

    def line_fields(self):
        return [
            (line, self[f"outcome_{line.pk}"], self[f"time_{line.pk}"], self[f"notes_{line.pk}"])
            for line in self.open_lines
        ]

    def clean(self):
        cleaned = super().clean()
        clean_text_fields(self, tuple(f"notes_{line.pk}" for line in self.open_lines))
        day = cleaned.get("called_on")
        first_day = timezone.localtime(self.sheet.created_at).date()
        if day and not first_day <= day <= timezone.localdate():
            self.add_error("called_on", f"Choisissez un jour entre le {first_day:%d/%m/%Y} et aujourd'hui.")
        for line in self.open_lines:
            outcome, time = cleaned.get(f"outcome_{line.pk}"), cleaned.get(f"time_{line.pk}")
            if outcome and time is None and f"time_{line.pk}" not in self.errors:
                self.add_error(
                    f"time_{line.pk}", "Indiquez l'heure de l'appel, telle qu'elle est notée sur la feuille."
                )
            if time is not None and not outcome:
                self.add_error(f"outcome_{line.pk}", "Indiquez le résultat de cet appel, ou effacez son heure.")
        return cleaned

    def results(self) -> list:
        """(line, outcome, aware date-time, notes) for each line called."""
        day = self.cleaned_data["called_on"]
        rows = []
        for line in self.open_lines:
            outcome = self.cleaned_data.get(f"outcome_{line.pk}")
            if outcome:
                at = timezone.make_aware(datetime.datetime.combine(day, self.cleaned_data[f"time_{line.pk}"]))
                rows.append((line, outcome, at, self.cleaned_data.get(f"notes_{line.pk}", "")))
        return rows


class BriefingForm(forms.Form):
    """The message a coordinator sends to wake the reserve and brief volunteers, and to whom."""

    episode = forms.ModelChoiceField(
        label="Épisode",
        queryset=Episode.objects.filter(status="ongoing").order_by("-starts_on", "-pk"),
        empty_label=None,
        error_messages={
            "required": "Choisissez l'épisode en cours.",
            "invalid_choice": "Cet épisode n'est plus en cours.",
        },
    )
    statuses = forms.MultipleChoiceField(
        label="Volontaires",
        choices=[("reserve", "En réserve"), ("paused", "En pause"), ("active", "Actif·ves")],
        initial=["reserve", "paused"],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins un statut.", "invalid_choice": "Statut non reconnu."},
    )
    quartiers = forms.ModelMultipleChoiceField(
        label="Quartiers (aucun coché : toute la commune)",
        queryset=Quartier.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Quartier inconnu."},
    )
    text = forms.CharField(
        label="Message",
        max_length=200,
        help_text=(
            "200 caractères au plus. « Disponible ? Répondez 1 pour OUI, 2 pour NON. » est ajouté ; "
            "les réponses arrivent ici."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 200}),
        error_messages={"required": "Écrivez le message.", "max_length": "200 caractères au plus."},
    )

    def clean_text(self) -> str:
        return clean_text(self.cleaned_data["text"])

    def audience_label(self) -> str:
        labels = dict(self.fields["statuses"].choices)
        statuses = ", ".join(labels[status].lower() for status in self.cleaned_data["statuses"])
        quartiers = ", ".join(str(quartier) for quartier in self.cleaned_data["quartiers"]) or "toute la commune"
        return f"{statuses} — {quartiers}"
