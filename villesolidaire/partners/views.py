import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.perms import coordinator_required, operator_required, partner_required
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record as audit_record
from villesolidaire.core import limits
from villesolidaire.core.http import form_status, posted
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors
from villesolidaire.core.text import with_de
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.missions.enums import SupportStatus
from villesolidaire.missions.models import Support
from villesolidaire.partners import opendata, services
from villesolidaire.partners.forms import (
    ChangeDecisionForm,
    ContactForm,
    ImportForm,
    MapFilter,
    OrganisationCreateForm,
    OrganisationFilter,
    OrganisationForm,
    PartnerAccountForm,
    ProposalForm,
    RelayForm,
    ServiceForm,
    StatusChangeForm,
)
from villesolidaire.partners.models import (
    ORGANISATION_WORKFLOW,
    ChangeKind,
    ChangeStatus,
    Organisation,
    OrganisationContact,
    OrganisationStatus,
    PendingChange,
    Service,
)
from villesolidaire.partners.selectors import map_points, organisations_for_coordinators, public_services
from villesolidaire.partners.services import ORGANISATION_FIELDS, SERVICE_FIELDS, jsonable_values

MAP_LIST_PAGE_SIZE = 30  # the list under the map keeps its own page size
# A refused data·inclusion import lists this many of its errors on the form.
IMPORT_ERRORS_SHOWN = 20

# Public map and list ----------------------------------------------------------------------------


def _map_filter(request: HttpRequest) -> MapFilter:
    return MapFilter(request.GET or None, queryset=public_services())


def map_page(request: HttpRequest) -> HttpResponse:
    """The « cartographie de la générosité »: filters, a paginated list (works without
    JavaScript and without tiles) and a map filled from `map_data` by a static script."""
    filterset = _map_filter(request)
    services_qs = filterset.qs if filterset.is_valid() else public_services()
    page = paginate(request, services_qs, MAP_LIST_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page_obj": page,
        "map_data_url": f"{reverse('partners:map_data')}?{query.urlencode()}",
        "tiles_url": getattr(settings, "VS_MAP_TILES_URL", ""),
        "tiles_attribution": getattr(settings, "VS_MAP_TILES_ATTRIBUTION", ""),
    }
    return render(request, "partners/map.html", context)


@cache_control(public=True, max_age=60)
def map_data(request: HttpRequest) -> JsonResponse:
    filterset = _map_filter(request)
    if request.GET and not filterset.is_valid():
        return JsonResponse({"error": "Filtres invalides.", "points": []}, status=400)
    services_qs = filterset.qs if request.GET else public_services()
    return JsonResponse({"points": map_points(services_qs)})


def public_organisation(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.validated().select_related("quartier"), pk=pk)
    offered = organisation.services.filter(is_active=True).select_related("quartier").order_by("name", "pk")
    return render(request, "partners/public_organisation.html", {"organisation": organisation, "services": offered})


def propose(request: HttpRequest) -> HttpResponse:
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = limits.hit(request, "public_form", recipients=limits.contacts(form, "account_email", "contact_phone"))
        if wait:
            return limits.refuse_form(request, "partners/propose.html", {"form": form}, form=form, wait=wait)
        data = form.cleaned_data
        # An e-mail that already has an account gets the same answer (the service tells its owner).
        services.organisation_propose(
            organisation=form.save(commit=False),
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["account_email"],
            phone=data.get("contact_phone") or "",
            function=data.get("function", ""),
        )
        return redirect("partners:propose_thanks")
    return render(request, "partners/propose.html", {"form": form})


def propose_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/propose_thanks.html")


class PasswordSetupView(auth_views.PasswordResetConfirmView):
    """The invitation link: Django's password-reset check, then the staff sign-in (password,
    then the authenticator app to pair, as for every agent)."""

    template_name = "partners/password_setup.html"
    success_url = reverse_lazy("partners:password_setup_done")
    post_reset_login = False

    def dispatch(self, *args, **kwargs):
        # Checked before the parent handles anything: the link is for partner accounts only.
        user = self.get_user(kwargs["uidb64"])
        if user is not None and not user.has_role(Role.PARTNER):
            raise Http404
        return super().dispatch(*args, **kwargs)


def password_setup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/password_setup_done.html")


# Open data --------------------------------------------------------------------------------------


def _json_download(rows: list[dict], filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(rows, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


def open_data(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/open_data.html", {"source": opendata.data_source()})


def open_data_structures(request: HttpRequest) -> HttpResponse:
    return _json_download(opendata.export_structures(), "structures.json")


def open_data_services(request: HttpRequest) -> HttpResponse:
    return _json_download(opendata.export_services(), "services.json")


# Partner space ----------------------------------------------------------------------------------


def _own_organisation(request: HttpRequest, pk: int) -> Organisation:
    return get_object_or_404(Organisation.objects.of_user(request.user), pk=pk)


def _own_service(organisation: Organisation, pk: int) -> Service:
    return get_object_or_404(Service.objects.filter(organisation=organisation), pk=pk)


@partner_required
def partner_home(request: HttpRequest) -> HttpResponse:
    organisations = list(Organisation.objects.of_user(request.user).order_by("name"))
    if len(organisations) == 1:
        return redirect("partners:partner_organisation", organisations[0].pk)
    return render(request, "partners/partner_home.html", {"organisations": organisations})


@partner_required
def partner_organisation(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _own_organisation(request, pk)
    return render(
        request,
        "partners/partner_organisation.html",
        {
            "organisation": organisation,
            "services": organisation.services.order_by("name", "pk"),
            "changes": organisation.changes.pending().select_related("service"),
            "recent_decisions": organisation.changes.exclude(status=ChangeStatus.PENDING).order_by("-decided_at")[:5],
            "contacts": organisation.contacts.all(),
        },
    )


def _pending_initial(organisation: Organisation, target_key: str) -> dict | None:
    change = organisation.changes.pending().filter(target_key=target_key).first()
    return dict(change.proposed) if change else None


def _submitted_message(request: HttpRequest, change, *, unchanged: bool = False) -> None:
    if unchanged:
        messages.info(request, "Aucune modification : la version publiée reste affichée.")
    elif change is None:
        messages.success(request, "Les modifications sont enregistrées.")
    else:
        messages.success(
            request, "Les modifications sont transmises au CCAS : elles seront publiées après validation."
        )


@partner_required
def partner_organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _own_organisation(request, pk)
    pending = _pending_initial(organisation, "organisation")
    form = OrganisationForm(request.POST or None, instance=organisation, initial=pending)
    if request.method == "POST" and form.is_valid():
        values = jsonable_values(form.cleaned_data, ORGANISATION_FIELDS)
        # The form wrote the values on the instance: read the entry afresh before deciding.
        fresh = Organisation.objects.get(pk=organisation.pk)
        unchanged = fresh.is_public and not services.differs(fresh, values, ORGANISATION_FIELDS)
        change = services.organisation_submit(organisation=fresh, values=values, by=request.user)
        _submitted_message(request, change, unchanged=unchanged)
        return redirect("partners:partner_organisation", organisation.pk)
    return render(
        request,
        "partners/organisation_form.html",
        {
            "form": form,
            "organisation": organisation,
            "has_pending": pending is not None,
            "partner_edit": True,
            "title": f"Modifier la fiche {with_de(organisation.name)}",
            "cancel_url": reverse("partners:partner_organisation", args=[organisation.pk]),
        },
    )


@partner_required
def partner_service_edit(request: HttpRequest, pk: int, service_pk: int | None = None) -> HttpResponse:
    organisation = _own_organisation(request, pk)
    service = _own_service(organisation, service_pk) if service_pk else None
    pending = _pending_initial(organisation, f"service:{service.pk}") if service else None
    form = ServiceForm(request.POST or None, instance=service, initial=pending)
    if request.method == "POST" and form.is_valid():
        values = jsonable_values(form.cleaned_data, SERVICE_FIELDS)
        fresh = Service.objects.get(pk=service.pk) if service else None
        unchanged = bool(fresh) and organisation.is_public and not services.differs(fresh, values, SERVICE_FIELDS)
        change = services.service_submit(organisation=organisation, service=fresh, values=values, by=request.user)
        _submitted_message(request, change, unchanged=unchanged)
        return redirect("partners:partner_organisation", organisation.pk)
    return render(
        request,
        "partners/service_form.html",
        {
            "form": form,
            "organisation": organisation,
            "service": service,
            "has_pending": pending is not None,
            "cancel_url": reverse("partners:partner_organisation", args=[organisation.pk]),
        },
    )


@partner_required
def partner_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _own_organisation(request, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_add(organisation=organisation, contact=form.save(commit=False))
        messages.success(request, "Le contact est ajouté.")
        return redirect("partners:partner_organisation", organisation.pk)
    return render(request, "partners/contact_form.html", {"form": form, "organisation": organisation})


@partner_required
@require_POST
def partner_contact_delete(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    organisation = _own_organisation(request, pk)
    contact = get_object_or_404(OrganisationContact.objects.filter(organisation=organisation), pk=contact_pk)
    contact.delete()
    messages.success(request, "Le contact est retiré.")
    return redirect("partners:partner_organisation", organisation.pk)


# Coordinators -----------------------------------------------------------------------------------


@coordinator_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    filterset = OrganisationFilter(request.GET or None, queryset=organisations_for_coordinators())
    page = paginate(request, filterset.qs)
    pending_changes = PendingChange.objects.pending().count()
    pending_organisations = Organisation.objects.filter(status=OrganisationStatus.PENDING).count()
    return render(
        request,
        "partners/organisation_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "pending_changes": pending_changes,
            "pending_organisations": pending_organisations,
        },
    )


@coordinator_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = services.organisation_create(
                organisation=form.save(commit=False),
                by=request.user,
                partner_email=data.get("account_email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
        except IntegrityError:
            form.add_error("account_email", "Un compte existe déjà avec cette adresse e-mail.")
        else:
            messages.success(request, "L'organisation est créée et publiée.")
            return redirect("partners:organisation_detail", organisation.pk)
    return render(
        request,
        "partners/organisation_form.html",
        {
            "form": form,
            "title": "Nouvelle organisation partenaire",
            "cancel_url": reverse("partners:organisation_list"),
            "with_account": True,
        },
    )


def _detail_context(organisation: Organisation, status_form=None, account_form=None) -> dict:
    return {
        "organisation": organisation,
        "services": organisation.services.select_related("quartier").order_by("name", "pk"),
        "contacts": organisation.contacts.all(),
        "members": organisation.members.select_related("user"),
        "changes": organisation.changes.select_related("service", "submitted_by", "decided_by").order_by(
            "-submitted_at"
        ),
        "transitions": organisation.transitions.select_related("by"),
        "targets": ORGANISATION_WORKFLOW.allowed_targets(organisation.status),
        "status_form": status_form or StatusChangeForm(),
        "account_form": account_form or PartnerAccountForm(),
    }


@coordinator_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.select_related("quartier"), pk=pk)
    return render(request, "partners/organisation_detail.html", _detail_context(organisation))


@coordinator_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Coordinators edit the entry directly (no review of their own edits)."""
    organisation = get_object_or_404(Organisation, pk=pk)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        services.organisation_apply(
            organisation=Organisation.objects.get(pk=pk),
            values=jsonable_values(form.cleaned_data, ORGANISATION_FIELDS),
        )
        messages.success(request, "La fiche est mise à jour.")
        return redirect("partners:organisation_detail", pk)
    return render(
        request,
        "partners/organisation_form.html",
        {
            "form": form,
            "organisation": organisation,
            "title": f"Modifier {organisation.name}",
            "cancel_url": reverse("partners:organisation_detail", args=[pk]),
        },
    )


@coordinator_required
@require_POST
def organisation_status(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.select_related("quartier"), pk=pk)
    form = StatusChangeForm(request.POST)
    if form.is_valid():
        with form_service_errors(form, TransitionNotAllowed):
            services.organisation_change_status(
                organisation=organisation,
                to_status=form.target_status,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, "Le statut est mis à jour.")
            return redirect("partners:organisation_detail", pk)
    return render(
        request, "partners/organisation_detail.html", _detail_context(organisation, status_form=form), status=400
    )


@coordinator_required
@require_POST
def organisation_add_account(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.select_related("quartier"), pk=pk)
    form = PartnerAccountForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.partner_account_add(
                organisation=organisation,
                email=data["account_email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                by=request.user,
            )
        except IntegrityError:
            form.add_error("account_email", "Un compte existe déjà avec cette adresse e-mail.")
        else:
            messages.success(
                request,
                "Le compte partenaire est créé."
                + (
                    " Une invitation est envoyée."
                    if organisation.is_public
                    else " L'invitation partira à la validation de l'organisation."
                ),
            )
            return redirect("partners:organisation_detail", pk)
    return render(
        request, "partners/organisation_detail.html", _detail_context(organisation, account_form=form), status=400
    )


@coordinator_required
def change_list(request: HttpRequest) -> HttpResponse:
    changes = PendingChange.objects.pending().select_related("organisation", "service", "submitted_by")
    page = paginate(request, changes)
    return render(request, "partners/change_list.html", {"page_obj": page})


def _change_rows(change: PendingChange) -> list[dict]:
    """Current and proposed values side by side, changed ones first."""
    if change.kind == ChangeKind.ORGANISATION:
        current_record, form_class = change.organisation, OrganisationForm
    elif change.kind == ChangeKind.SERVICE_UPDATE and change.service:
        current_record, form_class = change.service, ServiceForm
    else:
        current_record, form_class = None, ServiceForm
    form = form_class()
    rows = []
    for name, proposed in change.proposed.items():
        field = form.fields.get(name)
        label = field.label if field else name
        current = getattr(current_record, name, "") if current_record else ""
        current = current.as_e164 if hasattr(current, "as_e164") else current
        rows.append(
            {
                "label": label,
                "current": _display(field, current),
                "proposed": _display(field, proposed),
                "changed": current_record is None or current != proposed,
            }
        )
    rows.sort(key=lambda row: not row["changed"])
    return rows


def _display(field, value) -> str:
    choices = dict(getattr(field, "flat_choices", None) or _flat(getattr(field, "choices", None) or []))
    if isinstance(value, list):
        return ", ".join(str(choices.get(item, item)) for item in value) or "—"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    return str(choices.get(value, value)) if value not in ("", None) else "—"


def _flat(choices) -> list:
    flat = []
    for key, value in choices:
        if isinstance(value, (list, tuple)):
            flat += list(value)
        else:
            flat.append((key, value))
    return flat


@coordinator_required
def change_review(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(
        PendingChange.objects.select_related("organisation", "service", "submitted_by", "decided_by"), pk=pk
    )
    form = ChangeDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, TransitionNotAllowed):
            services.change_decide(
                change=change,
                approve=form.cleaned_data["decision"] == "approve",
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, "La décision est enregistrée et le partenaire est prévenu.")
            return redirect("partners:change_list")
    return render(
        request,
        "partners/change_review.html",
        {"change": change, "rows": _change_rows(change), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@coordinator_required
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    report = refused = None
    if request.method == "POST" and form.is_valid():
        services_file = form.cleaned_data.get("services")
        try:
            report = opendata.import_files(
                form.cleaned_data["structures"].read(),
                services_file.read() if services_file else None,
                by=request.user,
            )
        except opendata.ImportRefused as error:
            # Told apart from the form's own errors: its heading counts every message of the files.
            refused = error
        else:
            audit_record(
                actor=request.user,
                action=AuditAction.IMPORT,
                target=Organisation,
                detail=f"Import data·inclusion : {report.summary}",
                request=request,
            )
    return render(
        request,
        "partners/import.html",
        {
            "form": form,
            "report": report,
            "refused": refused,
            "refused_errors": refused.first(IMPORT_ERRORS_SHOWN) if refused else [],
        },
        status=400 if request.method == "POST" and (form.errors or refused) else 200,
    )


# Relays: a request referred to a partner, a support handed over ---------------------------------


@operator_required
def request_refer(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a help request « Orientée vers un partenaire », naming the organisation."""
    help_request = get_object_or_404(
        HelpRequest.objects.visible_to(request.user).with_list_data().filter(referral__isnull=True), pk=pk
    )
    form = RelayForm(posted(request))
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, TransitionNotAllowed):
            referral = services.request_refer(
                help_request=help_request,
                organisation=form.cleaned_data["organisation"],
                by=request.user,
                note=form.cleaned_data["note"],
            )
            messages.success(request, f"Demande orientée vers {referral.organisation.name} et clôturée.")
            return redirect("help_requests:detail", help_request.pk)
    context = {"form": form, "help_request": help_request}
    return render(request, "partners/request_refer.html", context, status=form_status(form))


@coordinator_required
def support_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand a support over to an association when the town's dispositif closes."""
    support = get_object_or_404(Support.objects.with_list_data().filter(status=SupportStatus.ACTIVE), pk=pk)
    form = RelayForm(posted(request))
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, TransitionNotAllowed):
            handover = services.support_hand_over(
                support=support,
                organisation=form.cleaned_data["organisation"],
                by=request.user,
                note=form.cleaned_data["note"],
            )
            messages.success(request, f"Soutien transmis à {handover.organisation.name} ; la personne est prévenue.")
            return redirect("missions:support_detail", support.pk)
    context = {"form": form, "support": support}
    return render(request, "partners/support_hand_over.html", context, status=form_status(form))
