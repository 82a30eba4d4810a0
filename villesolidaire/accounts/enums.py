from django.db import models


class Role(models.TextChoices):
    """What a person may do. A user holds one or several roles (RoleGrant rows).

    New roles (register officer, partner, read-only official, auditor) are added here and
    given their own checks in perms.py; nothing else in the model has to change.
    """

    ADMIN = "admin", "Administrateur·rice"
    COORDINATOR = "coordinator", "Coordinateur·rice (CCAS)"
    OPERATOR = "operator", "Opérateur·rice du numéro unique"
    VOLUNTEER = "volunteer", "Volontaire"


# Roles that reach personal data from a desk: password + second factor, enforced.
STAFF_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.OPERATOR})
