"""What protects an account from its administrators, filled in by upper apps (the register)
without this app importing them (docs/register.md « Designating officers and callers »)."""

from collections.abc import Callable

from villesolidaire.accounts.models import User
from villesolidaire.core.hooks import Hook

# Why else an account is not the administrator's to change (password, e-mail, activity,
# deletion): each test is added by an upper app's AppConfig.ready() (register: a designation
# waits for approval).
ACCOUNT_PROTECTIONS: list[Callable[[User], bool]] = []

credentials_changed_by_admin = Hook(
    "An administrator chose or changed someone's password, deleted their second factor or deleted "
    "their account, or changed their e-mail, in the Django admin: run(user=, by=, what=, request=), "
    "what being 'password', 'second_factor', 'email' or 'deleted'. The audit journal records it, "
    "and the designations page shows it beside a pending designation for that account."
)

password_changed_by_owner = Hook(
    "A person replaced their own password (accounts:password_change): run(user=, request=). The "
    "audit journal records it."
)
