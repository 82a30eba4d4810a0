"""Writes on accounts: a password chosen for someone else is provisional until its owner replaces it."""

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpRequest

from villesolidaire.accounts.models import User
from villesolidaire.accounts.protections import password_changed_by_owner


def password_provisional(user: User) -> None:
    """Someone else chose this account's password (an administrator, the host's commands): its
    owner is asked to replace it at their next staff page (accounts.perms)."""
    User.objects.filter(pk=user.pk).update(password_is_provisional=True)
    user.password_is_provisional = True


@transaction.atomic
def password_change_by_owner(*, form: PasswordChangeForm, request: HttpRequest, journal: bool = True) -> User:
    """Save the new password of the signed-in person (a valid `PasswordChangeForm`), which is no
    longer provisional, keep them signed in, and journal the change (`journal`: in a town; the host
    console keeps its own log)."""
    user = form.save(commit=False)
    user.password_is_provisional = False
    user.save(update_fields=["password", "password_is_provisional"])
    update_session_auth_hash(request, user)
    if journal:
        password_changed_by_owner.run(user=user, request=request)
    return user
