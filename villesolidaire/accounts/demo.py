"""Demo contribution of the accounts app: the staff accounts of the demo town.

Every account shares one password and gets single-use backup codes as its second factor;
addresses end in ".invalid", so no message can reach anybody.
"""

import secrets

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import RoleGrant, User

DEMO_PASSWORD = "demo-solidaire-2026"
DEMO_DOMAIN = "demo.invalid"
STAFF_ACCOUNTS = [
    # (e-mail, first name, last name, role, is superuser)
    (f"coordinatrice@{DEMO_DOMAIN}", "Coordinatrice", "de démonstration", Role.COORDINATOR, False),
    (f"operateur@{DEMO_DOMAIN}", "Opérateur", "de démonstration", Role.OPERATOR, False),
    (f"admin@{DEMO_DOMAIN}", "Administratrice", "de démonstration", Role.ADMIN, True),
    (f"registre@{DEMO_DOMAIN}", "Agente", "du registre", Role.REGISTER_OFFICER, False),
    (f"appelant@{DEMO_DOMAIN}", "Appelant", "de démonstration", Role.CALLER, False),
    (f"auditeur@{DEMO_DOMAIN}", "Auditrice", "de démonstration", Role.AUDITOR, False),
    (f"elue@{DEMO_DOMAIN}", "Élue", "de démonstration", Role.OFFICIAL, False),
]
BACKUP_DEVICE_NAME = "Codes de secours"
MIN_BACKUP_CODES = 3
BACKUP_CODES_TARGET = 5


def seed_staff_accounts() -> dict[str, User]:
    """One account per staff role, with the shared password and a few backup codes; by role."""
    accounts = {}
    for email, first_name, last_name, role, is_superuser in STAFF_ACCOUNTS:
        user = User(
            email=email, first_name=first_name, last_name=last_name, is_staff=is_superuser, is_superuser=is_superuser
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        RoleGrant.objects.create(user=user, role=role)
        ensure_backup_codes(user)
        accounts[role] = user
    return accounts


def ensure_backup_codes(user: User) -> list[str]:
    """Unused single-use backup codes of a demo account, topped up when fewer than three remain."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True})
    tokens = list(device.token_set.order_by("pk").values_list("token", flat=True))
    if len(tokens) < MIN_BACKUP_CODES:
        # Digits only: the second-factor field opens a numeric keypad on phones.
        new = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODES_TARGET - len(tokens))]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=token) for token in new])
        tokens += new
    return tokens
