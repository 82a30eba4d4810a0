"""What an API key may touch: one scope per kind of object and access (read or write).

Pure data and functions. A write scope includes reading the same kind. The register of vulnerable
people is not a kind: no scope, no endpoint, whatever the key's role.
"""

from dataclasses import dataclass

from villesolidaire.accounts.perms import is_coordinator, is_operator

READ, WRITE = "read", "write"


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    writable: bool
    readable: bool = True


KINDS = (
    Kind("help_requests", "Demandes d'aide", writable=True),
    Kind("residents", "Habitant·es (jamais le registre)", writable=True),
    Kind("volunteers", "Volontaires", writable=True),
    Kind("missions", "Soutiens et missions", writable=False),
    Kind("needs", "Besoins ponctuels et créneaux", writable=False),
    Kind("partners", "Partenaires et services", writable=False),
    Kind("campaigns", "Avancement des campagnes (chiffres seuls)", writable=False),
    # The switchboard reports its calls; nothing to read back.
    Kind("telephony", "Appels entrants du standard (signalement)", writable=True, readable=False),
)
KINDS_BY_CODE = {kind.code: kind for kind in KINDS}


def scope(kind: str, access: str) -> str:
    return f"{kind}:{access}"


# (value, French label) for the key form, in a stable order.
def _label(kind: Kind, access: str) -> str:
    if access == READ:
        return f"{kind.label} — lecture"
    return f"{kind.label} — {'lecture et écriture' if kind.readable else 'écriture'}"


SCOPE_CHOICES = [
    (scope(kind.code, access), _label(kind, access))
    for kind in KINDS
    for access in ((READ,) if kind.readable else ()) + ((WRITE,) if kind.writable else ())
]
ALL_SCOPES = frozenset(value for value, _label in SCOPE_CHOICES)


def allows(scopes, kind: str, access: str) -> bool:
    """Whether these granted scopes open `access` on `kind` (writing includes reading)."""
    granted = set(scopes)
    if access == READ:
        return scope(kind, READ) in granted or scope(kind, WRITE) in granted
    return scope(kind, WRITE) in granted


def clean_scopes(values) -> list[str]:
    """Known scopes only, sorted; unknown values are dropped (a form has refused them already)."""
    return sorted(value for value in set(values) if value in ALL_SCOPES)


# Who may use each write scope: the very checks the endpoints make. Recording a help request, a
# resident's file or a call asks `is_operator`; a help request's transition and a volunteer's status
# act on a row the account reads (HelpRequest.visible_to: `is_operator`; access.volunteers:
# `is_coordinator`). A write scope given to a key whose role fails its check would be refused on every
# call, so the key form refuses it first.
WRITERS = {
    "help_requests": is_operator,
    "residents": is_operator,
    "telephony": is_operator,
    "volunteers": is_coordinator,
}
SCOPE_LABELS = dict(SCOPE_CHOICES)


def may_write(account, kind: str) -> bool:
    """Whether this account's role lets it write `kind` through the API (its key also needs the scope)."""
    check = WRITERS.get(kind)
    return check is not None and check(account)


class KeyAccount:
    """The account a key of `role` acts as, before the key exists: it holds that one role."""

    is_authenticated = True

    def __init__(self, role: str):
        self.roles = frozenset({role})

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def unusable_writes(scopes, role: str) -> list[str]:
    """The labels of the write scopes among `scopes` that a key of `role` could never use."""
    account = KeyAccount(role)
    return [
        SCOPE_LABELS[value]
        for value in sorted(set(scopes))
        if value.endswith(f":{WRITE}") and not may_write(account, value.split(":")[0])
    ]
