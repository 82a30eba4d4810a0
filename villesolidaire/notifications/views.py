"""Coordinators see what was sent and what failed; operators work through the calls to make."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.perms import coordinator_required, operator_required
from villesolidaire.core.http import safe_next
from villesolidaire.core.pagination import paginate
from villesolidaire.notifications import services
from villesolidaire.notifications.filters import MessageFilter
from villesolidaire.notifications.forms import CallOutcomeForm
from villesolidaire.notifications.models import CallTask, CallTaskStatus, Message, MessageStatus

LIST_FIELDS = (
    "pk",
    "channel",
    "recipient",
    "subject",
    "kind",
    "status",
    "attempts",
    "last_error",
    "created_at",
    "sent_at",
    "next_attempt_at",
    "provider_id",
)


@coordinator_required
@require_GET
def failures(request: HttpRequest) -> HttpResponse:
    rows = (
        Message.objects.filter(status__in=(MessageStatus.FAILED, MessageStatus.RETRYING))
        .only(*LIST_FIELDS)
        .order_by("-created_at", "-pk")
    )
    page = paginate(request, rows)
    return render(request, "notifications/failures.html", {"page_obj": page, "messages_page": page.object_list})


@coordinator_required
@require_GET
def message_log(request: HttpRequest) -> HttpResponse:
    # Bodies carry magic links and accept links: only administrators may read them.
    show_bodies = request.user.has_role(Role.ADMIN)
    fields = (*LIST_FIELDS, "body") if show_bodies else LIST_FIELDS
    messages_log = Message.objects.only(*fields).order_by("-created_at", "-pk")
    filterset = MessageFilter(request.GET or None, queryset=messages_log)
    # Unknown values are reported on the form and the whole log is shown.
    page = paginate(request, filterset.qs if filterset.is_valid() else messages_log)
    return render(
        request,
        "notifications/message_log.html",
        {"form": filterset.form, "page_obj": page, "messages_page": page.object_list, "show_bodies": show_bodies},
    )


@coordinator_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=pk)
    if services.message_resend(message=message, by=request.user):
        messages.success(request, f"Le message à {message.shown_recipient} est de nouveau en file d'envoi.")
    else:
        messages.info(request, "Ce message n'est plus en échec : il a été envoyé ou est déjà en file d'envoi.")
    return redirect(safe_next(request, request.POST.get("next", ""), default=reverse("notifications:failures")))


def _open_call_tasks():
    return (
        CallTask.objects.filter(status=CallTaskStatus.OPEN)
        .select_related("resident")
        .only(
            "pk",
            "reason",
            "kind",
            "created_at",
            "help_request_id",
            "support_id",
            "resident__id",
            "resident__first_name",
            "resident__last_name",
            "resident__phone",
            "resident__mobile",
        )
        .order_by("created_at", "pk")
    )


def _render_call_tasks(
    request: HttpRequest, *, error_task: int | None = None, error_form=None, status=200
) -> HttpResponse:
    page = paginate(request, _open_call_tasks())
    return render(
        request,
        "notifications/call_tasks.html",
        {
            "page_obj": page,
            "call_tasks": page.object_list,
            "open_count": page.paginator.count,
            "error_task": error_task,
            "error_form": error_form,
        },
        status=status,
    )


@operator_required
@require_GET
def call_tasks(request: HttpRequest) -> HttpResponse:
    return _render_call_tasks(request)


@operator_required
@require_POST
def call_task_done(request: HttpRequest, pk: int) -> HttpResponse:
    call_task = get_object_or_404(CallTask.objects.select_related("resident"), pk=pk)
    form = CallOutcomeForm(request.POST, auto_id=f"resultat-{call_task.pk}-%s")
    if not form.is_valid():
        return _render_call_tasks(request, error_task=call_task.pk, error_form=form)
    if services.call_task_done(call_task=call_task, by=request.user, outcome=form.cleaned_data["outcome"]):
        messages.success(request, f"Appel à {call_task.resident} noté comme fait.")
    else:
        messages.info(request, f"L'appel à {call_task.resident} avait déjà été noté comme fait.")
    return redirect("notifications:call_tasks")
