"""One way for a view to call a service that may refuse: show the refusal, carry on.

    with service_errors(request, NeedError):
        services.shift_delete(shift=shift)
        messages.success(request, "Créneau supprimé.")
    return redirect(...)

A refusal (one of the exception classes given) becomes a `messages.error` with the exception's
French message and the rest of the block is skipped; the view then redirects as usual. Anything
else propagates. `outcome.failed` tells a view that redirects elsewhere after a refusal.

A view that shows its form again after a refusal uses `form_service_errors(form, NeedError)`
instead: the refusal becomes the form's error (above the fields) and the view renders the form.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


@dataclass
class ServiceOutcome:
    failed: bool = False


def error_message(error: Exception) -> str:
    """The French sentence a refusal carries (a ValidationError's first message)."""
    if isinstance(error, ValidationError):
        return error.messages[0]
    return str(error)


@contextmanager
def service_errors(request: HttpRequest, *errors: type[Exception]) -> Iterator[ServiceOutcome]:
    outcome = ServiceOutcome()
    try:
        yield outcome
    except errors as error:
        outcome.failed = True
        messages.error(request, error_message(error))


@contextmanager
def form_service_errors(form: forms.BaseForm, *errors: type[Exception]) -> Iterator[ServiceOutcome]:
    """As service_errors, but the refusal's message goes on the form (a non-field error)."""
    outcome = ServiceOutcome()
    try:
        yield outcome
    except errors as error:
        outcome.failed = True
        form.add_error(None, str(error))
