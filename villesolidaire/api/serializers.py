"""What the API shows and accepts. Reads are explicit fields; writes are validated by the pages'
forms (forms_bridge) and performed by the apps' services, never by `serializer.save()`."""

from rest_framework import serializers

from villesolidaire.api.fields import FlagCodesField, IdNameSerializer, PhoneField
from villesolidaire.core.choices import AVAILABILITY, ENGAGEMENT_DOMAINS, LANGUAGES, REQUEST_CONSTRAINTS
from villesolidaire.help_requests.enums import (
    Channel,
    ClosureReason,
    Consent,
    Recurrence,
    Status,
    TimeWindow,
    Urgency,
)
from villesolidaire.help_requests.forms import HelpRequestForm
from villesolidaire.help_requests.models import HelpCategory, HelpRequest
from villesolidaire.missions.models import Mission, Support
from villesolidaire.needs.models import Need, Shift
from villesolidaire.partners.models import Organisation, Service
from villesolidaire.residents.models import Resident
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import Volunteer

# Reads ------------------------------------------------------------------------------------------


class HelpCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = HelpCategory
        fields = ["slug", "name", "description", "involves_money"]


class ResidentSerializer(serializers.ModelSerializer):
    phone = PhoneField()
    mobile = PhoneField()
    quartier = IdNameSerializer(allow_null=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "first_name",
            "last_name",
            "birth_year",
            "phone",
            "mobile",
            "email",
            "address",
            "address_complement",
            "postcode",
            "city",
            "is_located",
            "quartier",
            "preferred_channel",
            "language",
            "notes",
            "created_at",
        ]


class ResidentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Resident
        fields = ["id", "first_name", "last_name"]


class HelpRequestSerializer(serializers.ModelSerializer):
    resident = ResidentSummarySerializer()
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    constraints = FlagCodesField(REQUEST_CONSTRAINTS)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = HelpRequest
        # What the request's form writes (through the API too: HelpRequestCreateSerializer), then
        # what the workflow and the dates say.
        fields = [
            "id",
            "resident",
            *HelpRequestForm.Meta.fields,
            "status",
            "closure_reason",
            "episode",
            "created_at",
            "updated_at",
            "allowed_transitions",
        ]

    def get_allowed_transitions(self, help_request) -> list[str]:
        return [target for target, _label in help_request.allowed_transitions]


class VolunteerSerializer(serializers.ModelSerializer):
    phone = PhoneField()
    quartier = IdNameSerializer(allow_null=True)
    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    skills = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    languages = FlagCodesField(LANGUAGES)
    availability = FlagCodesField(AVAILABILITY)
    domains = FlagCodesField(ENGAGEMENT_DOMAINS)

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "birth_year",
            "postcode",
            "city",
            "is_located",
            "quartier",
            "status",
            "categories",
            "skills",
            "languages",
            "availability",
            "domains",
            "max_distance_km",
            "created_at",
            "validated_at",
        ]


class PersonNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class SupportSerializer(serializers.ModelSerializer):
    volunteer = PersonNameSerializer()
    resident = PersonNameSerializer()

    class Meta:
        model = Support
        fields = ["id", "help_request", "volunteer", "resident", "kind", "status", "started_at", "ended_at"]


class MissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Mission
        fields = ["id", "support", "scheduled_at", "status", "duration_minutes", "done_at", "created_at"]


class ShiftSerializer(serializers.ModelSerializer):
    confirmed = serializers.IntegerField(read_only=True, help_text="Inscriptions confirmées.")

    class Meta:
        model = Shift
        fields = ["id", "starts_at", "ends_at", "places", "confirmed"]


class NeedSerializer(serializers.ModelSerializer):
    organisation = IdNameSerializer(allow_null=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    quartier = IdNameSerializer(allow_null=True)
    shifts = ShiftSerializer(many=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "title",
            "description",
            "organisation",
            "domain",
            "category",
            "status",
            "address",
            "postcode",
            "city",
            "quartier",
            "remote",
            "schedule",
            "open_to_minors",
            "reduced_mobility_accessible",
            "created_at",
            "updated_at",
            "published_at",
            "shifts",
        ]


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "type",
            "siret",
            "rna",
            "description",
            "website",
            "address",
            "postcode",
            "city",
            "updated_at",
        ]


class ServiceSerializer(serializers.ModelSerializer):
    organisation = IdNameSerializer()

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "organisation",
            "description",
            "type",
            "thematiques",
            "publics",
            "modes_accueil",
            "frais",
            "opening_hours",
            "address",
            "postcode",
            "city",
            "latitude",
            "longitude",
            "updated_at",
        ]


class CampaignProgressSerializer(serializers.Serializer):
    """Counts only: never who was called."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    episode = serializers.IntegerField(source="episode_id")
    created_at = serializers.DateTimeField()
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="total, reached (jointes), pending (à appeler), unreached (nouvel essai prévu), "
        "escalated (en escalade), overdue (en retard).",
    )


# Writes -----------------------------------------------------------------------------------------


class NewResidentSerializer(serializers.Serializer):
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=80)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=80)
    birth_year = serializers.IntegerField(required=False, allow_null=True)
    phone = serializers.CharField(
        required=False, allow_blank=True, max_length=30, help_text="Fixe ou mobile : un mobile reçoit les SMS."
    )
    address = serializers.CharField(required=False, allow_blank=True, max_length=250)
    address_complement = serializers.CharField(required=False, allow_blank=True, max_length=120)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=5)
    city = serializers.CharField(required=False, allow_blank=True, max_length=120)
    confirm_new = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Créer la fiche même si une fiche semblable existe (même téléphone, même nom).",
    )


class HelpRequestCreateSerializer(serializers.Serializer):
    resident = serializers.IntegerField(required=False, help_text="Fiche existante ; sinon `new_resident`.")
    new_resident = NewResidentSerializer(required=False)
    category = serializers.SlugField(help_text="Code d'une catégorie d'aide (GET /api/v1/help-categories/).")
    category_other = serializers.CharField(required=False, allow_blank=True, max_length=120)
    description = serializers.CharField(max_length=2000)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    wished_start = serializers.DateField(required=False, allow_null=True)
    wished_end = serializers.DateField(required=False, allow_null=True)
    time_window = serializers.ChoiceField(choices=TimeWindow.choices, default=TimeWindow.ANY)
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, default=Recurrence.ONCE)
    constraints = serializers.ListField(
        child=serializers.ChoiceField(choices=REQUEST_CONSTRAINTS.choices), required=False, default=list
    )
    constraints_notes = serializers.CharField(required=False, allow_blank=True, max_length=300)
    involves_money = serializers.BooleanField(required=False, default=False)
    estimated_amount = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.HOTLINE)
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    reporter_relation = serializers.CharField(required=False, allow_blank=True, max_length=80)
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    person_agrees = serializers.ChoiceField(choices=Consent.choices, default=Consent.YES)


class HelpRequestTransitionSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices, required=False, allow_blank=True)


class ResidentCreateSerializer(NewResidentSerializer):
    pass


class VolunteerStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=VolunteerStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CallReportSerializer(serializers.Serializer):
    """The provider-neutral report of a call (`generic`); docs/telephony.md."""

    call_id = serializers.CharField(max_length=120, help_text="Identifiant de l'appel chez l'opérateur.")
    state = serializers.ChoiceField(
        choices=["ringing", "answered", "ended", "missed"], default="ringing", help_text="Où en est l'appel."
    )
    caller = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="Numéro appelant.")
    called = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="Numéro appelé.")
    extension = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="Poste qui répond (vide : tous les postes)."
    )


class CallSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    resident = serializers.IntegerField(source="resident_id", allow_null=True)
    call_task = serializers.IntegerField(source="call_task_id", allow_null=True)
