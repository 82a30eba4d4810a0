"""What an API key may touch: one scope per kind of object and access (read or write).

Pure data and functions. A write scope includes reading the same kind. The register of vulnerable
people is not a kind: no scope, no endpoint, whatever the key's role.
"""

from dataclasses import dataclass

from villesolidaire.accounts.enums import Role

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


# The roles whose keys may use each write scope, as the endpoints allow it: a write scope given to
# another role would be refused on every call, so the key form refuses it first.
WRITERS = {
    "help_requests": {Role.OPERATOR, Role.COORDINATOR},
    "residents": {Role.OPERATOR, Role.COORDINATOR},
    "telephony": {Role.OPERATOR, Role.COORDINATOR},
    "volunteers": {Role.COORDINATOR},
}
SCOPE_LABELS = dict(SCOPE_CHOICES)


def unusable_writes(scopes, role: str) -> list[str]:
    """The labels of the write scopes among `scopes` that a key of `role` could never use."""
    return [
        SCOPE_LABELS[value]
        for value in sorted(set(scopes))
        if value.endswith(f":{WRITE}") and role not in WRITERS.get(value.split(":")[0], set())
    ]
