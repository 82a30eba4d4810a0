"""Optional error reporting to Sentry (or a compatible service such as GlitchTip), off unless SENTRY_DSN is set."""

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration


def init_sentry(dsn: str, *, environment: str) -> bool:
    """Start reporting errors to `dsn`; nothing (and False) when it is empty.

    No personal data leaves: no user, cookies, headers' personal values or request bodies, and no
    local variables of the failing frames (they hold residents' names and addresses).
    """
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=0,
    )
    return True
