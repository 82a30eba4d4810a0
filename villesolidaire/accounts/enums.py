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
    # Named by the mayor (CASF R121-7): keeps the register of vulnerable people, runs campaigns.
    REGISTER_OFFICER = "register_officer", "Agent·e habilité·e au registre"
    # A trusted volunteer or agent who takes calls from a campaign queue (training + undertaking).
    CALLER = "caller", "Appelant·e de campagne"
    # Reads the audit log; sees nothing else.
    AUDITOR = "auditor", "Auditeur·rice du journal d'accès"


# Roles that reach personal data from a desk: password + second factor, enforced.
STAFF_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.OPERATOR, Role.REGISTER_OFFICER, Role.CALLER, Role.AUDITOR})

# Register roles are never implied by another role, administrator included (R121-7: named people only).
REGISTER_ROLES = frozenset({Role.REGISTER_OFFICER, Role.CALLER})
