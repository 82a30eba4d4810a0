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
    # Acts for a partner organisation: its directory entry, its needs and their sign-ups only.
    PARTNER = "partner", "Partenaire (association, service, commerce…)"
    # An elected official or a director: reads the dashboard and the bilan (counts only), nothing nominative.
    OFFICIAL = "official", "Élu·e / direction (lecture seule)"


# Roles that reach personal data from a desk: password + second factor, enforced.
# Partners see the names and phones of volunteers who sign up for their shifts: second factor too.
# Officials read counts only, but second factor too: the dashboard's exact counts by quartier, month
# and category (no small-cell rule inside) can single out a person in a small quartier, and an
# elected official's account is a likely target; one sign-in path for every desk account.
STAFF_ROLES = frozenset(
    {
        Role.ADMIN,
        Role.COORDINATOR,
        Role.OPERATOR,
        Role.REGISTER_OFFICER,
        Role.CALLER,
        Role.AUDITOR,
        Role.PARTNER,
        Role.OFFICIAL,
    }
)

# Register roles are never implied by another role, administrator included (R121-7: named people only).
REGISTER_ROLES = frozenset({Role.REGISTER_OFFICER, Role.CALLER})
