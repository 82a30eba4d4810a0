"""What each process remembers of the towns between requests: host names, primary domains, wrapped keys.

Without them every request would cost a query for its host name, every link a query for the town's
primary domain and every task or `schema_context` a query for the town's keys: queries a single-town
installation never makes. Each entry lives `core.caches.TTL_SECONDS` at most, and every change of a town or a
domain made through the ORM in this process (`hosting.services`, restore, adoption, the admin) empties
them at once. Another process sees such a change within `TTL_SECONDS`: a town suspended or deleted on
one worker keeps being served by the others for at most that long (docs/hosting.md).
"""

from __future__ import annotations

from django.db import transaction

from villesolidaire.core.caches import ExpiringCache, forget_reference_data

# host name → Tenant (the middleware copies it for each request)
hosts: ExpiringCache = ExpiringCache()
# schema → its primary domain (`core.tenancy.site_url`)
primary_domains: ExpiringCache[str] = ExpiringCache()
# schema → its wrapped keys (`hosting.keys.data_keys_for_schema`, when the connection holds no Tenant)
wrapped_keys: ExpiringCache[str] = ExpiringCache()


def forget_now() -> None:
    """Forget everything at once (and the tests, between two of them)."""
    hosts.clear()
    primary_domains.clear()
    wrapped_keys.clear()
    # A town restored or recreated under the same schema name brings its own quartiers, calls…
    forget_reference_data()


def forget_towns(**_signal_kwargs) -> None:
    """Forget everything: a town or a domain changed (connected to Tenant's and Domain's save and delete).

    Now, and again once the change is committed: a request served meanwhile by another thread would
    otherwise remember what the database held before the commit.
    """
    forget_now()
    transaction.on_commit(forget_now)
