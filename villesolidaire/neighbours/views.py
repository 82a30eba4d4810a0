from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from villesolidaire.accounts.perms import coordinator_required, quartier_aware, volunteer_required, within_quartiers
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.core.http import form_status, posted
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors, service_errors
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.neighbours import services
from villesolidaire.neighbours.forms import (
    AlertForm,
    ConsentForm,
    NeighbourEditForm,
    NeighbourForm,
    NetworkFilter,
    NetworkForm,
    NetworkStatusForm,
    ReferentForm,
    StateRecordForm,
    VolunteerSearchForm,
    WithdrawConsentForm,
)
from villesolidaire.neighbours.models import Alert, ConsentEvent, Neighbour, Network
from villesolidaire.residents.models import Resident
from villesolidaire.volunteers.models import Volunteer

REFERENT_CHOICES = 20
RECORDS_PAGE_SIZE = 20  # a network's state records keep their own page size


def _row_id(text: str) -> int | None:
    """A primary key typed in a URL or a form, or None (a 30-digit number must not reach SQL)."""
    return int(text) if text.isdigit() and len(text) <= 18 else None


# Coordinators: networks -----------------------------------------------------------------------


@coordinator_required
@quartier_aware
def network_list(request: HttpRequest) -> HttpResponse:
    queryset = within_quartiers(Network.objects.with_list_data(), request.user).order_by("name", "pk")
    filterset = NetworkFilter(request.GET, queryset=queryset)
    rows = filterset.qs if filterset.is_valid() else queryset.none()
    page = paginate(request, rows)
    open_alerts = within_quartiers(Alert.objects.to_handle(), request.user, "network__quartier").count()
    return render(
        request, "neighbours/network_list.html", {"filter": filterset, "page_obj": page, "open_alerts": open_alerts}
    )


@coordinator_required
def network_create(request: HttpRequest) -> HttpResponse:
    form = NetworkForm(posted(request))
    if request.method == "POST" and form.is_valid():
        network = services.network_create(data=form.cleaned_data, by=request.user)
        messages.success(request, f"Le réseau « {network} » est créé. Nommez maintenant son ou sa référent·e.")
        return redirect("neighbours:referents", pk=network.pk)
    return render(request, "neighbours/network_form.html", {"form": form}, status=form_status(form))


def _network_or_404(pk: int, user=None) -> Network:
    networks = Network.objects.select_related("quartier", "referent", "co_referent", "created_by")
    if user is not None:
        networks = within_quartiers(networks, user)
    return get_object_or_404(networks, pk=pk)


@coordinator_required
@quartier_aware
def network_detail(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network_or_404(pk, request.user)
    context = _detail_context(network, NetworkStatusForm(network=network))
    return render(request, "neighbours/network_detail.html", context)


def _detail_context(network: Network, status_form: NetworkStatusForm) -> dict:
    return {
        "network": network,
        "neighbours": network.neighbours.select_related("resident", "consent_recorded_by"),
        "records": network.state_records.all()[:3],
        "record_count": network.state_records.count(),
        "alerts": network.alerts.with_list_data()[:20],
        "history": network.status_changes.select_related("by"),
        "status_form": status_form,
    }


@coordinator_required
def network_edit(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network_or_404(pk)
    form = NetworkForm(posted(request), initial=NetworkForm.initial_for(network))
    if request.method == "POST" and form.is_valid():
        services.network_update(network=network, data=form.cleaned_data, address_changed=form.address_changed())
        messages.success(request, "Le réseau est mis à jour.")
        return redirect("neighbours:detail", pk=network.pk)
    return render(
        request, "neighbours/network_form.html", {"form": form, "network": network}, status=form_status(form)
    )


@coordinator_required
@require_POST
def network_status(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network_or_404(pk)
    form = NetworkStatusForm(request.POST, network=network)
    if form.is_valid():
        with form_service_errors(form, TransitionNotAllowed):
            network = services.network_change_status(
                network=network,
                to_status=form.cleaned_data["target"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, f"Le réseau est maintenant « {network.get_status_display()} ».")
            return redirect("neighbours:detail", pk=network.pk)
    return render(request, "neighbours/network_detail.html", _detail_context(network, form), status=400)


def _referent_candidates(network: Network, search: VolunteerSearchForm, chosen: list[str]) -> list[Volunteer]:
    """Active volunteers found by name, or those of the network's quartier; the current and
    posted choices stay in the list so a new search never loses them."""
    active = Volunteer.objects.active().select_related("quartier")
    text = search.cleaned_data.get("q", "") if search.is_valid() else ""
    if text:
        rows = active.search_name(text)
    elif network.quartier_id:
        rows = active.filter(quartier=network.quartier_id)
    else:
        rows = active.none()
    candidates = list(rows.order_by("last_name", "first_name", "pk")[:REFERENT_CHOICES])
    keep = {str(pk) for pk in (network.referent_id, network.co_referent_id, *chosen) if pk}
    missing = keep - {str(v.pk) for v in candidates}
    ids = [number for number in map(_row_id, missing) if number is not None]
    if ids:
        candidates = list(active.filter(pk__in=ids)) + candidates
    return candidates


@coordinator_required
def network_referents(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network_or_404(pk)
    search = VolunteerSearchForm(request.GET or None)
    form = ReferentForm(
        posted(request), initial={"referent": network.referent_id, "co_referent": network.co_referent_id}
    )
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, ValidationError):
            services.network_set_referents(
                network=network,
                referent=form.cleaned_data["referent"],
                co_referent=form.cleaned_data["co_referent"],
                by=request.user,
            )
            messages.success(request, "Le ou la référent·e est enregistré·e.")
            return redirect("neighbours:detail", pk=network.pk)
    chosen = [request.POST.get("referent", ""), request.POST.get("co_referent", "")]
    context = {
        "network": network,
        "search": search,
        "form": form,
        "candidates": _referent_candidates(network, search, chosen),
        "referent_value": str(form["referent"].value() or ""),
        "co_referent_value": str(form["co_referent"].value() or ""),
    }
    return render(request, "neighbours/network_referents.html", context, status=form_status(form))


# Coordinators: neighbours and consent ---------------------------------------------------------


@coordinator_required
def neighbour_add(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network_or_404(pk)
    residents = Resident.objects.visible_to(request.user).active()
    form = NeighbourForm(posted(request), residents=residents)
    if request.method == "POST" and form.is_valid():
        neighbour = services.neighbour_add(
            network=network,
            data=form.cleaned_data,
            by=request.user,
            consent_method=form.cleaned_data["consent_method"],
            consent_at=form.consent_at,
        )
        messages.success(request, f"{neighbour} est ajouté·e au réseau ({_visibility(neighbour)}).")
        return redirect("neighbours:detail", pk=network.pk)
    return render(
        request, "neighbours/neighbour_form.html", {"form": form, "network": network}, status=form_status(form)
    )


def _visibility(neighbour: Neighbour) -> str:
    if neighbour.has_consent:
        return "visible du ou de la référent·e"
    return "invisible du ou de la référent·e tant que son accord n'est pas enregistré"


def _neighbour_or_404(pk: int) -> Neighbour:
    return get_object_or_404(Neighbour.objects.select_related("network", "resident"), pk=pk)


@coordinator_required
def neighbour_edit(request: HttpRequest, pk: int) -> HttpResponse:
    neighbour = _neighbour_or_404(pk)
    residents = Resident.objects.visible_to(request.user).active()
    form = NeighbourEditForm(posted(request), residents=residents, initial=NeighbourEditForm.initial_for(neighbour))
    if request.method == "POST" and form.is_valid():
        services.neighbour_update(neighbour=neighbour, data=form.cleaned_data)
        messages.success(request, f"La fiche de {neighbour} est mise à jour.")
        return redirect("neighbours:detail", pk=neighbour.network_id)
    context = {"form": form, "network": neighbour.network, "neighbour": neighbour}
    return render(request, "neighbours/neighbour_form.html", context, status=form_status(form))


@coordinator_required
def consent_record(request: HttpRequest, pk: int) -> HttpResponse:
    neighbour = _neighbour_or_404(pk)
    form = ConsentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, ValidationError):
            services.consent_record(
                neighbour=neighbour,
                method=form.cleaned_data["method"],
                at=form.consent_at,
                by=request.user,
                note=form.cleaned_data["note"],
            )
            messages.success(request, f"L'accord de {neighbour} est enregistré : le ou la référent·e peut la suivre.")
            return redirect("neighbours:detail", pk=neighbour.network_id)
    context = _consent_context(neighbour, form)
    return render(request, "neighbours/consent_form.html", context, status=form_status(form))


@coordinator_required
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    neighbour = _neighbour_or_404(pk)
    form = WithdrawConsentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, ValidationError):
            services.consent_withdraw(neighbour=neighbour, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, f"L'accord de {neighbour} est retiré : le ou la référent·e ne la voit plus.")
            return redirect("neighbours:detail", pk=neighbour.network_id)
    return render(
        request, "neighbours/consent_withdraw.html", _consent_context(neighbour, form), status=form_status(form)
    )


def _consent_context(neighbour: Neighbour, form) -> dict:
    events = ConsentEvent.objects.filter(neighbour=neighbour).select_related("by")
    return {"neighbour": neighbour, "network": neighbour.network, "form": form, "events": events}


# Coordinators: state records and alerts -------------------------------------------------------


@coordinator_required
def state_records(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network_or_404(pk)
    page = paginate(request, network.state_records.all(), RECORDS_PAGE_SIZE)
    return render(request, "neighbours/state_records.html", {"network": network, "page_obj": page})


@coordinator_required
@quartier_aware
def alert_list(request: HttpRequest) -> HttpResponse:
    """Alerts to relay, or all: a person limited to some quartiers (a building caretaker) sees
    those of the networks in their quartiers only."""
    to_handle = request.GET.get("etat") != "toutes"
    alerts = within_quartiers(Alert.objects.with_list_data(), request.user, "network__quartier")
    if to_handle:
        alerts = alerts.to_handle()
    page = paginate(request, alerts)
    return render(request, "neighbours/alert_list.html", {"page_obj": page, "to_handle": to_handle})


@coordinator_required
@require_POST
@quartier_aware
def alert_handled(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(within_quartiers(Alert.objects.all(), request.user, "network__quartier"), pk=pk)
    with service_errors(request, ValidationError):
        services.alert_mark_handled(alert=alert, by=request.user)
        messages.success(request, "L'alerte est marquée comme traitée.")
    return redirect("neighbours:alerts")


# Referent space -------------------------------------------------------------------------------


def _own_volunteer(request: HttpRequest) -> Volunteer:
    return get_object_or_404(Volunteer.objects.not_withdrawn(), user=request.user)


def _led_network_or_404(request: HttpRequest, pk: int) -> tuple[Volunteer, Network]:
    """A network the signed-in volunteer leads; any other network is a 404."""
    volunteer = _own_volunteer(request)
    network = get_object_or_404(Network.objects.for_referent(volunteer).select_related("quartier"), pk=pk)
    return volunteer, network


@volunteer_required
def referent_networks(request: HttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    networks = Network.objects.for_referent(volunteer).with_list_data()
    return render(request, "neighbours/referent_networks.html", {"volunteer": volunteer, "networks": networks})


@volunteer_required
def referent_network(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer, network = _led_network_or_404(request, pk)
    # A volunteer reading other people's names and phones: logged like a staff read.
    record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=network,
        fields=["neighbours"],
        detail="espace référent : voisin·es suivi·es",
        request=request,
    )
    context = {
        "volunteer": volunteer,
        "network": network,
        # Only neighbours whose consent is current: the others do not exist for the referent.
        "neighbours": network.neighbours.consenting(),
        "records": network.state_records.all()[:5],
        "alerts": network.alerts.filter(raised_by=volunteer).select_related("neighbour")[:10],
    }
    return render(request, "neighbours/referent_network.html", context)


@volunteer_required
def referent_state_record(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer, network = _led_network_or_404(request, pk)
    form = StateRecordForm(posted(request))
    if request.method == "POST" and not network.is_active:
        form.add_error(None, "Ce réseau est en pause : l'état des lieux n'a pas été enregistré.")
    elif request.method == "POST" and form.is_valid():
        try:
            services.state_record_add(network=network, data=form.cleaned_data, by=request.user)
        except ValidationError as error:
            form.add_error("visited_on", error)
        else:
            messages.success(request, "Merci ! L'état des lieux et des liens est enregistré.")
            return redirect("neighbours:referent_network", pk=network.pk)
    return render(
        request, "neighbours/referent_state_record.html", {"network": network, "form": form}, status=form_status(form)
    )


@volunteer_required
def referent_alert(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer, network = _led_network_or_404(request, pk)
    neighbours = network.neighbours.consenting()
    form = AlertForm(posted(request), neighbours=neighbours, initial=_alert_initial(request, neighbours))
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, ValidationError):
            alert = services.alert_raise(
                network=network,
                volunteer=volunteer,
                text=form.cleaned_data["text"],
                urgency=form.cleaned_data["urgency"],
                neighbour=form.cleaned_data["neighbour"],
                category=form.cleaned_data["category"],
                person_agrees=form.cleaned_data["person_agrees"],
            )
            messages.success(request, _alert_sent_message(alert))
            return redirect("neighbours:referent_network", pk=network.pk)
    return render(
        request, "neighbours/referent_alert.html", {"network": network, "form": form}, status=form_status(form)
    )


def _alert_initial(request: HttpRequest, neighbours) -> dict:
    chosen = _row_id(request.GET.get("voisin", ""))
    return {"neighbour": chosen} if chosen and neighbours.filter(pk=chosen).exists() else {}


def _alert_sent_message(alert: Alert) -> str:
    if alert.help_request_id:
        return (
            f"Alerte transmise au CCAS : demande n° {alert.help_request_id} ouverte pour {alert.neighbour}. "
            "Les coordinateur·rices vont la traiter."
        )
    return "Alerte transmise au CCAS. Les coordinateur·rices vont la traiter."
