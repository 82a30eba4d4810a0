"""One town's backup, restore and full export (docs/hosting.md), on core.backups' helpers.

A town is one schema: `backup_town` is `pg_dump --schema=<town>` plus a manifest (the town's name,
domains, INSEE codes, its keys *wrapped* under the host's VS_DATA_KEYS, their fingerprints, the
schema's migrations and row counts, the dump's SHA-256). `restore_town` puts it back on a host that
holds the host key it was wrapped under (or given the town's keys in clear, from an export), then
reads encrypted values back under the town's keys. `export_town` is what a mayor, the data
controller, takes away when leaving the host: the dump, its manifest, the town's keys in clear and
a README in French. Every refusal is a `BackupError` or `HostingError` with a French message.
"""

from __future__ import annotations

import tempfile
import zipfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.template.defaultfilters import filesizeformat
from django_tenants.utils import schema_context, schema_exists, schema_rename

from villesolidaire.core import backups
from villesolidaire.core.backups import BackupError, Log
from villesolidaire.core.crypto import key_fingerprint
from villesolidaire.core.tenancy import PUBLIC_SCHEMA, is_multi_town
from villesolidaire.hosting.keys import host_key_fingerprints, unwrap_keys, wrap_keys, wrapping_key_fingerprint
from villesolidaire.hosting.models import Domain, Tenant, TenantKind, TenantState
from villesolidaire.hosting.services import (
    HostingError,
    domain_errors,
    drop_schema,
    record,
    schema_name_errors,
)

TOWN_MANIFEST_FORMAT = 1
KEYS_FILE = "CLES-DE-CHIFFREMENT-EN-CLAIR.txt"
README_FILE = "README.txt"
_WRAPPED_KEYS_NOTE = (
    "Clés de la commune chiffrées par une clé de l'hébergeur (VS_DATA_KEYS, empreinte host_key_fingerprint) : "
    "inutilisables sans elle."
)
_REQUIRED = ("schema", "name", "domains", "insee_codes", "wrapped_keys", "host_key_fingerprint", "key_fingerprints")


def town_backup_dir() -> Path:
    return Path(settings.VS_BACKUP_DIR) / "towns"


def export_dir() -> Path:
    return Path(settings.VS_BACKUP_DIR) / "exports"


def town_models() -> list:
    """The project's models whose tables each town's schema holds (not the host's own)."""
    return [model for model in backups.project_models() if model._meta.app_config.name in settings.TENANT_APPS]


def _town_app_labels() -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS}


def _require_multi_town() -> None:
    if not is_multi_town():
        raise HostingError("Sauvegardes par commune : réservé à un hébergement multi-communes (VS_MULTI_TOWN=true).")


# -- Backup ------------------------------------------------------------------------------------------------------


def _town_contents(schema: str, alias: str) -> dict:
    """The schema's migrations and row counts, read on the dump's snapshot connection."""
    connections[alias].set_schema(schema)
    return {"migrations": backups.applied_migrations(alias), "row_counts": backups.row_counts(alias, town_models())}


def _domains(tenant: Tenant) -> list[str]:
    """The town's domains, the primary one (links are built on it) first."""
    return list(tenant.domains.order_by("-is_primary", "pk").values_list("domain", flat=True))


def _key_facts(tenant: Tenant) -> dict:
    """The wrapped keys and the fingerprints naming them; refused when this host cannot open them."""
    try:
        return {
            "wrapped_keys": tenant.wrapped_keys,
            "wrapped_keys_note": _WRAPPED_KEYS_NOTE,
            "host_key_fingerprint": wrapping_key_fingerprint(tenant.wrapped_keys),
            "key_fingerprints": [key_fingerprint(key) for key in unwrap_keys(tenant.wrapped_keys)],
            "key_fingerprint_method": backups.KEY_FINGERPRINT_METHOD,
        }
    except ImproperlyConfigured as exc:
        raise BackupError(
            f"Les clés de {tenant.name} ne s'ouvrent avec aucune clé de VS_DATA_KEYS : sauvegarde refusée "
            "(elle ne pourrait pas être relue)."
        ) from exc


def _dump_town(tenant: Tenant, directory: Path, now: datetime) -> tuple[Path, dict]:
    """Dump one town's schema into `directory` and write its manifest; returns the manifest's path and content."""
    _require_multi_town()
    schema = tenant.schema_name
    if tenant.is_template or schema == PUBLIC_SCHEMA:
        raise HostingError("Seule une commune se sauvegarde ainsi (ni le modèle ni le schéma de l'hébergeur).")
    if not schema_exists(schema):
        raise HostingError(f"Le schéma {schema!r} de {tenant.name} est introuvable : rien à sauvegarder.")
    keys = _key_facts(tenant)
    dump, manifest_path = backups.new_backup_paths(directory, f"{schema}-{backups.stamp(now)}", ".dump")
    with backups.completed_file(dump) as partial_dump:
        contents = backups.pg_dump(
            partial_dump, contents=partial(_town_contents, schema), options=(f"--schema={schema}",)
        )
    manifest = {
        "format": TOWN_MANIFEST_FORMAT,
        "created_at": now.isoformat(timespec="seconds"),
        "engine": backups.POSTGRESQL,
        "schema": schema,
        "name": tenant.name,
        "kind": tenant.kind,
        "state": tenant.state,
        "insee_codes": list(tenant.insee_codes),
        "domains": _domains(tenant),
        **backups.dump_facts(dump),
        "dump_format": f"pg_dump -Fc --schema={schema}",
        **keys,
        **contents,
    }
    backups.write_manifest(manifest_path, manifest)
    return manifest_path, manifest


def backup_town(tenant: Tenant, directory: Path | None = None, *, actor: str, now: datetime | None = None) -> Path:
    """Back up one town into `directory` (default VS_BACKUP_DIR/towns); returns the manifest's path."""
    now = now or datetime.now(UTC)
    with backups.owner_only_files():
        manifest_path, manifest = _dump_town(tenant, directory or town_backup_dir(), now)
    Tenant.objects.filter(pk=tenant.pk).update(last_backup_at=now, last_backup_bytes=manifest["size"])
    record(actor, "backup_town", tenant.schema_name, f"{manifest['dump']} ({filesizeformat(manifest['size'])})")
    return manifest_path


def prune_town_backups(schema: str, directory: Path | None = None, *, keep: int) -> list[Path]:
    """Remove all but the `keep` newest backups of this town (other towns' backups are left alone)."""
    return backups.prune(directory or town_backup_dir(), keep=keep, prefix=f"{schema}-")


# -- Restore -----------------------------------------------------------------------------------------------------


def _load_town_manifest(path: Path) -> tuple[Path, dict]:
    path, manifest = backups.load_manifest(path, path.parent)
    missing = [field for field in _REQUIRED if not manifest.get(field)]
    if missing:
        raise BackupError(
            f"Le manifeste {path.name} n'est pas celui d'une commune (manage.py backup_town) : il y manque "
            f"{', '.join(missing)}."
        )
    return path, manifest


def read_keys_file(path: Path) -> list[str]:
    """The keys of an export's keys file: one a line, newest first; `#` lines are comments."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BackupError(f"Fichier de clés illisible : {path}.") from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _wrapped_keys_for_this_host(manifest: dict, keys_file: Path | None) -> str:
    """The town's keys wrapped so that this host opens them; refused, naming what is needed, otherwise."""
    needed = manifest["key_fingerprints"]
    if keys_file is not None:
        keys = read_keys_file(keys_file)
        found = [key_fingerprint(key) for key in keys]
        if found != needed:
            raise BackupError(
                f"Le fichier de clés {keys_file.name} ne correspond pas à cette sauvegarde : empreintes attendues "
                f"{', '.join(needed)}, trouvées {', '.join(found) or 'aucune'}. Restauration refusée."
            )
        return wrap_keys(keys)
    backups.require_key(
        [manifest["host_key_fingerprint"]],
        host_key_fingerprints(),
        hint="Pour une commune exportée d'un autre hébergeur, donnez plutôt son fichier de clés en clair "
        f"(--keys {KEYS_FILE}).",
    )
    try:
        keys = unwrap_keys(manifest["wrapped_keys"])
    except ImproperlyConfigured as exc:
        raise BackupError("Les clés de la commune du manifeste ne s'ouvrent pas : manifeste altéré ?") from exc
    if [key_fingerprint(key) for key in keys] != needed:
        raise BackupError(
            "Les clés de la commune ne correspondent pas aux empreintes du manifeste : manifeste altéré ?"
        )
    return manifest["wrapped_keys"]


def _check_target(original: str, schema: str, domains: list[str], *, force: bool) -> None:
    """Refuse an existing schema (unless forced), a schema name of the host's, a domain another town holds."""
    errors = schema_name_errors(schema, may_exist=force)
    if errors and errors[0].startswith("Le schéma"):
        errors[0] += " Ajoutez --force pour remplacer cette commune par la sauvegarde."
    if schema != original and (schema_exists(original) or Tenant.objects.filter(schema_name=original).exists()):
        errors.append(
            f"Le schéma d'origine {original!r} existe sur cet hébergeur : la sauvegarde est restaurée sous ce nom "
            f"avant d'être renommée {schema!r}. Restaurez-la sur un hébergeur où {original!r} n'existe pas."
        )
    errors.extend(domain_errors(domains, except_schema=schema if force else ""))
    if errors:
        raise BackupError("Restauration refusée. " + " ".join(errors))


def _set_aside(schema: str) -> str | None:
    """--force: the schema in the way is renamed, not dropped, until the backup is restored and read
    back; a restore that fails gives it back as it was (`_put_back`)."""
    if not schema_exists(schema):
        return None
    aside = f"{schema[:35]}_avant"  # within the 41 characters of a town schema name
    drop_schema(aside)  # a leftover of an interrupted restore
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{schema}" RENAME TO "{aside}"')
    return aside


def _put_back(aside: str | None, schema: str) -> None:
    if aside is not None:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(f'ALTER SCHEMA "{aside}" RENAME TO "{schema}"')


def _forget_replaced(schema: str) -> str:
    """The town being replaced: its row and domains go with the restore's transaction."""
    existing = Tenant.objects.filter(schema_name=schema).first()
    if existing is None:
        return ""
    Domain.objects.filter(tenant=existing).delete()
    existing.delete(force_drop=False)
    return existing.name


def _recreate_tenant(manifest: dict, schema: str, domains: list[str], wrapped_keys: str) -> Tenant:
    tenant = Tenant(
        schema_name=schema,
        name=manifest["name"],
        kind=manifest.get("kind") or TenantKind.TOWN,
        insee_codes=manifest["insee_codes"],
        state=manifest.get("state") or TenantState.ACTIVE,
        wrapped_keys=wrapped_keys,
    )
    tenant.auto_create_schema = False  # the schema is the restored one, not a clone of the template
    tenant.save(verbosity=0)
    for position, domain in enumerate(domains):
        Domain.objects.create(domain=domain, tenant=tenant, is_primary=position == 0)
    return tenant


def _verify(schema: str, manifest: dict, log: Log) -> None:
    """Inside the restored town: its encrypted values open under its keys, its rows are the manifest's."""
    with schema_context(schema):
        backups.read_back(DEFAULT_DB_ALIAS, log)
        backups.check_row_counts(DEFAULT_DB_ALIAS, manifest, town_models())
        backups.check_migrations(DEFAULT_DB_ALIAS, log, _town_app_labels())


def restore_town(
    manifest_path: Path,
    *,
    schema: str = "",
    domains: list[str] | None = None,
    force: bool = False,
    keys_file: Path | None = None,
    actor: str,
    log: Log,
) -> Tenant:
    """Restore one town's backup on this host, under its own schema name or `schema`; returns the town."""
    _require_multi_town()
    manifest_path, manifest = _load_town_manifest(manifest_path)
    dump = backups.check_dump(manifest_path, manifest)
    wrapped_keys = _wrapped_keys_for_this_host(manifest, keys_file)
    original = manifest["schema"]
    schema = schema or original
    domains = [d.strip().lower() for d in domains or [] if d.strip()] or list(manifest["domains"])
    _check_target(original, schema, domains, force=force)
    aside = _set_aside(schema) if force else None
    try:
        backups.pg_restore(dump, backups.target_settings(None))
        with transaction.atomic():
            if schema != original:
                schema_rename(Tenant(schema_name=original), schema, save=False)
            replaced = _forget_replaced(schema) if force else ""
            tenant = _recreate_tenant(manifest, schema, domains, wrapped_keys)
            _verify(schema, manifest, log)
            detail = f"{dump.name} → {schema}, {', '.join(domains)}" + (f" (remplace {replaced})" if replaced else "")
            record(actor, "restore_town", schema, detail)
    except BaseException:
        # The transaction undid the rename and the rows: the restored schema (if any) is under its
        # original name; the town that was there comes back untouched.
        drop_schema(original)
        _put_back(aside, schema)
        record(actor, "restore_town_failed", schema, dump.name)
        raise
    if aside is not None:
        drop_schema(aside)
        log(f"La commune remplacée (schéma {schema}) est supprimée : la sauvegarde est restaurée et relue.")
    return tenant


# -- Export ------------------------------------------------------------------------------------------------------


def _keys_file_text(tenant: Tenant) -> str:
    lines = [
        f"# Clés de chiffrement du registre de {tenant.name} (schéma {tenant.schema_name}), EN CLAIR.",
        "# Quiconque détient ce fichier et la sauvegarde lit le registre : conservez-le à part de la",
        "# sauvegarde, sous clé (coffre, copie séquestrée), jamais par e-mail non chiffré.",
        "# Une clé par ligne, la plus récente d'abord, chacune précédée de son empreinte.",
    ]
    for key in unwrap_keys(tenant.wrapped_keys):
        lines += [f"# empreinte {key_fingerprint(key)}", key]
    return "\n".join(lines) + "\n"


def _readme_text(tenant: Tenant, manifest: dict, manifest_name: str) -> str:
    schema, dump = tenant.schema_name, manifest["dump"]
    return f"""Export complet de {tenant.name} — Ville Solidaire
{"=" * (len(tenant.name) + 33)}

Fait le {manifest["created_at"]} (UTC) par l'hébergeur, pour la commune, responsable de traitement.

Contenu
-------
- {dump} : toutes les données de la commune (schéma PostgreSQL {schema}), format pg_dump -Fc.
  Les champs identifiants du registre y sont chiffrés ; le reste (bénévoles, demandes, messages,
  journal) y est en clair : c'est un fichier de données personnelles.
- {manifest_name} : son manifeste (domaines, codes INSEE, migrations, nombre de lignes, empreinte
  SHA-256 du fichier, empreintes des clés).
- {KEYS_FILE} : les clés de chiffrement du registre, EN CLAIR. Sans elles, les champs chiffrés sont
  perdus ; avec elles et la sauvegarde, n'importe qui lit le registre. Séparez ce fichier du reste
  dès réception (coffre, copie séquestrée par deux personnes) ; ne l'envoyez jamais en clair.
- fichiers/ (s'il existe) : les fichiers déposés (logos, documents), à replacer dans media/<schéma>/
  (hébergement multi-communes) ou media/ (installation autonome).

Vérifier l'intégrité
--------------------
    sha256sum {dump}      # doit donner la valeur "sha256" du manifeste

Restaurer chez un autre hébergeur Ville Solidaire (multi-communes, même version ou plus récente)
------------------------------------------------------------------------------------------------
    python manage.py restore_town {manifest_name} --keys {KEYS_FILE} \\
        [--schema town_nouveau_nom] [--domain solidarite.ville.fr ...]

Les clés sont alors chiffrées par la clé de ce nouvel hébergeur ; la commande relit des valeurs
chiffrées du registre pour prouver qu'elles s'ouvrent.

Restaurer dans une installation autonome (une seule commune, PostgreSQL)
-----------------------------------------------------------------------
1. Créez une base vide (createdb villesolidaire) et restaurez :
       pg_restore --no-owner --dbname=villesolidaire {dump}
2. Le schéma de la commune devient le schéma par défaut :
       psql villesolidaire -c 'DROP SCHEMA public CASCADE' -c 'ALTER SCHEMA {schema} RENAME TO public'
3. Dans l'environnement du serveur : VS_DATA_KEYS=<les clés du fichier, dans le même ordre, séparées
   par des virgules>, sans VS_MULTI_TOWN. La file de tâches était chez l'hébergeur, pas dans le
   schéma de la commune : créez ses tables, puis appliquez les migrations restantes :
       python manage.py migrate django_tasks_database zero --fake
       python manage.py migrate
4. Démarrez le service et ouvrez une fiche du registre : elle doit s'afficher en clair.

Conservez cet export le temps nécessaire seulement, puis détruisez-le (et toute copie des clés qui
ne sert plus).
"""


def _add_files(archive: zipfile.ZipFile, schema: str) -> None:
    """The town's uploaded files (media/<schema>/), which are not in the database."""
    root = Path(settings.MEDIA_ROOT) / schema
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.write(path, arcname=f"fichiers/{path.relative_to(root)}")


def export_town(tenant: Tenant, directory: Path | None = None, *, actor: str, now: datetime | None = None) -> Path:
    """The town's full export for its mayor: dump, manifest, keys in clear, README; returns the zip's path."""
    now = now or datetime.now(UTC)
    directory = directory or export_dir()
    with backups.owner_only_files(), tempfile.TemporaryDirectory() as work:
        manifest_path, manifest = _dump_town(tenant, Path(work), now)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = directory / f"export-{tenant.schema_name}-{backups.stamp(now)}.zip"
        if path.exists():
            raise BackupError(f"L'export {path.name} existe déjà dans {directory}.")
        with backups.completed_file(path) as partial_zip, zipfile.ZipFile(partial_zip, "w") as archive:
            archive.write(manifest_path.with_name(manifest["dump"]), arcname=manifest["dump"])  # compressed already
            archive.write(manifest_path, arcname=manifest_path.name, compress_type=zipfile.ZIP_DEFLATED)
            archive.writestr(KEYS_FILE, _keys_file_text(tenant))
            archive.writestr(README_FILE, _readme_text(tenant, manifest, manifest_path.name), zipfile.ZIP_DEFLATED)
            _add_files(archive, tenant.schema_name)
    record(actor, "export_town", tenant.schema_name, f"{path.name} ({filesizeformat(path.stat().st_size)})")
    return path
