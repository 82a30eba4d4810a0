"""The host's background work: a town's backup asked from the console (docs/hosting.md)."""

from django_tasks import task

from villesolidaire.hosting.backups import backup_town
from villesolidaire.hosting.services import towns


@task()
def backup_town_now(tenant_id: int, actor: str) -> str:
    """Back up one town into VS_BACKUP_DIR/towns; enqueued from the console, so it runs in `public`."""
    tenant = towns().filter(pk=tenant_id).first()
    if tenant is None:
        return "commune introuvable (supprimée entre-temps ?)"
    return backup_town(tenant, actor=actor).name
