"""The API's endpoints under /api/v1/ (docs/api.md). Each reads through the same permission-scoped
querysets as the pages and writes through the same forms and services; every read of personal data
is journaled with the key's name."""

from contextlib import contextmanager

from django.conf import settings
from django.db import models
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.middleware.http import ConditionalGetMiddleware
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from villesolidaire.api import access, filters, serializers
from villesolidaire.api.errors import MISSING_SLASH, UNKNOWN_ADDRESS
from villesolidaire.api.forms_bridge import form_data, require_valid
from villesolidaire.api.permissions import key_of
from villesolidaire.api.scopes import may_write
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns.models import Campaign
from villesolidaire.campaigns.selectors import campaigns_progress
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.help_requests import services as help_request_services
from villesolidaire.help_requests.forms import NEW, HelpRequestForm, IntakeResidentForm, TransitionForm
from villesolidaire.help_requests.models import HelpCategory, HelpRequest
from villesolidaire.missions.models import Mission, Support
from villesolidaire.needs.models import Need, Shift, SignupStatus
from villesolidaire.partners.models import Organisation, OrganisationStatus, Service
from villesolidaire.residents.models import Resident
from villesolidaire.residents.services import resident_create
from villesolidaire.telephony.providers import PARSERS, ReportError
from villesolidaire.telephony.services import call_report
from villesolidaire.volunteers.models import Volunteer
from villesolidaire.volunteers.services import volunteer_change_status

# What the audit line lists of a page of rows (its detail is 300 characters at most).
AUDITED_IDS = 40


def record_api_read(request, target, rows: list | None = None) -> None:
    """One audit line per personal read: the key's account as actor, the key's name in the detail."""
    key = key_of(request)
    detail = key.actor_label if key else "API"
    if rows is not None:
        ids = [str(row.pk) for row in rows[:AUDITED_IDS]]
        more = "…" if len(rows) > AUDITED_IDS else ""
        detail = f"{detail} : {len(rows)} fiche(s), n° {', '.join(ids)}{more}" if ids else f"{detail} : aucune fiche"
    action_done = AuditAction.LIST if rows is not None else AuditAction.VIEW
    record(actor=request.user, action=action_done, target=target, detail=detail, request=request._request)


@contextmanager
def transition_refused_on(field: str):
    """A change of status its workflow refuses is a 400 on `field`, with the workflow's message."""
    try:
        yield
    except TransitionNotAllowed as refused:
        raise ValidationError({field: [str(refused)]}) from refused


def _conditional_get(request, response):
    # ETag of the JSON sent: a client that sends it back in If-None-Match gets a 304 when nothing changed.
    return ConditionalGetMiddleware(lambda _request: response).process_response(request, response)


class KnownMethodFirst:
    """A method the address does not take is a 405 before the key is looked at: a 401 or 403 would
    hide that the call can never work."""

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise MethodNotAllowed(request.method, detail=f"Méthode {request.method} non permise sur cette adresse.")
        super().initial(request, *args, **kwargs)


class ApiViewSet(KnownMethodFirst, viewsets.GenericViewSet):
    """Lists and details, journaled when they hold personal data (`audited`)."""

    api_kind = ""
    audited = True
    lookup_value_regex = r"\d+"
    model: type[models.Model]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular describing the view: no user
            return self.model.objects.none()
        return self.visible_rows(self.request.user)

    def visible_rows(self, user) -> models.QuerySet:
        return self.queryset.all()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and hasattr(response, "add_post_render_callback"):
            response.add_post_render_callback(lambda rendered: _conditional_get(request._request, rendered))
        return response

    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        data = self.get_serializer(page, many=True).data
        if self.audited:
            record_api_read(request, rows.model, rows=list(page))
        return self.get_paginated_response(data)

    def created(self, request, row) -> Response:
        """201 with the new row as a detail shows it, and its address."""
        headers = {"Location": f"{request.path}{row.pk}/"}
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED, headers=headers)

    def changed(self, row) -> Response:
        """200 with the changed row as a detail shows it, read again through the key's scope."""
        return Response(self.get_serializer(self.get_queryset().get(pk=row.pk)).data)

    def retrieve(self, request, *args, **kwargs):
        found = self.get_object()
        if self.audited:
            record_api_read(request, found)
        return Response(self.get_serializer(found).data)


# Help requests ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Demandes d'aide visibles par la clé", tags=["Demandes d'aide"]),
    retrieve=extend_schema(summary="Une demande d'aide", tags=["Demandes d'aide"]),
)
class HelpRequestViewSet(ApiViewSet):
    api_kind = "help_requests"
    serializer_class = serializers.HelpRequestSerializer
    filterset_class = filters.ApiHelpRequestFilter

    model = HelpRequest

    def visible_rows(self, user):
        return access.help_requests(user).with_list_data().order_by("-created_at", "-pk")

    @extend_schema(
        summary="Enregistrer une demande (fiche existante ou nouvelle personne)",
        tags=["Demandes d'aide"],
        request=serializers.HelpRequestCreateSerializer,
        responses={201: serializers.HelpRequestSerializer},
    )
    def create(self, request, *args, **kwargs):
        if not may_write(request.user, self.api_kind):
            raise PermissionDenied("Le rôle de cette clé ne permet pas d'enregistrer des demandes.")
        given = serializers.HelpRequestCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        residents = Resident.objects.visible_to(request.user).active()
        person_form = IntakeResidentForm(form_data(_person_values(values)), residents=residents)
        request_values, unknown = _request_values(values)
        request_form = HelpRequestForm(form_data(request_values))
        person_prefix = "resident" if values.get("resident") is not None else "new_resident"
        require_valid(
            (person_form, person_prefix, {"any_phone": "phone", "resident": ""}),
            (request_form, "", None),
            extra=unknown,
        )
        help_request = help_request_services.help_request_intake(
            resident=person_form.cleaned_data["existing"],
            new_person=person_form.new_person_data(),
            data=request_form.cleaned_data,
            channel=request_form.cleaned_data["channel"],
            by=request.user,
        )
        # Read back as created, whatever the key's quartiers: it was just written through this key.
        return self.created(request, HelpRequest.objects.with_list_data().get(pk=help_request.pk))

    @extend_schema(
        summary="Changer le statut d'une demande",
        tags=["Demandes d'aide"],
        request=serializers.HelpRequestTransitionSerializer,
        responses={200: serializers.HelpRequestSerializer},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        help_request = self.get_object()
        given = serializers.HelpRequestTransitionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        form = TransitionForm(form_data(dict(given.validated_data)))
        require_valid((form, "", None))
        with transition_refused_on("target"):
            help_request_services.help_request_transition(
                help_request=help_request,
                target=form.cleaned_data["target"],
                by=request.user,
                note=form.cleaned_data["note"],
                closure_reason=form.cleaned_data["closure_reason"],
            )
        return self.changed(help_request)


def _person_values(values: dict) -> dict:
    """The intake form's « who » part from the API's `resident` or `new_resident`."""
    new = values.get("new_resident") or {}
    chosen = values.get("resident")
    return {
        "resident": str(chosen) if chosen is not None else NEW,
        "first_name": new.get("first_name", ""),
        "last_name": new.get("last_name", ""),
        "birth_year": new.get("birth_year"),
        "any_phone": new.get("phone", ""),
        "address": new.get("address", ""),
        "address_complement": new.get("address_complement", ""),
        "postcode": new.get("postcode", ""),
        "city": new.get("city", ""),
        "confirm_new": new.get("confirm_new", False),
    }


def _request_values(values: dict) -> tuple[dict, dict]:
    """The intake form's request part (the category is named by its code in the API), and the
    error of an unknown code, reported with the forms' own."""
    category = HelpCategory.objects.filter(slug=values["category"], is_active=True).only("pk").first()
    request_values = {name: value for name, value in values.items() if name not in ("resident", "new_resident")}
    request_values["category"] = category.pk if category else ""
    unknown = {} if category else {"category": ["Catégorie inconnue : voir GET /api/v1/help-categories/."]}
    return request_values, unknown


# Residents --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Fiches d'habitant·es (par téléphone : ?phone=, par nom : ?q=)", tags=["Habitant·es"]),
    retrieve=extend_schema(summary="Une fiche d'habitant·e", tags=["Habitant·es"]),
)
class ResidentViewSet(ApiViewSet):
    api_kind = "residents"
    serializer_class = serializers.ResidentSerializer
    filterset_class = filters.ResidentFilter

    model = Resident

    def visible_rows(self, user):
        return access.residents(user).select_related("quartier").order_by("last_name", "first_name", "pk")

    @extend_schema(
        summary="Créer une fiche (une fiche semblable demande confirm_new)",
        tags=["Habitant·es"],
        request=serializers.ResidentCreateSerializer,
        responses={201: serializers.ResidentSerializer},
    )
    def create(self, request, *args, **kwargs):
        if not may_write(request.user, self.api_kind):
            raise PermissionDenied("Le rôle de cette clé ne permet pas de créer des fiches.")
        given = serializers.ResidentCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        residents = Resident.objects.visible_to(request.user).active()
        form = IntakeResidentForm(
            form_data(_person_values({"new_resident": given.validated_data})), residents=residents
        )
        require_valid((form, "", {"any_phone": "phone"}))
        resident = resident_create(data=form.new_person_data(), by=request.user)
        return self.created(request, Resident.objects.select_related("quartier").get(pk=resident.pk))


# Volunteers -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Volontaires", tags=["Volontaires"]),
    retrieve=extend_schema(summary="Un·e volontaire", tags=["Volontaires"]),
)
class VolunteerViewSet(ApiViewSet):
    api_kind = "volunteers"
    serializer_class = serializers.VolunteerSerializer
    filterset_class = filters.VolunteerFilter

    model = Volunteer

    def visible_rows(self, user):
        return access.volunteers(user).with_list_data().order_by("last_name", "first_name", "pk")

    @extend_schema(
        summary="Changer le statut d'un·e volontaire (valider, mettre en pause…)",
        tags=["Volontaires"],
        request=serializers.VolunteerStatusSerializer,
        responses={200: serializers.VolunteerSerializer},
    )
    @action(detail=True, methods=["post"])
    def status(self, request, *args, **kwargs):
        volunteer = self.get_object()
        given = serializers.VolunteerStatusSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with transition_refused_on("status"):
            volunteer_change_status(
                volunteer=volunteer,
                to_status=given.validated_data["status"],
                by=request.user,
                reason=given.validated_data.get("reason", ""),
            )
        return self.changed(volunteer)


# Supports and missions --------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Soutiens (un·e volontaire pour une demande)", tags=["Soutiens et missions"]),
    retrieve=extend_schema(summary="Un soutien", tags=["Soutiens et missions"]),
)
class SupportViewSet(ApiViewSet):
    api_kind = "missions"
    serializer_class = serializers.SupportSerializer
    filterset_class = filters.ApiSupportFilter

    model = Support

    def visible_rows(self, user):
        return access.supports(user).select_related("volunteer", "resident").order_by("-started_at", "-pk")


@extend_schema_view(
    list=extend_schema(summary="Missions (interventions datées)", tags=["Soutiens et missions"]),
    retrieve=extend_schema(summary="Une mission", tags=["Soutiens et missions"]),
)
class MissionViewSet(ApiViewSet):
    api_kind = "missions"
    serializer_class = serializers.MissionSerializer
    filterset_class = None

    model = Mission

    def visible_rows(self, user):
        return access.missions(user).order_by("-scheduled_at", "-pk")


# Needs and shifts -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Besoins ponctuels et leurs créneaux", tags=["Besoins ponctuels"]),
    retrieve=extend_schema(summary="Un besoin ponctuel", tags=["Besoins ponctuels"]),
)
class NeedViewSet(ApiViewSet):
    api_kind = "needs"
    audited = False  # no person in a need: its title, its place, its shifts
    serializer_class = serializers.NeedSerializer
    filterset_class = filters.NeedFilter

    model = Need

    def visible_rows(self, user):
        confirmed = models.Count("signups", filter=models.Q(signups__status=SignupStatus.CONFIRMED))
        shifts = Shift.objects.annotate(confirmed=confirmed).order_by("starts_at", "pk")
        return (
            access.needs(user)
            .select_related("organisation", "category", "quartier")
            .prefetch_related(models.Prefetch("shifts", queryset=shifts))
            .order_by("-created_at", "-pk")
        )


# Partners and their services (the public directory: no key needed) -----------------------------


@extend_schema_view(
    list=extend_schema(summary="Organisations partenaires validées (sans clé)", tags=["Partenaires"], auth=[]),
    retrieve=extend_schema(summary="Une organisation partenaire (sans clé)", tags=["Partenaires"], auth=[]),
)
class OrganisationViewSet(ApiViewSet):
    api_kind = "partners"
    public_read = True
    audited = False
    serializer_class = serializers.OrganisationSerializer
    filterset_class = filters.OrganisationFilter
    model = Organisation
    queryset = Organisation.objects.filter(status=OrganisationStatus.VALIDATED).order_by("name", "pk")


@extend_schema_view(
    list=extend_schema(summary="Services de l'annuaire public (sans clé)", tags=["Partenaires"], auth=[]),
    retrieve=extend_schema(summary="Un service de l'annuaire (sans clé)", tags=["Partenaires"], auth=[]),
)
class ServiceViewSet(ApiViewSet):
    api_kind = "partners"
    public_read = True
    audited = False
    serializer_class = serializers.ServiceSerializer
    filterset_class = filters.ServiceFilter
    model = Service
    queryset = Service.objects.public().select_related("organisation").order_by("name", "pk")


@extend_schema_view(
    list=extend_schema(summary="Catégories d'aide (sans clé)", tags=["Référentiels"], auth=[]),
    retrieve=extend_schema(summary="Une catégorie d'aide (sans clé)", tags=["Référentiels"], auth=[]),
)
class HelpCategoryViewSet(ApiViewSet):
    api_kind = "help_requests"
    public_read = True
    audited = False
    serializer_class = serializers.HelpCategorySerializer
    filterset_class = None
    lookup_field = "slug"
    lookup_value_regex = r"[-a-z0-9_]+"
    model = HelpCategory
    queryset = HelpCategory.objects.filter(is_active=True).order_by("order", "name")


# Campaigns: progress counts only ----------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Avancement des campagnes d'appels (chiffres seuls)", tags=["Campagnes"]),
    retrieve=extend_schema(summary="Avancement d'une campagne (chiffres seuls)", tags=["Campagnes"]),
)
class CampaignProgressViewSet(ApiViewSet):
    api_kind = "campaigns"
    audited = False  # counts, never who was called
    serializer_class = serializers.CampaignProgressSerializer
    filterset_class = None

    model = Campaign

    def visible_rows(self, user):
        return access.campaigns(user).order_by("-created_at", "-pk")

    def get_serializer(self, instance=None, *args, **kwargs):
        if instance is None:  # the OpenAPI description asks for the serializer alone
            return super().get_serializer(*args, **kwargs)
        rows = list(instance) if kwargs.get("many") else [instance]
        progress = campaigns_progress([row.pk for row in rows], timezone.now())
        for row in rows:
            row.counts = progress[row.pk]
        return super().get_serializer(instance, *args, **kwargs)


# Telephony: the switchboard reports its calls ---------------------------------------------------


class IncomingCallView(KnownMethodFirst, APIView):
    """One event of a call to the single number, in the provider's own format (`generic` JSON or
    `asterisk` form fields): the operator's intake screen shows the caller's file within a second; a
    missed call becomes a call to give back."""

    api_kind = "telephony"
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        summary="Signaler un appel entrant (sonnerie, décroché, raccroché, manqué)",
        tags=["Téléphonie"],
        request=serializers.CallReportSerializer,
        responses={200: serializers.CallSerializer},
    )
    def post(self, request, provider: str):
        parse = PARSERS.get(provider)
        if parse is None:
            raise NotFound("Opérateur téléphonique inconnu : generic ou asterisk.")
        if not may_write(request.user, self.api_kind):
            raise PermissionDenied("Le rôle de cette clé ne permet pas de signaler des appels.")
        try:
            report = parse(request.data)
        except ReportError as refused:
            field, separator, message = str(refused).partition(" : ")
            raise ValidationError({field: [message]} if separator else [str(refused)]) from refused
        call = call_report(provider=provider, report=report)
        return Response(serializers.CallSerializer(call).data)


@csrf_exempt  # answers every method with a 404 or a redirect, and changes nothing: no session form to protect
def unknown_address(request, *args, **kwargs) -> HttpResponse:
    """An address the API does not have: its JSON 404, whatever the method. As this route takes every
    /api/ address, it also does what Django's APPEND_SLASH would: an address of the API written
    without its final « / » is a permanent redirect for GET and HEAD (query string kept), a 404
    saying so for the other methods (a redirect would lose their body)."""
    if settings.APPEND_SLASH and not request.path_info.endswith("/") and _known_with_slash(request):
        if request.method in ("GET", "HEAD"):
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
        detail = MISSING_SLASH.format(address=f"{request.path}/")
    else:
        detail = UNKNOWN_ADDRESS
    return JsonResponse({"detail": detail, "errors": []}, status=404, json_dumps_params={"ensure_ascii": False})


def _known_with_slash(request) -> bool:
    """Whether the address, given its final « / », is one the API has (not this catch-all)."""
    try:
        match = resolve(f"{request.path_info}/", urlconf=getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.view_name != "api:unknown"
