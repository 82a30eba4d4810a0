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

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
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


def service_errors(request: HttpRequest, *errors: type[Exception]) -> AbstractContextManager[ServiceOutcome]:
    return _refusals(errors, lambda error: messages.error(request, error_message(error)))


def form_service_errors(form: forms.BaseForm, *errors: type[Exception]) -> AbstractContextManager[ServiceOutcome]:
    """As service_errors, but the refusal's message goes on the form (a non-field error)."""
    return _refusals(errors, lambda error: form.add_error(None, str(error)))


@contextmanager
def _refusals(errors: tuple[type[Exception], ...], show: Callable[[Exception], None]) -> Iterator[ServiceOutcome]:
    """Run the block; a refusal (one of `errors`) is shown by `show` and skips the rest of the block."""
    outcome = ServiceOutcome()
    try:
        yield outcome
    except errors as error:
        outcome.failed = True
        show(error)
