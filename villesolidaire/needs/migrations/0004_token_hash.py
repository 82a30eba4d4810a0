"""Links that need no login keep only the SHA-256 of their key (issue 10): the clear `token`
column becomes `token_hash`, and the keys already stored are replaced by their digests."""

from django.db import migrations, models

import villesolidaire.core.fields


def digest_tokens(apps, schema_editor):
    villesolidaire.core.fields.digest_stored_tokens(apps.get_model("needs", "NeedInvitation"), schema_editor.connection.alias)
    villesolidaire.core.fields.digest_stored_tokens(apps.get_model("needs", "ShiftSignup"), schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("needs", "0003_consolidated")]

    operations = [
        migrations.RenameField(model_name="needinvitation", old_name="token", new_name="token_hash"),
        migrations.AlterField(
            model_name="needinvitation",
            name="token_hash",
            field=models.CharField(
                default=villesolidaire.core.fields.new_token_digest, editable=False, max_length=64, unique=True
            ),
        ),
        migrations.RenameField(model_name="shiftsignup", old_name="token", new_name="token_hash"),
        migrations.AlterField(
            model_name="shiftsignup",
            name="token_hash",
            field=models.CharField(
                default=villesolidaire.core.fields.new_token_digest, editable=False, max_length=64, unique=True
            ),
        ),
        migrations.RunPython(digest_tokens, migrations.RunPython.noop, elidable=True),
    ]
