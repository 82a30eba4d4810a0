"""The consolidated migrations (docs/decisions/0009-migrations-consolidated-before-production.md).

Both ways a database reaches the current schema are checked:

- a new database is migrated from zero by the consolidated set: the test database itself is
  (whatever the backend), and a fresh SQLite file here; it gets the seed data of the data
  migrations and the audit log's append-only triggers;
- a database built by the history they replace (`tests/fixtures/old_migrations.sqlite.sql`: the
  `sqlite3 .dump` of a database migrated by the 43 migrations of commit a7e9830, with two rows in
  every transition log) is recognised as fully migrated: nothing runs, and it already has the
  schema a new database gets.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.db.migrations.executor import MigrationExecutor

from villesolidaire.campaigns.models import Questionnaire
from villesolidaire.core.workflow import TransitionLog
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.volunteers.models import Skill

OLD_DATABASE = Path(__file__).parent / "fixtures" / "old_migrations.sqlite.sql"

TRANSITION_LOGS = [model for model in apps.get_models() if issubclass(model, TransitionLog)]


@contextmanager
def sqlite_database(path: Path) -> Iterator[BaseDatabaseWrapper]:
    """A connection to the SQLite file at `path`, known to Django under its own alias for the time
    of the test (migrations look their connection up by its alias). It is not in the project's
    settings, so the test case lets it through as a dynamically created connection."""
    alias = f"migrations_{path.stem}"
    declared = {DEFAULT_DB_ALIAS: {}, alias: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}}
    database = DatabaseWrapper(connections.configure_settings(declared)[alias], alias)
    connections[alias] = database
    try:
        yield database
    finally:
        database.close()
        del connections[alias]


# Third-party apps installed after the last release of the old history (django-axes: decision 0010).
APPS_ADDED_SINCE_OLD_HISTORY = {"axes"}


def pending(database: BaseDatabaseWrapper) -> list:
    executor = MigrationExecutor(database)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def migrate(database: BaseDatabaseWrapper) -> None:
    executor = MigrationExecutor(database)
    executor.migrate(executor.loader.graph.leaf_nodes())


def rows(database: BaseDatabaseWrapper, sql: str) -> list[tuple]:
    with database.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def schema(database: BaseDatabaseWrapper) -> dict[str, tuple[set, set]]:
    """Every table's columns and constraints, whatever their order. Constraints SQLite leaves
    unnamed (column UNIQUE, foreign keys) are compared by their columns and kind."""
    introspection = database.introspection
    tables = {}
    with database.cursor() as cursor:
        for table in introspection.table_names(cursor):
            columns = {
                (column.name, column.type_code, column.null_ok, column.default)
                for column in introspection.get_table_description(cursor, table)
            }
            constraints = {
                (
                    "" if name.startswith(("__unnamed", "fk_")) else name,
                    tuple(details["columns"] or ()),
                    details["primary_key"],
                    details["unique"],
                    details["foreign_key"],
                    details["check"],
                    details["index"],
                )
                for name, details in introspection.get_constraints(cursor, table).items()
            }
            tables[table] = (columns, constraints)
    return tables


@pytest.fixture
def old_database(tmp_path) -> Iterator[BaseDatabaseWrapper]:
    """A database built by the replaced migrations, as the previous release left it."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as database:
        database.executescript(OLD_DATABASE.read_text(encoding="utf-8"))
    database.close()
    with sqlite_database(path) as database:
        yield database


@pytest.fixture
def new_database(tmp_path) -> Iterator[BaseDatabaseWrapper]:
    """An empty SQLite database migrated from zero by the consolidated migrations."""
    with sqlite_database(tmp_path / "new.sqlite3") as database:
        migrate(database)
        yield database


# A new database ---------------------------------------------------------------------------


def test_the_seed_data_is_in_a_new_database():
    """The test database was migrated from zero: the data migrations' rows are there."""
    questionnaire = Questionnaire.objects.get(is_default=True)
    assert questionnaire.name == "Canicule — questionnaire par défaut"
    assert list(questionnaire.questions.values_list("code", flat=True)) == [
        "temperature",
        "drinks_enough",
        "medicines",
        "isolation",
        "visits_per_week",
        "needs",
    ]
    assert sorted(Skill.objects.filter(bit__lt=10).values_list("bit", flat=True)) == list(range(10))
    categories = HelpCategory.objects.filter(bit__lt=10)
    assert categories.count() == 10
    assert list(categories.get(slug="demarches").skills.order_by("bit").values_list("bit", flat=True)) == [1, 7]
    assert not categories.get(slug="autre").skills.exists()


def test_a_new_database_has_the_audit_triggers():
    if connection.vendor == "postgresql":
        triggers = rows(connection, "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditentry'::regclass")
        assert ("audit_entry_append_only",) in triggers
    else:
        triggers = rows(connection, "SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert triggers == [("audit_entry_no_update",)]


# A database built by the replaced migrations -------------------------------------------------


def test_each_old_migration_is_replaced_once_or_kept_under_its_name(old_database):
    """What makes the loader take a database of the old history as migrated: a consolidated
    migration counts as applied when every migration it replaces is recorded."""
    project_apps = {app.label for app in apps.get_app_configs() if app.name.startswith("villesolidaire.")}
    old = {(app, name) for app, name in rows(old_database, "SELECT app, name FROM django_migrations")}
    old = {key for key in old if key[0] in project_apps}
    loader = MigrationExecutor(old_database).loader
    replaced = [key for migration in loader.replacements.values() for key in migration.replaces]
    assert len(old) == 43
    assert len(replaced) == len(set(replaced)) == 38
    assert not set(replaced) & set(loader.disk_migrations)
    assert old == set(replaced) | (old & set(loader.disk_migrations))


def added_after_consolidation(database: BaseDatabaseWrapper) -> set[tuple[str, str]]:
    """Migrations written after the consolidation: neither recorded in the old database nor
    replacing anything (docs/decisions/0009: from then on migrations are added)."""
    loader = MigrationExecutor(database).loader
    recorded = set(rows(database, "SELECT app, name FROM django_migrations"))
    return {
        key
        for key, migration in loader.disk_migrations.items()
        if key not in recorded and not migration.replaces and key[0] in {a.label for a in apps.get_app_configs()}
    }


def test_a_database_built_by_the_replaced_migrations_has_nothing_to_run(old_database):
    """Replaces the test of the `reason` → `note` renames (tests/core/test_workflow_migrations.py,
    whose migrations are now consolidated): it asserts the same property on the upgrade from the
    last release of the old history, that no log row and no text is lost."""
    recorded = rows(old_database, "SELECT app, name FROM django_migrations")
    old_tables = {name for (name,) in rows(old_database, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    # Only what was added after the consolidation runs.
    assert {(m.app_label, m.name) for m, _ in pending(old_database)} == added_after_consolidation(old_database)

    migrate(old_database)

    # Nothing else ran: the previous records are all kept, and the consolidated migrations are
    # recorded as applied beside them for the day their `replaces` lists go.
    executor = MigrationExecutor(old_database)
    applied = set(executor.recorder.applied_migrations())
    assert set(recorded) <= applied
    assert set(executor.loader.graph.nodes) <= applied
    old_logs = [log for log in TRANSITION_LOGS if log._meta.db_table in old_tables]
    assert len(old_logs) == 17
    for log in old_logs:
        name = log._meta.model_name
        steps = rows(old_database, f"SELECT from_status, note FROM {log._meta.db_table} ORDER BY id")  # noqa: S608
        assert [(bool(from_status), note) for from_status, note in steps] == [
            (False, f"Créé·e ({name}) — « première étape »"),
            (True, f"Étape suivante ({name}) : appel fait, l'été"),
        ]
    assert rows(old_database, "SELECT count(*) FROM campaigns_question") == [(6,)]
    assert rows(old_database, "SELECT count(*) FROM help_requests_helpcategory WHERE bit < 10") == [(10,)]
    assert rows(old_database, "SELECT name FROM sqlite_master WHERE type = 'trigger'") == [("audit_entry_no_update",)]


@pytest.mark.single_town_only(
    reason="migrates a SQLite database of its own, and django-tenants' router allows migrations on the "
    "towns' PostgreSQL database only"
)
def test_a_database_built_by_the_replaced_migrations_has_the_schema_of_a_new_one(old_database, new_database):
    """The consolidated migrations create what the replaced ones did, index and constraint
    names included. (Their data migrations write through the default connection, as every data
    migration of the project does: the seed rows of a new database are checked above.)"""
    assert pending(new_database) == []
    assert rows(new_database, "SELECT name FROM sqlite_master WHERE type = 'trigger'") == [("audit_entry_no_update",)]
    migrate(old_database)  # the migrations added after the consolidation
    old, new = schema(old_database), schema(new_database)
    assert sorted(old) == sorted(new)
    assert {table: old[table] for table in old if old[table] != new[table]} == {}


@pytest.mark.single_town_only(
    reason="migrates a SQLite database of its own, and django-tenants' router allows migrations on the "
    "towns' PostgreSQL database only"
)
def test_crisis_episodes_move_to_their_app_with_their_rows(old_database):
    """Decision 0013: `crises` takes over the episode tables of `campaigns` without copying them;
    the episode, its log, its campaigns' link and its content type are kept."""
    before = rows(old_database, "SELECT id, kind, level, starts_on FROM campaigns_episode")
    assert len(before) == 1
    migrate(old_database)
    assert rows(old_database, "SELECT id, kind, level, starts_on FROM campaigns_episode") == before
    assert rows(old_database, "SELECT count(*) FROM campaigns_episodetransition") == [(2,)]
    content_types = "SELECT app_label, model FROM django_content_type WHERE model IN ('episode', 'episodetransition')"
    assert sorted(rows(old_database, content_types)) == [("crises", "episode"), ("crises", "episodetransition")]
