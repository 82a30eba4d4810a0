"""One way for a view to call a service that may refuse: show the refusal, carry on.

    with service_errors(request, NeedError):
        services.shift_delete(shift=shift)
        messages.success(request, "Créneau supprimé.")
    return redirect(...)

A refusal (one of the exception classes given) becomes a `messages.error` with the exception's
French message and the rest of the block is skipped; the view then redirects as usual. Anything
else propagates. `outcome.failed` tells a view that redirects elsewhere after a refusal.

A view that shows its form again instead puts the refusal on the form, above its fields:

    if form.is_valid():
        with form_service_errors(form, TransitionNotAllowed):
            services.volunteer_change_status(volunteer=volunteer, ...)
            messages.success(request, "Le statut est mis à jour.")
            return redirect(...)
    return render(request, "volunteers/detail.html", {"form": form, ...}, status=400)

A service whose insert a unique constraint may refuse (a double submit, a concurrent twin) makes
that refusal its own French one, in a savepoint that keeps the outer transaction usable:

    with duplicate_refused(CampaignError("Cette personne est déjà habilitée.")):
        accreditation = CallerAccreditation.objects.create(...)
"""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest


@dataclass
class ServiceOutcome:
    failed: bool = False


def error_message(error: Exception) -> str:
    """The French sentence a refusal carries (a ValidationError's first message)."""
    if isinstance(error, ValidationError):
        return error.messages[0]
    return str(error)


def service_errors(request: HttpRequest, *errors: type[Exception]) -> AbstractContextManager[ServiceOutcome]:
    return _refusals(errors, lambda error: messages.error(request, error_message(error)))


def form_service_errors(
    form: forms.BaseForm, *errors: type[Exception], message: str = ""
) -> AbstractContextManager[ServiceOutcome]:
    """As service_errors, but the refusal goes on the form, above its fields; a ValidationError
    keeps all its messages. `message` replaces the error's own text where that text is not for
    users (an IntegrityError)."""
    return _refusals(
        errors,
        lambda error: form.add_error(None, message or (error if isinstance(error, ValidationError) else str(error))),
    )


@contextmanager
def _refusals(errors: tuple[type[Exception], ...], show: Callable[[Exception], None]) -> Iterator[ServiceOutcome]:
    """Run the block; a refusal (one of `errors`) is shown by `show` and skips the rest of the block."""
    outcome = ServiceOutcome()
    try:
        yield outcome
    except errors as error:
        outcome.failed = True
        show(error)


@contextmanager
def duplicate_refused(refusal: Exception) -> Iterator[None]:
    """Run the block in a savepoint; an IntegrityError from it is raised as `refusal`."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        raise refusal from error
