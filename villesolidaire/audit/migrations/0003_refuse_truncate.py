"""The audit log refuses TRUNCATE too (issue 10, part 7).

The row triggers of migration 0002 do not fire on TRUNCATE, which would empty the log in one
statement. PostgreSQL gets a BEFORE TRUNCATE statement trigger that raises. SQLite (embedded
development database) has no TRUNCATE statement: its `DELETE FROM` without WHERE is a row
delete, left to the model as in 0002.

The one way past it is explicit: a session that sets `villesolidaire.allow_audit_truncate` to
`on` (`SET villesolidaire.allow_audit_truncate = on`). The test suite's connections do, because
the test runner empties every table with TRUNCATE between transactional tests; the application
never does, so `manage.py flush` or a stray TRUNCATE in production fails.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_entry_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('villesolidaire.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: TRUNCATE refused';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_no_truncate();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_no_truncate();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [migrations.RunPython(forward, backward)]
