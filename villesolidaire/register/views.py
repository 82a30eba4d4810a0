"""Register screens. Every staff view is reserved to named register officers (404 for anyone
else, administrators included) and logs its read or write to the audit journal; the register
roles' designations are also open to administrators (they hold no register data)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from villesolidaire.accounts.enums import REGISTER_ROLES, Role
from villesolidaire.accounts.models import RoleGrant
from villesolidaire.accounts.perms import quartier_aware, register_officer_required, role_required, within_quartiers
from villesolidaire.audit import services as audit
from villesolidaire.audit.models import AuditAction
from villesolidaire.core import limits
from villesolidaire.core.exports import download
from villesolidaire.core.http import form_status, posted
from villesolidaire.core.pagination import paginate
from villesolidaire.core.pdf import pdf_response
from villesolidaire.core.service_errors import form_service_errors, service_errors
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.register import documents, services
from villesolidaire.register.designations import (
    DesignationError,
    credential_changes_by_admins,
    designation_approve,
    designation_propose,
    designation_refuse,
)
from villesolidaire.register.filters import ConfirmationDueFilter, EntryFilter
from villesolidaire.register.forms.designation import DesignationForm
from villesolidaire.register.forms.entry import EntryForm
from villesolidaire.register.forms.extras import ExtrasForm, LinkResidentForm
from villesolidaire.register.forms.list_import import ImportForm
from villesolidaire.register.forms.prefect_transmission import ExportForm
from villesolidaire.register.forms.public import PublicEntryForm
from villesolidaire.register.forms.transitions import ConfirmForm, ObjectionForm, RemovalForm
from villesolidaire.register.imports import parse_file
from villesolidaire.register.models import (
    ACKNOWLEDGEMENT_DELAY_DAYS,
    R121_4_FIELDS,
    TRANSMITTED_ORIGINS,
    DesignationStatus,
    EntryStatus,
    PrefectTransmission,
    RegisterEntry,
    RegisterExtras,
    RegisterImport,
    RoleDesignation,
)
from villesolidaire.residents.forms import ResidentSearchForm
from villesolidaire.residents.models import Resident

LIST_COLUMNS = ["last_name", "first_names", "status", "ground", "origin", "quartier", "request_date"]
DETAIL_FIELDS = [*R121_4_FIELDS, "origin", "status", "notes", "quartier", "is_located"]
EXTRAS_DISPLAY = ["lives_alone", "needs_fan", "has_remote_alarm", "door_code", "health_notes", "absences"]
PUBLIC_SESSION_KEY = "register_public_sent"
MAX_LETTERS = 500


def _entry_or_404(pk: int, user=None) -> RegisterEntry:
    entries = RegisterEntry.objects.all() if user is None else within_quartiers(RegisterEntry.objects.all(), user)
    return get_object_or_404(entries.select_related("quartier", "resident", "created_by"), pk=pk)


def _log(request: HttpRequest, action: str, target, fields=(), detail: str = "") -> None:
    services.log_read(actor=request.user, action=action, target=target, fields=fields, detail=detail, request=request)


# Lists ----------------------------------------------------------------------------------------


@register_officer_required
@require_GET
@quartier_aware
def entry_list(request: HttpRequest) -> HttpResponse:
    # Always bound: no criteria lists every entry but the removed ones.
    entries = within_quartiers(RegisterEntry.objects.select_related("quartier"), request.user)
    filterset = EntryFilter(request.GET, queryset=entries)
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    # A name search comes ranked, the closest names first; any other list, the latest requests first.
    page = paginate(request, rows if filterset.is_name_search else rows.order_by("-request_date", "-pk"))
    kind = filterset.search_kind
    if kind:
        _log(
            request,
            AuditAction.SEARCH,
            RegisterEntry,
            fields=LIST_COLUMNS,
            detail=f"recherche par {kind} : {page.paginator.count} résultat(s)",
        )
    else:
        _log(
            request,
            AuditAction.LIST,
            RegisterEntry,
            fields=LIST_COLUMNS,
            detail=f"liste, page {page.number}, {page.paginator.count} inscription(s)",
        )
    context = {
        "form": filterset.form,
        "page_obj": page,
        "searched": bool(kind),
        "ranked": filterset.is_name_search,
        "today": timezone.localdate(),
    }
    return render(request, "register/list.html", context)


@register_officer_required
@require_GET
def acknowledgements_due(request: HttpRequest) -> HttpResponse:
    rows = (
        RegisterEntry.objects.acknowledgement_due().exclude(origin__in=TRANSMITTED_ORIGINS).select_related("quartier")
    )
    page = paginate(request, rows)
    pre_registrations = (
        RegisterEntry.objects.filter(status=EntryStatus.RECEIVED, origin__in=TRANSMITTED_ORIGINS)
        .select_related("quartier")
        .order_by("informed_at", "pk")
    )
    _log(
        request,
        AuditAction.LIST,
        RegisterEntry,
        fields=LIST_COLUMNS,
        detail=f"accusés de réception à envoyer, page {page.number}",
    )
    context = {
        "page_obj": page,
        "today": timezone.localdate(),
        "delay": ACKNOWLEDGEMENT_DELAY_DAYS,
        "pre_registrations": pre_registrations[:200],
        "objection_days": settings.VS_REGISTER_OBJECTION_DAYS,
    }
    return render(request, "register/acknowledgements_due.html", context)


@register_officer_required
@require_GET
def confirmation_due(request: HttpRequest) -> HttpResponse:
    # Always bound, so that the default date applies to an empty form too.
    filterset = ConfirmationDueFilter(request.GET, queryset=RegisterEntry.objects.select_related("quartier"))
    since = filterset.since_date()
    rows = filterset.qs.order_by("confirmed_on", "pk")
    if request.GET.get("format") == "pdf":
        entries = list(rows[:MAX_LETTERS])
        _log(
            request,
            AuditAction.PRINT,
            RegisterEntry,
            fields=R121_4_FIELDS,
            detail=f"lettres de confirmation annuelle : {len(entries)}",
        )
        return pdf_response(documents.confirmation_letters(entries), "lettres-confirmation-registre.pdf")
    page = paginate(request, rows)
    _log(
        request,
        AuditAction.LIST,
        RegisterEntry,
        fields=LIST_COLUMNS,
        detail=f"confirmations annuelles à faire, page {page.number}",
    )
    context = {"form": filterset.form, "page_obj": page, "since": since, "max_letters": MAX_LETTERS}
    return render(request, "register/confirmation_due.html", context)


# One entry ------------------------------------------------------------------------------------


def _detail_context(entry: RegisterEntry, **extra) -> dict:
    return {
        "entry": entry,
        "extras": RegisterExtras.objects.filter(entry=entry).first(),
        "transitions": entry.transitions.select_related("by"),
        "removal_form": extra.pop("removal_form", None) or RemovalForm(),
        "confirm_form": ConfirmForm(),
        "can_acknowledge": entry.status == EntryStatus.RECEIVED and entry.origin not in TRANSMITTED_ORIGINS,
        **extra,
    }


@register_officer_required
@require_GET
@quartier_aware
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk, request.user)
    context = _detail_context(entry)
    shown = list(DETAIL_FIELDS) + ([f"extras.{n}" for n in EXTRAS_DISPLAY] if context["extras"] else [])
    _log(request, AuditAction.VIEW, entry, fields=shown, detail="fiche")
    return render(request, "register/detail.html", context)


@register_officer_required
def entry_create(request: HttpRequest) -> HttpResponse:
    form = EntryForm(request.POST or None)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(
                data=form.cleaned_data,
                by=request.user,
                request=request,
                allow_duplicate=form.cleaned_data.get("confirm_other_person", False),
            )
        except services.DuplicateEntry as error:
            duplicates = error.matches
            form.add_error(None, str(error))
        except services.RegisterError as error:
            form.add_error(None, str(error))
        else:
            if entry.address and not entry.is_located:
                messages.warning(request, "Adresse introuvable : elle est gardée telle que saisie, sans quartier.")
            messages.success(
                request,
                f"Inscription n° {entry.pk} enregistrée. Envoyez l'accusé de réception avant "
                f"le {entry.acknowledgement_due_on:%d/%m/%Y}.",
            )
            return redirect("register:detail", pk=entry.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "register/entry_form.html", {"form": form, "duplicates": duplicates}, status=status)


@register_officer_required
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk)
    if entry.is_removed:
        messages.error(request, "Cette inscription est radiée : elle ne peut plus être modifiée.")
        return redirect("register:detail", pk=entry.pk)
    form = EntryForm(request.POST or None, entry=entry)
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, services.RegisterError):
            changed = services.entry_update(entry=entry, data=form.cleaned_data, by=request.user, request=request)
            entry.refresh_from_db()
            if changed and entry.address and not entry.is_located:
                messages.warning(request, "Adresse introuvable : elle est gardée telle que saisie, sans quartier.")
            messages.success(request, "L'inscription a été corrigée." if changed else "Aucune modification.")
            return redirect("register:detail", pk=entry.pk)
    else:
        _log(request, AuditAction.VIEW, entry, fields=DETAIL_FIELDS, detail="formulaire de correction")
    status = 400 if request.method == "POST" else 200
    return render(request, "register/entry_form.html", {"form": form, "entry": entry}, status=status)


@register_officer_required
@require_POST
def entry_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk)
    with service_errors(request, services.RegisterError, TransitionNotAllowed):
        services.entry_acknowledge(entry=entry, by=request.user, request=request)
        messages.success(
            request, "Accusé de réception enregistré : la personne est inscrite. Imprimez la lettre et envoyez-la."
        )
    return redirect("register:detail", pk=entry.pk)


@register_officer_required
@require_GET
def acknowledgement_letter(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk)
    if entry.is_removed or entry.origin in TRANSMITTED_ORIGINS:
        messages.error(request, "Pas d'accusé de réception pour cette inscription.")
        return redirect("register:detail", pk=entry.pk)
    _log(request, AuditAction.PRINT, entry, fields=R121_4_FIELDS, detail="accusé de réception (PDF)")
    return pdf_response(documents.acknowledgement_letters([entry]), f"accuse-reception-{entry.pk}.pdf")


@register_officer_required
@require_GET
def information_letter(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk)
    if not entry.is_pre_registration:
        messages.error(request, "La lettre d'information concerne les pré-inscriptions transmises en attente.")
        return redirect("register:detail", pk=entry.pk)
    services.mark_informed(entries=[entry], by=request.user, request=request)
    return pdf_response(documents.information_letters([entry]), f"information-{entry.pk}.pdf")


@register_officer_required
@require_GET
def confirmation_letter(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk)
    if entry.status != EntryStatus.REGISTERED:
        messages.error(request, "La lettre de confirmation concerne les inscriptions actives.")
        return redirect("register:detail", pk=entry.pk)
    _log(request, AuditAction.PRINT, entry, fields=R121_4_FIELDS, detail="lettre de confirmation annuelle (PDF)")
    return pdf_response(documents.confirmation_letters([entry]), f"confirmation-{entry.pk}.pdf")


@register_officer_required
@require_POST
def entry_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("on", ["Date invalide."])))
        return redirect("register:detail", pk=entry.pk)
    with service_errors(request, services.RegisterError):
        services.entry_confirm(entry=entry, by=request.user, on=form.cleaned_data["on"], request=request)
        messages.success(request, "Confirmation annuelle enregistrée.")
    if request.POST.get("next") == "due":
        return redirect("register:confirmation_due")
    return redirect("register:detail", pk=entry.pk)


def _removal_view(request: HttpRequest, pk: int, form_class, template: str) -> HttpResponse:
    entry = _entry_or_404(pk)
    if entry.is_removed:
        messages.error(request, "Cette inscription est déjà radiée.")
        return redirect("register:detail", pk=entry.pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, services.RegisterError, TransitionNotAllowed):
            services.entry_remove(
                entry=entry,
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
                on=form.cleaned_data["on"],
            )
            messages.success(
                request,
                "Inscription radiée : les données personnelles ont été effacées, la trace de la radiation est gardée.",
            )
            return redirect("register:detail", pk=entry.pk)
    else:
        _log(request, AuditAction.VIEW, entry, fields=["last_name", "first_names", "status"], detail=template)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "register/removal.html",
        {"entry": entry, "form": form, "template": template, "purge_days": settings.VS_REGISTER_REMOVED_PURGE_DAYS},
        status=status,
    )


@register_officer_required
def entry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _removal_view(request, pk, RemovalForm, "radiation")


@register_officer_required
def entry_objection(request: HttpRequest, pk: int) -> HttpResponse:
    return _removal_view(request, pk, ObjectionForm, "opposition")


# Consent-based extras and resident link -------------------------------------------------------


@register_officer_required
def entry_extras(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk)
    if entry.is_removed:
        messages.error(request, "Cette inscription est radiée.")
        return redirect("register:detail", pk=entry.pk)
    extras = RegisterExtras.objects.filter(entry=entry).first()
    initial = {name: getattr(extras, name) for name in services.EXTRAS_FIELDS} if extras else {}
    form = ExtrasForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.extras_save(entry=entry, data=form.cleaned_data, by=request.user, request=request)
        messages.success(request, "Informations complémentaires enregistrées (avec l'accord de la personne).")
        return redirect("register:detail", pk=entry.pk)
    if request.method != "POST":
        _log(
            request,
            AuditAction.VIEW,
            entry,
            fields=[f"extras.{n}" for n in services.EXTRAS_FIELDS],
            detail="informations complémentaires",
        )
    status = 400 if request.method == "POST" else 200
    return render(request, "register/extras.html", {"entry": entry, "extras": extras, "form": form}, status=status)


@register_officer_required
@require_POST
def extras_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk)
    if services.extras_withdraw(entry=entry, by=request.user, request=request):
        messages.success(request, "Accord retiré : les informations complémentaires ont été supprimées.")
    return redirect("register:detail", pk=entry.pk)


@register_officer_required
def link_resident(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk)
    if entry.is_removed:
        messages.error(request, "Cette inscription est radiée.")
        return redirect("register:detail", pk=entry.pk)
    residents = Resident.objects.active()
    search = ResidentSearchForm(request.GET or None)
    form = LinkResidentForm(request.POST or None, residents=residents)
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, services.RegisterError):
            services.link_resident(
                entry=entry,
                resident=form.cleaned_data["resident"],
                consent_on=form.cleaned_data["consent_on"],
                by=request.user,
                request=request,
            )
            messages.success(request, "La fiche habitant·e est liée à l'inscription.")
            return redirect("register:detail", pk=entry.pk)
    results = search.results(residents)
    chosen = request.POST.get("resident", "")
    if chosen.isdigit() and all(str(r.pk) != chosen for r in results):
        results = list(residents.filter(pk=chosen).select_related("quartier")) + results
    status = 400 if request.method == "POST" else 200
    context = {"entry": entry, "search": search, "form": form, "results": results, "chosen": chosen}
    return render(request, "register/link_resident.html", context, status=status)


@register_officer_required
@require_POST
def unlink_resident(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk)
    services.unlink_resident(entry=entry, by=request.user, request=request)
    messages.success(request, "Le lien avec la fiche habitant·e a été retiré.")
    return redirect("register:detail", pk=entry.pk)


# The person's rights --------------------------------------------------------------------------


@register_officer_required
@require_GET
def entry_dossier(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(pk)
    data = services.dossier(entry)
    as_json = request.GET.get("format") == "json"
    fields = [*R121_4_FIELDS, "extras", "transitions", "audit"]
    _log(
        request,
        AuditAction.EXPORT if as_json else AuditAction.VIEW,
        entry,
        fields=fields,
        detail="dossier complet (droit d'accès), JSON" if as_json else "dossier complet (droit d'accès)",
    )
    if as_json:
        response = JsonResponse(services.dossier_json(data), json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="registre-dossier-{entry.pk}.json"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "register/dossier.html", {**data, "printed_at": timezone.now()})


# Import and export ----------------------------------------------------------------------------


@register_officer_required
def import_list(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        parsed = parse_file(upload.read())
        errors = parsed.errors
        if parsed.is_valid:
            result = services.import_rows(
                rows=parsed.rows,
                origin=form.cleaned_data["origin"],
                by=request.user,
                file_name=upload.name,
                request=request,
            )
            skipped = (
                f" {len(result.skipped)} doublon(s) ignoré(s) (lignes {', '.join(map(str, result.skipped[:30]))})."
                if result.skipped
                else ""
            )
            messages.success(
                request,
                f"{len(result.created)} pré-inscription(s) créée(s).{skipped} Imprimez les lettres d'information.",
            )
            return redirect("register:import_detail", pk=result.batch.pk)
        if not errors:
            errors = ["Le fichier ne contient aucune ligne à importer."]
    imports = RegisterImport.objects.select_related("imported_by")[:20]
    status = 400 if request.method == "POST" else 200
    return render(request, "register/import.html", {"form": form, "errors": errors, "imports": imports}, status=status)


@register_officer_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(RegisterImport.objects.select_related("imported_by"), pk=pk)
    entries = batch.entries.select_related("quartier").order_by("pk")
    if request.GET.get("format") == "pdf":
        letters = [e for e in entries if e.is_pre_registration]
        services.mark_informed(entries=letters, by=request.user, request=request)
        return pdf_response(documents.information_letters(letters), f"lettres-information-import-{batch.pk}.pdf")
    _log(
        request,
        AuditAction.LIST,
        RegisterEntry,
        fields=LIST_COLUMNS,
        detail=f"pré-inscriptions de l'import n° {batch.pk}",
    )
    page = paginate(request, entries)
    return render(
        request,
        "register/import_detail.html",
        {"batch": batch, "page_obj": page, "objection_days": settings.VS_REGISTER_OBJECTION_DAYS},
    )


@register_officer_required
def prefect_export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        transmission, table = services.prefect_export(
            episode=form.cleaned_data["episode"],
            requested_by=form.cleaned_data["requested_by"],
            reason=form.cleaned_data["reason"],
            fmt=form.cleaned_data["format"],
            by=request.user,
            request=request,
        )
        stamp = timezone.localtime(transmission.exported_at).strftime("%Y%m%d-%H%M")
        return download(transmission.format, [table], f"registre-prefet-{stamp}")
    transmissions = PrefectTransmission.objects.select_related("episode", "exported_by")[:50]
    context = {
        "form": form,
        "transmissions": transmissions,
        "current_count": RegisterEntry.objects.current().count(),
        "headers": services.export_headers(),
    }
    return render(request, "register/prefect_export.html", context, status=form_status(form))


# Register roles: two people and the mayor's decision (register.designations) -------------------
# Administrators reach these pages (to propose designations) but never the register itself.


# A newer account is checked with its owner before approving (fourth walkthrough).
RECENT_ACCOUNT_DAYS = 90


@role_required(Role.REGISTER_OFFICER)
def designations(request: HttpRequest) -> HttpResponse:
    form = DesignationForm(posted(request), initial=request.GET.dict() or None)
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, DesignationError):
            designation_propose(
                user=form.user,
                role=form.cleaned_data["role"],
                kind=form.cleaned_data["kind"],
                designated_by=form.cleaned_data["designated_by"],
                decision_reference=form.cleaned_data["decision_reference"],
                decision_date=form.cleaned_data["decision_date"],
                by=request.user,
                request=request,
            )
            messages.success(request, "Demande enregistrée : une autre personne doit maintenant l'approuver.")
            return redirect("register:designations")
    rows = RoleDesignation.objects.select_related("user", "proposed_by", "decided_by")
    pending = list(rows.filter(status=DesignationStatus.PROPOSED))
    changed_by_admins = credential_changes_by_admins([d.user_id for d in pending])
    recent = timezone.now() - datetime.timedelta(days=RECENT_ACCOUNT_DAYS)
    for designation in pending:
        designation.credentials_changed_by_admin_at = changed_by_admins.get(designation.user_id)
        # However it was made (partner pages, invitation), a new account is checked with its owner.
        designation.account_is_recent = designation.user.date_joined >= recent
    context = {
        "form": form,
        "pending": pending,
        "is_register_officer": request.user.has_role(Role.REGISTER_OFFICER),
        "holders": RoleGrant.objects.filter(role__in=REGISTER_ROLES).select_related("user").order_by("role", "user"),
        "page_obj": paginate(request, rows.exclude(status=DesignationStatus.PROPOSED)),
    }
    audit.record(actor=request.user, action=AuditAction.LIST, target=RoleDesignation, request=request)
    return render(request, "register/designations.html", context, status=form_status(form))


@role_required(Role.REGISTER_OFFICER)
@require_POST
def designation_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    designation = get_object_or_404(RoleDesignation, pk=pk)
    decide = designation_approve if decision == "approve" else designation_refuse
    with service_errors(request, DesignationError):
        decide(designation=designation, by=request.user, request=request)
        messages.success(request, "Demande approuvée." if decision == "approve" else "Demande refusée.")
    return redirect("register:designations")


# Public pages ---------------------------------------------------------------------------------


def public_form(request: HttpRequest) -> HttpResponse:
    form = PublicEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = limits.hit(request, "public_form", recipients=limits.contacts(form, "phone"))
        if wait:
            return limits.refuse_form(request, "register/public_form.html", {"form": form}, form=form, wait=wait)
        services.entry_create(data=form.entry_data(), by=None, request=request, flag_duplicates=True)
        request.session[PUBLIC_SESSION_KEY] = True
        return redirect("register:public_confirmation")
    return render(request, "register/public_form.html", {"form": form}, status=form_status(form))


def public_confirmation(request: HttpRequest) -> HttpResponse:
    # The same page whatever happened: it never tells whether someone was already registered.
    if not request.session.pop(PUBLIC_SESSION_KEY, False):
        return redirect("register:public_form")
    return render(request, "register/public_confirmation.html")


@require_GET
def paper_form(request: HttpRequest) -> HttpResponse:
    return pdf_response(documents.paper_form(), "formulaire-inscription-registre.pdf", inline=True)
